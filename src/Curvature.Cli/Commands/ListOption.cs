using System.CommandLine;
using System.Globalization;

namespace Curvature.Cli.Commands;

/// <summary>Comma-separated lists such as <c>--hidden 64,32</c> or <c>--init-scales 0.5,1,2</c>.</summary>
internal static class ListOption
{
    /// <summary>An option holding a list of positive (or, with <paramref name="allowZero"/>, non-negative) integers.</summary>
    public static Option<string> Create(string name, string defaultValue, string description, bool allowZero = false)
    {
        var option = OptionFactory.Create(name, defaultValue, description);
        option.Validators.Add(r =>
        {
            if (!OptionFactory.TryGetValue(r, out string? text)) return;
            if (TryParse(text, allowZero, out _) is { } error) r.AddError($"{name} {text}: {error}");
        });
        return option;
    }

    /// <summary>Parses "a,b,c"; returns the list (throws <see cref="UserInputException"/> on bad text).</summary>
    public static int[] Parse(string name, string text, bool allowZero = false) =>
        TryParse(text, allowZero, out var values) is { } error ? throw new UserInputException($"{name} {text}: {error}") : values;

    /// <summary>Parses "a,b,c" of positive finite numbers (e.g. step sizes); "none" or "" gives the empty list when
    /// <paramref name="allowEmpty"/>.</summary>
    public static double[] ParsePositiveNumbers(string name, string text, bool allowEmpty)
    {
        if (allowEmpty && (string.IsNullOrWhiteSpace(text) || text.Trim() == "none")) return [];
        if (string.IsNullOrWhiteSpace(text)) throw new UserInputException($"{name}: expected a comma-separated list of positive numbers");
        var list = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new UserInputException($"{name} {text}: '{part}' is not a number");
            if (v <= 0) throw new UserInputException($"{name} {text}: every entry must be positive; got {part}");
            list.Add(v);
        }
        return list.ToArray();
    }

    static string? TryParse(string? text, bool allowZero, out int[] values)
    {
        values = [];
        if (string.IsNullOrWhiteSpace(text)) return "expected a comma-separated list of whole numbers";
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var list = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
                return $"'{part}' is not a whole number";
            if (v < (allowZero ? 0 : 1)) return $"every entry must be {(allowZero ? "zero or more" : "at least 1")}; got {v}";
            list.Add(v);
        }
        values = list.ToArray();
        return null;
    }
}
