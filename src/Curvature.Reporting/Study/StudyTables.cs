using Curvature.Analysis;
using Curvature.Study;

namespace Curvature.Reporting.Study;

/// <summary>The study's CSV tables (see <see cref="Csv"/> for the format): one row per arm × checkpoint, per layer
/// block, per sweep point, per BN mode, per training step, per smoothness step size, per density grid point, and per
/// finding value.</summary>
public static class StudyTables
{
    /// <summary>All tables, in the order the report lists them.</summary>
    public static IReadOnlyList<CsvTable> Build(StudyResult result, StudySummary summary)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(summary);
        return
        [
            Checkpoints(result), Layers(result), InitSweep(result), BatchNormModes(result), Training(result),
            Smoothness(result), Densities(result), Findings(summary),
        ];
    }

    static int TopK(StudyResult r) => r.Arms.SelectMany(a => a.Checkpoints)
        .SelectMany(c => c.BatchNormModes.Prepend(c.Curvature)).Select(x => x.TopEigenvalues.Length).DefaultIfEmpty(0).Max();

    static IEnumerable<string> LambdaColumns(int k) => Enumerable.Range(1, k).Select(i => $"lambda_{i}");

    static IEnumerable<object?> Lambdas(CurvatureReport x, int k) =>
        Enumerable.Range(0, k).Select(i => (object?)(i < x.TopEigenvalues.Length ? x.TopEigenvalues[i] : double.NaN));

    /// <summary>checkpoints: one row per arm × checkpoint.</summary>
    public static CsvTable Checkpoints(StudyResult r)
    {
        int k = TopK(r);
        var csv = new Csv([
            "arm", "norm", "learning_rate", "step", "batchnorm_mode", "analysis_loss", "analysis_accuracy", "gradient_norm",
            .. LambdaColumns(k), "lambda1_over_lambdak", "f_k", "f_k_minibatch", "f_k_minibatch_stderr", "gradient_curvature",
            "trace", "trace_stderr", "loss_variation", "gradient_predictiveness", "effective_beta", "density_measured",
        ]);
        foreach (var arm in r.Arms)
            foreach (var c in arm.Checkpoints)
            {
                var x = c.Curvature;
                var s = c.Smoothness;
                csv.Row([
                    arm.Name, arm.Norm, arm.LearningRate, c.Step, x.BatchNormMode, x.Loss, c.AnalysisAccuracy, x.GradientNorm,
                    .. Lambdas(x, k), x.Lambda1OverLambdak, x.GradientOverlapTopk, x.GradientOverlapTopkMiniBatch, x.GradientOverlapTopkMiniBatchStderr,
                    x.GradientCurvature, x.Trace, x.TraceStderr, s?.LossVariation ?? double.NaN, s?.GradientPredictiveness ?? double.NaN,
                    s?.EffectiveBeta ?? double.NaN, c.Density is not null,
                ]);
            }
        return new CsvTable("checkpoints", csv.ToString()) { Description = "one row per arm and checkpoint: loss, accuracy, top-K eigenvalues, λ₁/λ_K, f_K (full batch, mini-batch ± SE), gᵀHg/‖g‖², trace ± SE, smoothness measures" };
    }

    /// <summary>layers: one row per arm × checkpoint × layer block.</summary>
    public static CsvTable Layers(StudyResult r)
    {
        var csv = new Csv("arm", "step", "layer", "parameters", "size", "top_eigenvalue", "residual", "converged", "products");
        foreach (var arm in r.Arms)
            foreach (var c in arm.Checkpoints)
                foreach (var l in c.Layers)
                    csv.Row(arm.Name, c.Step, l.Layer, string.Join(' ', l.Parameters), l.Size, l.TopEigenvalue, l.Residual, l.Converged, l.Products);
        return new CsvTable("layers", csv.ToString()) { Description = "one row per arm, checkpoint and layer block: the block's top eigenvalue" };
    }

    /// <summary>init-sweep: one row per sweep run × checkpoint, plus the main arms' checkpoints of the swept arms.</summary>
    public static CsvTable InitSweep(StudyResult r)
    {
        var csv = new Csv("arm", "init_scale", "learning_rate", "source", "step", "lambda_max", "loss");
        foreach (var run in r.InitSweep)
            for (int i = 0; i < run.Steps.Length; i++)
                csv.Row(run.Arm, run.InitScale, run.LearningRate, "sweep", run.Steps[i],
                    i < run.LambdaMax.Length ? run.LambdaMax[i] : double.NaN, i < run.Loss.Length ? run.Loss[i] : double.NaN);
        foreach (var arm in r.Arms.Where(a => r.InitSweep.Any(s => s.Arm == a.Name)))
            foreach (var c in arm.Checkpoints)
                csv.Row(arm.Name, arm.InitScale, arm.LearningRate, "main arm", c.Step,
                    c.Curvature.TopEigenvalues.Length > 0 ? c.Curvature.TopEigenvalues[0] : double.NaN, c.Curvature.Loss);
        return new CsvTable("init-sweep", csv.ToString()) { Description = "one row per init scale and checkpoint: λmax and the analysis loss (sweep runs and the 1× main arm)" };
    }

    /// <summary>bn-modes: one row per BatchNorm arm × compared checkpoint × mode (the arm's own mode first).</summary>
    public static CsvTable BatchNormModes(StudyResult r)
    {
        int k = TopK(r);
        var csv = new Csv(["arm", "step", "mode", "own_mode", "loss", .. LambdaColumns(k), "lambda1_over_lambdak", "f_k", "gradient_curvature", "trace", "trace_stderr"]);
        foreach (var arm in r.Arms)
            foreach (var c in arm.Checkpoints.Where(c => c.BatchNormModes.Length > 0))
                foreach (var x in c.BatchNormModes.Prepend(c.Curvature))
                    csv.Row([arm.Name, c.Step, x.BatchNormMode, x == c.Curvature, x.Loss, .. Lambdas(x, k), x.Lambda1OverLambdak, x.GradientOverlapTopk, x.GradientCurvature, x.Trace, x.TraceStderr]);
        return new CsvTable("bn-modes", csv.ToString()) { Description = "one row per BatchNorm arm, compared checkpoint and BatchNorm mode (train, eval, population)" };
    }

    /// <summary>training: one row per run × step: the update's mini-batch loss, accuracy and rate (steps 1…T) and the
    /// held-out evaluation where one was made (empty otherwise).</summary>
    public static CsvTable Training(StudyResult r)
    {
        var csv = new Csv("run", "arm", "init_scale", "step", "minibatch_loss", "minibatch_accuracy", "learning_rate", "heldout_loss", "heldout_accuracy");
        var runs = r.Arms.Select(a => ("main", a.Name, a.InitScale, a.History))
            .Concat(r.InitSweep.Select(s => ("sweep", s.Arm, s.InitScale, s.History)));
        foreach (var (kind, arm, scale, h) in runs)
        {
            var evaluations = new Dictionary<int, int>();
            for (int j = 0; j < h.EvaluationSteps.Length; j++) evaluations[h.EvaluationSteps[j]] = j;
            var steps = Enumerable.Range(1, h.Loss.Length).Union(h.EvaluationSteps).Order();
            foreach (int step in steps)
            {
                int i = step - 1;
                bool update = i >= 0 && i < h.Loss.Length;
                bool held = evaluations.TryGetValue(step, out int j);
                csv.Row(kind, arm, scale, step,
                    update ? h.Loss[i] : double.NaN, update && i < h.Accuracy.Length ? h.Accuracy[i] : double.NaN,
                    update && i < h.LearningRate.Length ? h.LearningRate[i] : double.NaN,
                    held && j < h.HeldOutLoss.Length ? h.HeldOutLoss[j] : double.NaN, held && j < h.HeldOutAccuracy.Length ? h.HeldOutAccuracy[j] : double.NaN);
            }
        }
        return new CsvTable("training", csv.ToString()) { Description = "one row per run and step: mini-batch loss, accuracy and learning rate of the update, and the held-out evaluation where made" };
    }

    /// <summary>smoothness: one row per arm × checkpoint × step size of the smoothness probe.</summary>
    public static CsvTable Smoothness(StudyResult r)
    {
        var csv = new Csv("arm", "step", "eta", "loss", "gradient_change", "loss0", "gradient_norm");
        foreach (var arm in r.Arms)
            foreach (var c in arm.Checkpoints)
                if (c.Smoothness is { } s)
                    for (int i = 0; i < s.StepSizes.Length; i++)
                        csv.Row(arm.Name, c.Step, s.StepSizes[i], i < s.Loss.Length ? s.Loss[i] : double.NaN,
                            i < s.GradientChange.Length ? s.GradientChange[i] : double.NaN, s.Loss0, s.GradientNorm);
        return new CsvTable("smoothness", csv.ToString()) { Description = "one row per arm, checkpoint and step size η: L(θ − ηg) and ‖∇L(θ − ηg) − ∇L(θ)‖" };
    }

    /// <summary>densities: one row per arm × density checkpoint × grid point of the log-scale SLQ density.</summary>
    public static CsvTable Densities(StudyResult r)
    {
        var csv = new Csv("arm", "step", "u", "log10_abs_lambda", "density_u", "epsilon");
        foreach (var arm in r.Arms)
            foreach (var c in arm.Checkpoints)
                if (c.Density?.LogDensity is { } d)
                    for (int g = 0; g < d.Grid.Length; g++)
                        csv.Row(arm.Name, c.Step, d.Grid[g], d.Grid[g] / Math.Log(10), d.Values[g], d.Epsilon);
        return new CsvTable("densities", csv.ToString()) { Description = "one row per arm, density checkpoint and grid point: the SLQ density of u = ln(|λ| + ε)" };
    }

    /// <summary>findings: one row per finding value (a finding without values has one row with empty value fields).</summary>
    public static CsvTable Findings(StudySummary summary)
    {
        var csv = new Csv("id", "title", "verdict", "label", "value", "json_pointer", "statement");
        foreach (var f in summary.Findings)
        {
            string verdict = VerdictText.Code(f.Verdict);
            if (f.Values.Length == 0) csv.Row(f.Id, f.Title, verdict, null, null, null, f.Statement);
            foreach (var v in f.Values) csv.Row(f.Id, f.Title, verdict, v.Label, v.Value, v.JsonPointer, f.Statement);
        }
        return new CsvTable("findings", csv.ToString()) { Description = "one row per number of each finding, with its verdict, JSON pointer and statement" };
    }
}

/// <summary>How verdicts are written.</summary>
public static class VerdictText
{
    /// <summary>The verdict as the JSON record writes it (snake_case): supported, not_supported, mixed, not_measured.</summary>
    public static string Code(Verdict v) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString());

    /// <summary>The verdict in words for the page.</summary>
    public static string Words(Verdict v) => v switch
    {
        Verdict.Supported => "supported",
        Verdict.NotSupported => "not supported",
        Verdict.Mixed => "mixed",
        _ => "not measured",
    };
}
