using System.Globalization;

namespace Curvature.Reporting.Study;

/// <summary>How the report prints numbers: invariant culture, ASCII '-', no thousands separators or percent signs, a
/// lower-case exponent ("14.2", "0.934", "1.25e-05"), so a checker can parse each printed number and compare it with
/// the JSON value within half a unit of its last digit.</summary>
public static class NumberText
{
    /// <summary>Significant digits of a measured number in the text: 3 (the decision thresholds are factors of 1.5
    /// and differences of 0.15, so a third digit is already more than a verdict needs).</summary>
    public const int Digits = 3;

    /// <summary>Whole numbers below this magnitude are printed in full (steps, sizes, counts).</summary>
    const double WholeLimit = 1e7;

    /// <summary>A measured number with <see cref="Digits"/> significant digits; whole numbers in full; "n/a" when not finite.</summary>
    public static string Short(double value)
    {
        if (!double.IsFinite(value)) return "n/a";
        if (value == 0) return "0";
        if (value == Math.Round(value) && Math.Abs(value) < WholeLimit) return value.ToString("0", CultureInfo.InvariantCulture);
        return value.ToString("G" + Digits, CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    /// <summary>A setting printed exactly (shortest round-trip form); "n/a" when not finite.</summary>
    public static string Exact(double value)
    {
        if (!double.IsFinite(value)) return "n/a";
        if (value == 0) return "0";
        return value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
    }
}
