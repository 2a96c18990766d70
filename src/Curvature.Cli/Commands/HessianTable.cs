using System.Globalization;
using Curvature.Analysis;
using Spectre.Console;

namespace Curvature.Cli.Commands;

/// <summary>The console summary of <c>curvature hessian</c>.</summary>
internal static class HessianTable
{
    public static void Write(IAnsiConsole console, NetworkConfig c, CurvatureReport r, IReadOnlyList<string> files)
    {
        console.MarkupLine($"[bold]{Markup.Escape(r.Operator)}[/] of the mean {Markup.Escape(c.Loss)} loss — {Markup.Escape(c.Model)} ({r.NumParams:N0} parameters, norm {Markup.Escape(c.Norm)}, "
                           + $"{Markup.Escape(c.Activation)}) on {c.Samples:N0} {Markup.Escape(c.Dataset)} samples ({Markup.Escape(c.Split)} split), batch {c.BatchSize}, "
                           + $"BatchNorm mode [bold]{Markup.Escape(r.BatchNormMode)}[/], {Markup.Escape(c.Dtype)}, seed {c.Seed}"
                           + (c.Weights is null ? ", fresh initialisation" : $", weights {Markup.Escape(c.Weights)}"));
        var summary = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => summary.AddRow(name, value);
        Row("loss", F(r.Loss));
        Row("‖gradient‖", F(r.GradientNorm));
        Row($"λ₁ / λ_{r.TopEigenvalues.Length}", F(r.Lambda1OverLambdak));
        Row($"gradient in top-{r.TopEigenvalues.Length} subspace f_K (full batch)", F(r.GradientOverlapTopk));
        if (double.IsFinite(r.GradientOverlapTopkMiniBatchStderr))
            Row($"f_K of mini-batch gradients (mean ± SE)", $"{F(r.GradientOverlapTopkMiniBatch)} ± {F(r.GradientOverlapTopkMiniBatchStderr)}");
        Row("curvature along the gradient gᵀHg/‖g‖²", F(r.GradientCurvature));
        if (double.IsFinite(r.Trace)) Row("trace (± SE)", $"{F(r.Trace)} ± {F(r.TraceStderr)}");
        if (double.IsFinite(r.AbsMassTopkShare)) Row($"share of Σ|λ| in the top {r.TopEigenvalues.Length}", F(r.AbsMassTopkShare));
        if (double.IsFinite(r.NegativeMassShare)) Row("negative mass Σ_{λ<0}|λ| / Σ|λ|", F(r.NegativeMassShare));
        Row("operator products", r.HvpCount.ToString("N0", CultureInfo.InvariantCulture));
        Row("wall time", $"{r.WallSeconds:F1} s");
        console.Write(summary);

        var eigen = new Table().Border(TableBorder.Rounded).AddColumn("i").AddColumn(new TableColumn("λᵢ").RightAligned())
                               .AddColumn(new TableColumn("residual ‖Hv − λv‖").RightAligned());
        if (r.Exact is not null) eigen.AddColumn(new TableColumn("relative error vs exact").RightAligned());
        for (int i = 0; i < r.TopEigenvalues.Length; i++)
        {
            var cells = new List<string> { (i + 1).ToString(CultureInfo.InvariantCulture), F(r.TopEigenvalues[i]), r.Residuals[i].ToString("0.0e+0", CultureInfo.InvariantCulture) + (r.Converged[i] ? "" : " (not converged)") };
            if (r.Exact is not null) cells.Add(r.Exact.TopRelativeErrors[i].ToString("0.0e+0", CultureInfo.InvariantCulture));
            eigen.AddRow(cells.ToArray());
        }
        console.Write(eigen);
        if (r.Exact is { } e)
            console.MarkupLine($"Exact mode: trace {F(e.ExactTrace)} (estimate off by {e.TraceErrorInStderrs:F2} SE); exact f_K {F(e.ExactGradientOverlapTopk)}; asymmetry of the materialised matrix {e.Asymmetry:0.0e+0}.");
        if (r.Density is null) console.MarkupLine("Add --density for the spectral density (SLQ), --exact to check every estimate against the dense spectrum.");
        if (files.Count > 0)
            console.MarkupLine($"Wrote {files.Count} files to {Markup.Escape(string.Join(", ", files.Select(f => Path.GetDirectoryName(Path.GetFullPath(f))).Distinct()))}");
    }

    static string F(double x) => !double.IsFinite(x) ? "—" : x.ToString(Math.Abs(x) is >= 1e-3 and < 1e6 or 0 ? "0.####" : "0.###e+0", CultureInfo.InvariantCulture);
}
