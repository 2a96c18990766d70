using System.CommandLine;
using System.CommandLine.Parsing;
using System.Numerics;

namespace Curvature.Cli.Commands;

/// <summary>Options with their validation attached, so a bad value fails at parse time with one line.</summary>
internal static class OptionFactory
{
    public static Option<T> Create<T>(string name, T defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>A value option that is null when not given.</summary>
    public static Option<T?> Optional<T>(string name, string description) where T : struct => new(name) { Description = description };

    /// <summary>A text option (e.g. a path) that is null when not given.</summary>
    public static Option<string?> OptionalText(string name, string description) => new(name) { Description = description };

    /// <summary>A number that must be &gt; 0.</summary>
    public static Option<T> Positive<T>(string name, T defaultValue, string description) where T : INumber<T>
    {
        var option = Create(name, defaultValue, description);
        option.Validators.Add(r =>
        {
            if (!TryGetValue(r, out T value)) return;
            if (value <= T.Zero || (value is double d && !double.IsFinite(d)))
                r.AddError($"{name} must be a positive number; got {value}");
        });
        return option;
    }

    /// <summary>A number that must be ≥ 0 and finite.</summary>
    public static Option<T> NonNegative<T>(string name, T defaultValue, string description) where T : INumber<T>
    {
        var option = Create(name, defaultValue, description);
        option.Validators.Add(r =>
        {
            if (!TryGetValue(r, out T value)) return;
            if (value < T.Zero || (value is double d && !double.IsFinite(d)))
                r.AddError($"{name} must be zero or positive; got {value}");
        });
        return option;
    }

    /// <summary>A string restricted to a set of names (case-insensitive), with the choices in the message. The value
    /// is returned as spelled in <paramref name="choices"/>, so callers can compare it ordinally ("GGN" → "ggn").</summary>
    public static Option<string> Choice(string name, string defaultValue, string description, params string[] choices)
    {
        var option = Create(name, defaultValue, $"{description} One of: {string.Join(", ", choices)}.");
        // Without this, "--operator GGN" passed the case-insensitive check below but matched no case of the verb's
        // ordinal switch, and silently ran another choice (the Fisher, BatchNorm mode population, …).
        option.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : defaultValue;
            return choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase)) ?? text;
        };
        option.Validators.Add(r =>
        {
            if (!TryGetValue(r, out string? value)) return;
            if (!choices.Contains(value, StringComparer.OrdinalIgnoreCase))
                r.AddError($"{name}: unknown value '{value}'; expected one of {string.Join(", ", choices)}");
        });
        return option;
    }

    /// <summary>The option's value, or false when the text did not convert (e.g. "abc" for a number): then the
    /// parser reports the conversion error itself, and a validator must not throw (an exception thrown while
    /// parsing would escape as a crash instead of one line on stderr).</summary>
    public static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }
}
