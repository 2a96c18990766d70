using System.Globalization;
using Curvature.Theory;
using Spectre.Console;

namespace Curvature.Cli.Commands;

/// <summary>The console summary of a linear-lab run: theory next to measurement, one column per
/// preprocessing mode.</summary>
internal static class LinearTable
{
    public static void Write(IAnsiConsole console, LinearLabResult result, IReadOnlyList<string> files)
    {
        var c = result.Config;
        console.MarkupLine($"[bold]Linear neuron[/] — {Markup.Escape(c.Source)}: N = {c.Inputs} inputs, p = {c.Samples} samples, α = p/N = {F(c.Alpha)}"
                           + (c.Source == "synthetic" ? $", inputs ~ 𝒩(m = {F(c.Mean)}, v = {F(c.Variance)})" : $", mean pixel RMS m = {F(c.Mean)}, mean variance v = {F(c.Variance)}"));
        bool estimated = c.SpectrumPath != "dense";
        console.MarkupLine($"Hessian of E(w) = (1/2p)Σ(y − wᵀx)² is R = (1/p)XᵀX; spectrum by {Markup.Escape(result.Preprocessing[0].SpectrumMethod)}.");
        if (estimated)
            console.MarkupLine($"[bold]Estimators used[/] (min(p, N) > dense limit {c.MaxDenseDimension}, seed {c.EstimatorSeed}): the eigenvalue list is partial, "
                               + "κ and λmin come from Lanczos, GD runs through X and its prediction is the slowest-mode bound; the per-mode decay check is not done.");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("");
        foreach (var r in result.Preprocessing) table.AddColumn(new TableColumn($"[bold]{r.Mode}[/]").RightAligned());
        void Row(string label, Func<PreprocessingReport, string> value) =>
            table.AddRow(new[] { label }.Concat(result.Preprocessing.Select(value)).ToArray());
        Row("spectrum method", r => r.EigenvaluesPartial ? "Lanczos extremes + SLQ" : "dense eigh (all N)");
        Row("λmax (measured)", r => F(r.LambdaMax));
        Row("predicted outlier N m² + v", r => r.OutlierPredicted is { } o ? F(o) : "—");
        Row("  finite-p (N m² + v)(1 + v/(p m²))", r => r.OutlierPredictedFiniteP is { } o ? F(o) : "—");
        Row("MP bulk edge λ₊ (predicted)", r => F(r.MpUpper));
        Row("MP bulk edge λ₋ (predicted)", r => F(r.MpLower));
        Row("smallest non-zero λ (measured)", r => F(r.LambdaMinNonzero));
        Row("zero eigenvalues (measured)", r => r.ZeroEigenvalues.ToString(CultureInfo.InvariantCulture));
        Row("zero fraction max(0, 1 − α) (predicted)", r => F(r.ZeroFraction));
        Row("condition number κ", r => F(r.ConditionNumber));
        if (estimated)
        {
            Row("trace: exact (1/p)‖X‖²_F", r => r.SpectrumEstimates is { } e ? F(e.ExactTrace) : "—");
            Row("trace: SLQ ± standard error", r => r.SpectrumEstimates is { } e ? $"{F(e.SlqTrace)} ± {F(e.SlqTraceStandardError)}" : "—");
        }
        Row("η divergence bound 2/λmax", r => F(r.EtaMax));
        Row("η no oscillation 1/λmax", r => F(r.EtaNoOscillation));
        Row("η best single 2/(λmax + λmin)", r => F(r.EtaBestSingle));
        Row("GD η used", r => F(r.Dynamics.Eta));
        Row("GD outcome", r => r.Dynamics.Outcome);
        Row("steps to tolerance: measured", r => r.Dynamics.StepsToTolerance.Measured?.ToString(CultureInfo.InvariantCulture) ?? $"> {r.Dynamics.StepsTaken}");
        Row(estimated ? "steps to tolerance: predicted (bound)" : "steps to tolerance: predicted", r =>
            r.Dynamics.StepsToTolerance.Predicted is { } k
                ? (r.Dynamics.PerModeCheckOmitted is null ? "" : "≤ ") + k.ToString(CultureInfo.InvariantCulture)
                : "never");
        Row("slowest time constant τ", r => r.Dynamics.SlowestTimeConstant is { } t ? F(t) : "∞");
        Row("max |decay − (1 − ηλ)^k| (relative)", r => r.Dynamics.MaxDecayDeviation is { } d ? d.ToString("0.0e+0", CultureInfo.InvariantCulture) : "—");
        console.Write(table);
        foreach (var omitted in result.OmittedModes)
            console.MarkupLine($"{Markup.Escape(omitted.Mode)}: {Markup.Escape(omitted.Reason)}.");
        console.MarkupLine($"GD tolerance: excess loss ≤ {F(c.Tolerance)} × start, at most {c.MaxSteps} steps.");
        if (files.Count > 0)
        {
            var dirs = files.Select(f => Path.GetDirectoryName(Path.GetFullPath(f))).Distinct().ToList();
            console.MarkupLine($"Wrote {files.Count} files to {Markup.Escape(string.Join(", ", dirs))}");
        }
    }

    static string F(double x) => x.ToString(Math.Abs(x) is >= 1e-3 and < 1e6 or 0 ? "0.####" : "0.###e+0", CultureInfo.InvariantCulture);
}
