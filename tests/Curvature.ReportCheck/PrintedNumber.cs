using System.Globalization;
using System.Text.RegularExpressions;

namespace Curvature.ReportCheck;

/// <summary>A number as the report prints it (invariant culture: ASCII '-', '.', no thousands separators, no
/// percent, optional exponent) and the rule that it equals a recorded value: within half a unit of its last
/// printed digit, the most that correct rounding can change it.</summary>
public static partial class PrintedNumber
{
    /// <summary>Relative slack for binary round-off: parsing the text and forming 10^k are each off by a few
    /// ulps (~1e-16 relative); 1e-12 is far above that and far below any precision a report prints.</summary>
    public const double RoundOffSlack = 1e-12;

    /// <summary>What the page prints for a non-finite value (JSON null in the record).</summary>
    public static readonly IReadOnlyList<string> NonFiniteTexts = ["n/a", "NaN"];

    [GeneratedRegex(@"^-?(?<int>[0-9]+)(?:\.(?<frac>[0-9]+))?(?:[eE](?<exp>[+-]?[0-9]+))?$")]
    private static partial Regex Invariant();

    /// <summary>Parses <paramref name="text"/> as an invariant-culture number; <paramref name="halfUnit"/> is
    /// half of 10^(exponent − decimals), the rounding width of the last printed digit.</summary>
    public static bool TryParse(string text, out double value, out double halfUnit)
    {
        value = halfUnit = double.NaN;
        var match = Invariant().Match(text);
        if (!match.Success)
            return false;
        int exponent = 0;
        if (match.Groups["exp"].Success &&
            !int.TryParse(match.Groups["exp"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            return false;
        value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        halfUnit = 0.5 * Math.Pow(10, exponent - match.Groups["frac"].Value.Length);
        return double.IsFinite(value);
    }

    /// <summary>Whether <paramref name="text"/> is a correct rounding of <paramref name="recorded"/>:
    /// |printed − recorded| ≤ halfUnit + <see cref="RoundOffSlack"/>·max(|printed|, |recorded|).</summary>
    public static bool Matches(string text, double recorded) =>
        TryParse(text, out double printed, out double halfUnit) &&
        Math.Abs(printed - recorded) <= halfUnit + RoundOffSlack * Math.Max(Math.Abs(printed), Math.Abs(recorded));
}
