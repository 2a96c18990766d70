using Curvature.Analysis;
using Curvature.Study;

namespace Curvature.Reporting.Study;

/// <summary>Finding arms, checkpoints and BatchNorm modes in a record, and the small statistics the findings use.</summary>
internal static class StudyLookup
{
    /// <summary>The arm playing a role: the arm of that name, else (for the standard roles) the first arm whose
    /// normalisation and statistics fit it; -1 when there is none.</summary>
    public static int Arm(StudyResult r, string role)
    {
        int byName = Array.FindIndex(r.Arms, a => a.Name == role);
        if (byName >= 0) return byName;
        return role switch
        {
            "none" => Array.FindIndex(r.Arms, a => a.Norm == "none"),
            "batch" => Array.FindIndex(r.Arms, a => a.Norm == "batch" && a.TrainingStatistics != "population"),
            "population" => Array.FindIndex(r.Arms, a => a.Norm == "batch" && a.TrainingStatistics == "population"),
            _ => Array.FindIndex(r.Arms, a => a.Norm == role),
        };
    }

    /// <summary>Index of the last checkpoint satisfying <paramref name="keep"/> (all when null); -1 if none.</summary>
    public static int Last(ArmResult a, Func<CheckpointResult, bool>? keep = null)
    {
        for (int c = a.Checkpoints.Length - 1; c >= 0; c--)
            if (keep is null || keep(a.Checkpoints[c])) return c;
        return -1;
    }

    /// <summary>Checkpoints late enough to show the trained network's spectrum: step &gt; 0 and step ≥
    /// <see cref="StudyVerdicts.LateFraction"/> × the last step (the last checkpoint always qualifies).</summary>
    public static int[] Late(ArmResult a)
    {
        if (a.Checkpoints.Length == 0) return [];
        double last = a.Checkpoints[^1].Step;
        var late = Enumerable.Range(0, a.Checkpoints.Length)
            .Where(c => a.Checkpoints[c].Step > 0 && a.Checkpoints[c].Step >= StudyVerdicts.LateFraction * last).ToArray();
        return late.Length > 0 ? late : [a.Checkpoints.Length - 1];
    }

    /// <summary>The median of the finite values; with an odd count it is one of them, whose position is returned so
    /// the report can point at the record's own number. NaN when no value is finite.</summary>
    public static (double Value, int? At) Median(IEnumerable<(double Value, int At)> items)
    {
        var sorted = items.Where(x => double.IsFinite(x.Value)).OrderBy(x => x.Value).ToArray();
        if (sorted.Length == 0) return (double.NaN, null);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? (sorted[mid].Value, sorted[mid].At) : (0.5 * (sorted[mid - 1].Value + sorted[mid].Value), null);
    }

    /// <summary>The report of a checkpoint in a BatchNorm mode ("train", "eval", "population"): -1 for the checkpoint's
    /// own curvature, the index into <see cref="CheckpointResult.BatchNormModes"/> otherwise; null when not measured.</summary>
    public static (CurvatureReport Report, int Index)? Mode(CheckpointResult c, string mode)
    {
        if (c.Curvature.BatchNormMode == mode) return (c.Curvature, -1);
        int m = Array.FindIndex(c.BatchNormModes, x => x.BatchNormMode == mode);
        return m >= 0 ? (c.BatchNormModes[m], m) : null;
    }

    /// <summary>max/min of positive finite values (NaN when fewer than two).</summary>
    public static double Spread(IEnumerable<double> values)
    {
        var v = values.Where(x => x > 0 && double.IsFinite(x)).ToArray();
        return v.Length < 2 ? double.NaN : v.Max() / v.Min();
    }

    /// <summary>An integer in Unicode subscript digits (λ₁/λ₁₀): symbols in the text, not numbers a reader or checker
    /// would take for a measurement.</summary>
    public static string Sub(int k) => string.Concat(k.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(ch => ch == '-' ? '₋' : (char)('₀' + (ch - '0'))));
}
