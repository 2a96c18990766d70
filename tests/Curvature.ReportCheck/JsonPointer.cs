using System.Globalization;
using System.Text.Json;

namespace Curvature.ReportCheck;

/// <summary>Resolves a JSON Pointer (RFC 6901) in a parsed document.</summary>
public static class JsonPointer
{
    /// <summary>The value <paramref name="pointer"/> names in <paramref name="root"/>, or false with a
    /// <paramref name="problem"/> that says which step failed. "" is the whole document (RFC 6901 §5); each
    /// reference token unescapes ~1 to '/' and ~0 to '~' (§4); an array index is 0 or a decimal without
    /// leading zeros, and "-" (past the end) names no value (§4, §7).</summary>
    public static bool TryResolve(JsonElement root, string pointer, out JsonElement value, out string problem)
    {
        value = root;
        problem = "";
        if (pointer.Length == 0)
            return true;
        if (pointer[0] != '/')
        {
            problem = "is not a JSON pointer (it must be empty or start with '/')";
            return false;
        }
        string path = "";
        string Where() => path.Length == 0 ? "the root" : $"'{path}'";
        foreach (string raw in pointer[1..].Split('/'))
        {
            if (!TryUnescape(raw, out string token))
            {
                problem = $"has a bad escape in '{raw}' (only ~0 and ~1 are allowed)";
                return false;
            }
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!value.TryGetProperty(token, out value))
                    {
                        problem = $"does not resolve: no member '{token}' at {Where()}";
                        return false;
                    }
                    break;
                case JsonValueKind.Array:
                    if (!IsIndex(token, out int index) || index >= value.GetArrayLength())
                    {
                        problem = $"does not resolve: '{token}' is not an index of the {value.GetArrayLength()}-element array at {Where()}";
                        return false;
                    }
                    value = value[index];
                    break;
                default:
                    problem = $"does not resolve: {Where()} is a {value.ValueKind.ToString().ToLowerInvariant()}, not an object or array";
                    return false;
            }
            path += "/" + raw;
        }
        return true;
    }

    static bool TryUnescape(string raw, out string token)
    {
        var builder = new System.Text.StringBuilder(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '~')
            {
                builder.Append(raw[i]);
                continue;
            }
            if (i + 1 >= raw.Length || (raw[i + 1] != '0' && raw[i + 1] != '1'))
            {
                token = "";
                return false;
            }
            builder.Append(raw[++i] == '0' ? '~' : '/');
        }
        token = builder.ToString();
        return true;
    }

    static bool IsIndex(string token, out int index)
    {
        index = -1;
        bool digits = token.Length > 0 && token.All(char.IsAsciiDigit) && (token.Length == 1 || token[0] != '0');
        return digits && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}
