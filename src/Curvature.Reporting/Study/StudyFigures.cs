using System.Globalization;
using Curvature.Analysis;
using Curvature.Estimators;
using Curvature.Reporting.Charts;
using Curvature.Reporting.Linear;
using Curvature.Study;
using Curvature.Training;

namespace Curvature.Reporting.Study;

/// <summary>The figures a study produces, and why any is missing.</summary>
/// <param name="Figures">The rendered figures, in page order.</param>
/// <param name="Missing">Figure name → one sentence saying why it was not drawn.</param>
internal sealed record StudyFigureSet(IReadOnlyList<RenderedFigure> Figures, IReadOnlyDictionary<string, string> Missing);

/// <summary>
/// The study's figures (ScottPlot via <see cref="Chart"/>), drawn from the record only. Steps run from 0, so axes over
/// training plot step + 1 on a log scale (the early appearance of outliers, Ghorbani et al. 2019 Fig. 2, needs the first
/// decades resolved). Densities follow <see cref="Hessian.HessianFigures"/>: the density of u = ln(|λ| + ε) drawn
/// against log₁₀|λ| (×ln 10 per unit), here with a log density axis so the outliers' small mass shows.
/// </summary>
public static class StudyFigures
{
    /// <summary>Every figure name the report may contain, in page order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "density-matched", "density-final", "top-eigenvalues", "lambda-ratio", "gradient-overlap", "gradient-curvature", "trace",
        "bn-modes", "training-loss", "training-accuracy", "init-sweep-lambda", "init-sweep-loss", "per-layer",
        "smoothness-loss", "smoothness-gradient", "smoothness-beta", "linear-neuron", "linear-neuron-centered",
    ];

    /// <summary>Densities are drawn down to 10⁻⁸ of their peak: the K outliers of an n ≈ 10⁵ Hessian carry ~10⁻⁴ of the
    /// mass, smoothed over a few grid points; lower values are SLQ quadrature tails, not spectrum.</summary>
    const double DensityFloor = 1e-8;

    /// <summary>At most 800 points per training curve (a long run would make a multi-megabyte SVG).</summary>
    const int MaxCurvePoints = 800;

    /// <summary>The mini-batch loss is averaged over a trailing window of 2 % of the run (at least 1 step): long enough to
    /// damp batch-to-batch noise, short enough to keep the early drop.</summary>
    const double SmoothingFraction = 0.02;

    /// <summary>A loss axis is logarithmic when the values span more than a factor 20: below that a log axis (ticks at
    /// powers of ten) would show at most one tick.</summary>
    const double LogAxisRange = 20;

    static readonly Dictionary<string, string> ArmColors = new()
    {
        ["none"] = "#d62728", ["batch"] = "#1f77b4", ["centered"] = "#2ca02c", ["layer"] = "#9467bd", ["population"] = "#ff7f0e",
    };
    static readonly string[] Palette = ["#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
    static readonly Dictionary<string, string> ModeColors = new() { ["train"] = "#1f77b4", ["eval"] = "#d62728", ["population"] = "#2ca02c" };

    static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>The colour of an arm: fixed for the standard names, else from a palette by position.</summary>
    public static string ArmColor(string name, int position) => ArmColors.TryGetValue(name, out var c) ? c : Palette[position % Palette.Length];

    /// <summary>What was measured and how, for every caption: model, data, dtype, BN mode of each arm, Lanczos tolerance.</summary>
    public static string Describe(StudyResult r, StudyDescription d)
    {
        var o = d.Options;
        var t = o.Training;
        string modes = string.Join("; ", r.Arms.Select(a => $"{a.Name}: {a.AnalysisMode}"));
        return Inv($"{d.Model} trained on {d.TrainSamples} {d.Dataset} images (SGD, momentum {t.Momentum}, batch {t.BatchSize}, {t.Steps} steps, seed {t.Seed}); ")
             + Inv($"Hessian of the mean loss on a fixed {d.AnalysisSamples}-image analysis subset in {d.Dtype}, BatchNorm mode per arm ({modes}); ")
             + Inv($"top {o.TopK} eigenvalues by Lanczos with full reorthogonalisation, residual ≤ {o.Tolerance:G2}·‖H‖");
    }

    static string Slq(StudyOptions o) => Inv($"SLQ density, {o.DensityProbes} Rademacher probes × {o.DensitySteps} Lanczos steps");

    const string StepAxis = "step + 1 (log scale)";
    const string StepNote = " The x axis is step + 1 on a log scale, so the initial network (step 0) sits at 1.";

    /// <summary>Renders every figure the record has data for.</summary>
    internal static StudyFigureSet Build(StudyResult r, StudyDescription d)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(d);
        string about = Describe(r, d);
        var figures = new List<RenderedFigure>();
        var missing = new Dictionary<string, string>();
        void Add(string name, RenderedFigure? figure, string why)
        {
            if (figure is not null) figures.Add(figure);
            else missing[name] = why;
        }

        Add("density-matched", DensityMatched(r, d, about), "no arm has an SLQ density at its matched-loss checkpoint.");
        Add("density-final", DensityFinal(r, d, about), "no arm has an SLQ density at its last checkpoint.");
        bool any = r.Arms.Any(a => a.Checkpoints.Length > 0);
        const string noCheckpoints = "no arm has checkpoints.";
        Add("top-eigenvalues", any ? TopEigenvalues(r, about) : null, noCheckpoints);
        Add("lambda-ratio", any ? LambdaRatio(r, about) : null, noCheckpoints);
        Add("gradient-overlap", any ? GradientOverlap(r, about) : null, noCheckpoints);
        Add("gradient-curvature", any ? GradientCurvature(r, about) : null, noCheckpoints);
        Add("trace", any && r.Arms.Any(a => a.Checkpoints.Any(c => double.IsFinite(c.Curvature.Trace))) ? Trace(r, d, about) : null, "the trace was not measured.");
        Add("bn-modes", BatchNormModes(r, about), r.Arms.Any(a => a.Norm == "batch")
            ? "no BatchNorm checkpoint has the BN-mode comparison (it is measured at the density checkpoints when enabled)."
            : "the study has no BatchNorm arm.");
        bool history = r.Arms.Any(a => a.History.Loss.Length > 0 || a.History.EvaluationSteps.Length > 0);
        Add("training-loss", history ? Training(r, d, accuracy: false) : null, "no training history was recorded.");
        Add("training-accuracy", history ? Training(r, d, accuracy: true) : null, "no training history was recorded.");
        string noSweep = "no init-scale sweep was run.";
        Add("init-sweep-lambda", r.InitSweep.Length > 0 ? Sweep(r, about, lambda: true) : null, noSweep);
        Add("init-sweep-loss", r.InitSweep.Length > 0 ? Sweep(r, about, lambda: false) : null, noSweep);
        Add("per-layer", r.Arms.Any(a => a.Checkpoints.Any(c => c.Layers.Length > 0)) ? PerLayer(r, d, about) : null, "per-layer curvature was not measured.");
        bool smooth = r.Arms.Any(a => a.Checkpoints.Any(c => c.Smoothness is not null));
        const string noSmooth = "the smoothness probe was not run.";
        Add("smoothness-loss", smooth ? SmoothnessFigure(r, d, about, "smoothness-loss") : null, noSmooth);
        Add("smoothness-gradient", smooth ? SmoothnessFigure(r, d, about, "smoothness-gradient") : null, noSmooth);
        Add("smoothness-beta", smooth ? SmoothnessFigure(r, d, about, "smoothness-beta") : null, noSmooth);
        foreach (var (name, mode) in new[] { ("linear-neuron", "none"), ("linear-neuron-centered", "center") })
        {
            var report = r.Linear?.Preprocessing.FirstOrDefault(p => p.Mode == mode);
            RenderedFigure? figure = null;
            if (report is not null)
            {
                var drawn = LinearLabFigures.Spectrum(r.Linear!.Config, report);
                figure = drawn with
                {
                    Name = name,
                    Caption = Inv($"The one-layer theory on the study's inputs (the linear-neuron lab on the analysis subset, {(mode == "none" ? "no preprocessing" : "centred")}): ") + drawn.Caption,
                };
            }
            Add(name, figure, r.Linear is null ? "the linear-neuron lab was not run." : $"the lab has no '{mode}' mode.");
        }
        return new StudyFigureSet(figures, missing);
    }

    /// <summary>x = log₁₀|λ| and the density per unit log₁₀|λ| from a log-scale density (see <see cref="Hessian.HessianFigures"/>).</summary>
    static (double[] X, double[] Y) LogDensity(SpectralDensity log) =>
        (log.Grid.Select(u => u / Math.Log(10)).ToArray(), log.Values.Select(v => v * Math.Log(10)).ToArray());

    static RenderedFigure? DensityChart(string name, string title, string caption, List<(ArmResult Arm, int Position, CheckpointResult Checkpoint)> picks)
    {
        if (picks.Count == 0) return null;
        var series = picks.Select(p =>
        {
            var (x, y) = LogDensity(p.Checkpoint.Density!.LogDensity);
            return new ChartSeries(Inv($"{p.Arm.Name} (step {p.Checkpoint.Step}, loss {p.Checkpoint.Curvature.Loss:G3})"), x, y, SeriesStyle.Measured, ArmColor(p.Arm.Name, p.Position));
        }).ToList();
        double peak = series.Max(s => s.Y.DefaultIfEmpty(0).Max());
        return Chart.Lines(name, title, "log₁₀ |λ|", "density per unit log₁₀|λ| (log scale)", caption, series, logY: true, yMin: peak * DensityFloor);
    }

    static string DensityNote(StudyDescription d, double epsilon) =>
        Inv($" {Slq(d.Options)}; the density of ln(|λ| + {epsilon:G1}) is drawn against log₁₀|λ| (positive and negative eigenvalues pooled by magnitude) on a log density axis cut at {DensityFloor:G1} of the peak, so the few outliers to the right of the bulk show.");

    static RenderedFigure? DensityMatched(StudyResult r, StudyDescription d, string about)
    {
        var picks = new List<(ArmResult, int, CheckpointResult)>();
        foreach (var m in r.Matched)
        {
            int a = Array.FindIndex(r.Arms, x => x.Name == m.Arm);
            if (a < 0) continue;
            var c = r.Arms[a].Checkpoints.FirstOrDefault(x => x.Step == m.Step && x.Density is not null);
            if (c is not null) picks.Add((r.Arms[a], a, c));
        }
        if (picks.Count == 0) return null;
        return DensityChart("density-matched", "Hessian spectral density at matched training loss",
            Inv($"{about}. Each arm at its checkpoint whose analysis loss is closest to the matched target {r.MatchedLossTarget:G4} (the largest final loss among the arms), so the spectra are compared at equal progress rather than equal steps.")
            + DensityNote(d, picks[0].Item3.Density!.LogDensity.Epsilon), picks);
    }

    static RenderedFigure? DensityFinal(StudyResult r, StudyDescription d, string about)
    {
        var picks = new List<(ArmResult, int, CheckpointResult)>();
        for (int a = 0; a < r.Arms.Length; a++)
            if (r.Arms[a].Checkpoints.Length > 0 && r.Arms[a].Checkpoints[^1].Density is not null) picks.Add((r.Arms[a], a, r.Arms[a].Checkpoints[^1]));
        if (picks.Count == 0) return null;
        return DensityChart("density-final", "Hessian spectral density at the end of training",
            Inv($"{about}. Each arm at its last checkpoint.") + DensityNote(d, picks[0].Item3.Density!.LogDensity.Epsilon), picks);
    }

    static double[] Steps(ArmResult a) => a.Checkpoints.Select(c => c.Step + 1.0).ToArray();

    static RenderedFigure TopEigenvalues(StudyResult r, string about)
    {
        var series = new List<ChartSeries>();
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            int k = arm.Checkpoints.Length == 0 ? 0 : arm.Checkpoints.Max(c => c.Curvature.TopEigenvalues.Length);
            for (int i = 0; i < k; i++)
            {
                var y = arm.Checkpoints.Select(c => i < c.Curvature.TopEigenvalues.Length ? c.Curvature.TopEigenvalues[i] : double.NaN).ToArray();
                string label = i == 0 ? $"{arm.Name}: λ₁" : i == 1 ? $"{arm.Name}: λ₂ … λ{LabelSub(k)}" : "";
                series.Add(new ChartSeries(label, Steps(arm), y, i == 0 ? SeriesStyle.Measured : SeriesStyle.Theory, ArmColor(arm.Name, a)));
            }
        }
        return Chart.Lines("top-eigenvalues", "Top eigenvalues of the Hessian during training", StepAxis, "eigenvalue λᵢ (log scale)",
            Inv($"{about}. Thick line: λ₁; thin lines: λ₂ … λ_K of the same arm. Non-positive eigenvalues are not drawn on the log axis.") + StepNote,
            series, logY: true, logX: true);
    }

    static string LabelSub(int k) => StudyLookup.Sub(k);

    static RenderedFigure LambdaRatio(StudyResult r, string about)
    {
        var series = r.Arms.Select((arm, a) => new ChartSeries(arm.Name, Steps(arm), arm.Checkpoints.Select(c => c.Curvature.Lambda1OverLambdak).ToArray(),
            SeriesStyle.Measured, ArmColor(arm.Name, a))).ToList();
        return Chart.Lines("lambda-ratio", "Outlier ratio λ₁/λ_K during training", StepAxis, "λ₁/λ_K (log scale)",
            Inv($"{about}. λ₁/λ_K measures how far the top eigenvalue stands above the K-th (K = {TopK(r)}); it is undefined (not drawn) when λ_K ≤ 0.") + StepNote,
            series, logY: true, logX: true);
    }

    static int TopK(StudyResult r) => r.Arms.SelectMany(a => a.Checkpoints).Select(c => c.Curvature.TopEigenvalues.Length).DefaultIfEmpty(0).Max();

    static RenderedFigure GradientOverlap(StudyResult r, string about)
    {
        var series = new List<ChartSeries>();
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            string color = ArmColor(arm.Name, a);
            series.Add(new ChartSeries($"{arm.Name}: full batch", Steps(arm), arm.Checkpoints.Select(c => c.Curvature.GradientOverlapTopk).ToArray(), SeriesStyle.Measured, color));
            series.Add(new ChartSeries($"{arm.Name}: mini-batch mean ± SE", Steps(arm), arm.Checkpoints.Select(c => c.Curvature.GradientOverlapTopkMiniBatch).ToArray(), SeriesStyle.Markers, color)
            {
                YError = arm.Checkpoints.Select(c => c.Curvature.GradientOverlapTopkMiniBatchStderr).ToArray(),
            });
        }
        return Chart.Lines("gradient-overlap", "Gradient concentration in the top-K eigenspace", StepAxis, "f_K = ‖P_K g‖² / ‖g‖² (dimensionless)",
            Inv($"{about}. f_K is the fraction of the squared gradient norm in the span of the top-K eigenvectors (K = {TopK(r)}; Gur-Ari et al. 2018): line, the full-batch gradient of the analysis subset; markers, the mean over the training partition's mini-batch gradients with ± one standard error across batches.") + StepNote,
            series, logX: true);
    }

    static RenderedFigure GradientCurvature(StudyResult r, string about)
    {
        var series = new List<ChartSeries>();
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            string color = ArmColor(arm.Name, a);
            series.Add(new ChartSeries($"{arm.Name}: gᵀHg/‖g‖²", Steps(arm), arm.Checkpoints.Select(c => c.Curvature.GradientCurvature).ToArray(), SeriesStyle.Measured, color));
            series.Add(new ChartSeries($"{arm.Name}: λ₁", Steps(arm), arm.Checkpoints.Select(c => c.Curvature.TopEigenvalues.Length > 0 ? c.Curvature.TopEigenvalues[0] : double.NaN).ToArray(), SeriesStyle.Theory, color));
        }
        return Chart.Lines("gradient-curvature", "Curvature along the gradient", StepAxis, "curvature (loss per unit parameter step², log scale)",
            Inv($"{about}. Thick line: gᵀHg/‖g‖², the curvature in the direction of the full-batch gradient; thin line: λ₁ of the same arm. The closer they are, the more the gradient points along the top eigenvector. Non-positive values are not drawn.") + StepNote,
            series, logY: true, logX: true);
    }

    static RenderedFigure Trace(StudyResult r, StudyDescription d, string about)
    {
        bool positive = r.Arms.SelectMany(a => a.Checkpoints).Where(c => double.IsFinite(c.Curvature.Trace)).All(c => c.Curvature.Trace > 0);
        var series = r.Arms.Select((arm, a) => new ChartSeries(arm.Name, Steps(arm), arm.Checkpoints.Select(c => c.Curvature.Trace).ToArray(), SeriesStyle.Measured, ArmColor(arm.Name, a))
        {
            YError = arm.Checkpoints.Select(c => c.Curvature.TraceStderr).ToArray(),
        }).ToList();
        return Chart.Lines("trace", "Trace of the Hessian during training", StepAxis, positive ? "tr(H) (log scale)" : "tr(H)",
            Inv($"{about}. tr(H) = Σλᵢ by Hutch++ ({d.Options.TraceProducts} Hessian–vector products per checkpoint; Meyer et al. 2021), error bars ± one standard error.") + StepNote,
            series, logY: positive, logX: true);
    }

    static RenderedFigure? BatchNormModes(StudyResult r, string about)
    {
        var series = new List<ChartSeries>();
        var where = new List<string>();
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            int c = StudyLookup.Last(arm, x => x.BatchNormModes.Length > 0);
            if (c < 0) continue;
            var cp = arm.Checkpoints[c];
            var style = ArmStyles[where.Count % ArmStyles.Length];
            where.Add(Inv($"{arm.Name} at step {cp.Step}"));
            foreach (var report in new[] { cp.Curvature }.Concat(cp.BatchNormModes))
            {
                var index = Enumerable.Range(1, report.TopEigenvalues.Length).Select(i => (double)i).ToArray();
                string color = ModeColors.TryGetValue(report.BatchNormMode, out var m) ? m : ArmColor(arm.Name, a);
                string own = report == cp.Curvature ? " (the arm's own)" : "";
                series.Add(new ChartSeries(Inv($"{arm.Name}, step {cp.Step}: {report.BatchNormMode} mode{own}"), index, report.TopEigenvalues, style, color));
            }
        }
        if (series.Count == 0) return null;
        return Chart.Lines("bn-modes", "Top eigenvalues of a BatchNorm network in each BatchNorm mode", "index i", "eigenvalue λᵢ (log scale)",
            Inv($"{about}. The same checkpoint ({string.Join("; ", where)}) analysed with BatchNorm in train mode (the analysis subset's own batch statistics, differentiated through), eval mode (the running statistics, constants) and population mode (statistics of a fixed population subset). Colour: the mode; line style: the arm (thick, thin, markers). Non-positive eigenvalues are not drawn."),
            series, logY: true);
    }

    /// <summary>Trailing moving average over <paramref name="window"/> values.</summary>
    static double[] Smooth(double[] y, int window)
    {
        var result = new double[y.Length];
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += y[i];
            if (i >= window) sum -= y[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    /// <summary>At most <see cref="MaxCurvePoints"/> evenly spaced points (first and last kept).</summary>
    static (double[] X, double[] Y) Thin(double[] x, double[] y)
    {
        if (x.Length <= MaxCurvePoints) return (x, y);
        var idx = Enumerable.Range(0, MaxCurvePoints).Select(i => (int)Math.Round((x.Length - 1) * (double)i / (MaxCurvePoints - 1))).Distinct().ToArray();
        return (idx.Select(i => x[i]).ToArray(), idx.Select(i => y[i]).ToArray());
    }

    static RenderedFigure Training(StudyResult r, StudyDescription d, bool accuracy)
    {
        var series = new List<ChartSeries>();
        int longest = r.Arms.Max(a => a.History.Loss.Length);
        int window = Math.Max(1, (int)(SmoothingFraction * longest));
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            var h = arm.History;
            string color = ArmColor(arm.Name, a);
            var values = accuracy ? h.Accuracy : h.Loss;
            var steps = Enumerable.Range(1, values.Length).Select(i => (double)i).ToArray();
            var (x, y) = Thin(steps, Smooth(values, window));
            series.Add(new ChartSeries(Inv($"{arm.Name}: mini-batch (η = {arm.LearningRate:G3})"), x, y, SeriesStyle.Measured, color));
            series.Add(new ChartSeries($"{arm.Name}: held-out", h.EvaluationSteps.Select(s => (double)s).ToArray(), accuracy ? h.HeldOutAccuracy : h.HeldOutLoss, SeriesStyle.Markers, color));
        }
        string what = accuracy ? "accuracy" : "loss";
        string caption = Inv($"{d.Model} on {d.TrainSamples} {d.Dataset} training images, SGD (momentum {d.Options.Training.Momentum}, batch {d.Options.Training.BatchSize}, the same seed {d.Options.Training.Seed} and data order for every arm; learning rate per arm in the legend). ")
            + Inv($"Line: the mini-batch {what} of each update (train mode, before the update), averaged over a trailing window of {window} steps; markers: held-out {what} (eval mode).");
        if (accuracy) return Chart.Lines("training-accuracy", "Training accuracy", "step", "accuracy (fraction correct)", caption, series);
        var positive = series.SelectMany(s => s.Y).Where(y => y > 0 && double.IsFinite(y)).DefaultIfEmpty(1).ToArray();
        bool logY = positive.Max() / positive.Min() > LogAxisRange;
        return Chart.Lines("training-loss", "Training loss", "step", logY ? "loss (nats, log scale)" : "loss (nats)", caption, series, logY: logY);
    }

    static string Shade(string hex, int rank, int count)
    {
        // Lighter for lower ranks, darker for higher: mix toward white (t < 0) or black (t > 0), |t| ≤ 0.5.
        double t = count <= 1 ? 0 : -0.5 + (double)rank / (count - 1);
        int Mix(int c) => (int)Math.Round(t < 0 ? c + (255 - c) * -t : c * (1 - t));
        int r = int.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber), g = int.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber), b = int.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber);
        return $"#{Mix(r):X2}{Mix(g):X2}{Mix(b):X2}";
    }

    static RenderedFigure Sweep(StudyResult r, string about, bool lambda)
    {
        var series = new List<ChartSeries>();
        foreach (var group in r.InitSweep.GroupBy(s => s.Arm))
        {
            int a = Array.FindIndex(r.Arms, x => x.Name == group.Key);
            string color = ArmColor(group.Key, Math.Max(a, 0));
            double mainScale = a >= 0 ? r.Arms[a].InitScale : 1.0;
            // The study records the main arm's own run in the sweep too: it is the thick line.
            var runs = group.Select(s => (s.InitScale, X: s.Steps.Select(t => t + 1.0).ToArray(), Y: lambda ? s.LambdaMax : s.Loss, Main: s.InitScale == mainScale)).ToList();
            if (a >= 0 && runs.All(x => x.InitScale != r.Arms[a].InitScale))
            {
                var arm = r.Arms[a];
                runs.Add((arm.InitScale, Steps(arm), arm.Checkpoints.Select(c => lambda ? (c.Curvature.TopEigenvalues.Length > 0 ? c.Curvature.TopEigenvalues[0] : double.NaN) : c.Curvature.Loss).ToArray(), true));
            }
            runs.Sort((p, q) => p.InitScale.CompareTo(q.InitScale));
            double main = a >= 0 ? r.Arms[a].InitScale : 1.0;
            for (int i = 0; i < runs.Count; i++)
            {
                // The main arm thick; smaller scales as markers, larger ones as thin lines, so each scale reads apart.
                var style = runs[i].Main ? SeriesStyle.Measured : runs[i].InitScale < main ? SeriesStyle.Markers : SeriesStyle.Theory;
                series.Add(new ChartSeries(Inv($"{group.Key}, init ×{runs[i].InitScale:G3}{(runs[i].Main ? " (main arm)" : "")}"), runs[i].X, runs[i].Y,
                    style, Shade(color, i, runs.Count)));
            }
        }
        string name = lambda ? "init-sweep-lambda" : "init-sweep-loss";
        return Chart.Lines(name, lambda ? "Init-scale sweep: λmax during training" : "Init-scale sweep: analysis loss during training", StepAxis,
            lambda ? "λmax (log scale)" : "mean loss on the analysis subset (nats, log scale)",
            Inv($"{about}. Weights multiplied by the init scale after the default initialisation, otherwise identical runs; ") + (lambda
                ? "λmax of the Hessian in each arm's analysis mode at each checkpoint."
                : "the analysis-subset loss at each checkpoint.") + " Thick line: the 1× main arm; markers: smaller scales; thin lines: larger scales (lighter to darker: smaller to larger)." + StepNote,
            series, logY: true, logX: true);
    }

    /// <summary>Line styles of successive arms in figures whose colours say something else (layer, mode).</summary>
    static readonly SeriesStyle[] ArmStyles = [SeriesStyle.Measured, SeriesStyle.Theory, SeriesStyle.Markers];

    static readonly string[] LayerPalette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

    static RenderedFigure PerLayer(StudyResult r, StudyDescription d, string about)
    {
        // Colour = block size (the weight layers have the same sizes in every arm, so one layer has one colour);
        // line style = arm.
        var sizes = r.Arms.SelectMany(a => a.Checkpoints).SelectMany(c => c.Layers).Select(l => l.Size).Distinct().ToList();
        var series = new List<ChartSeries>();
        int drawn = 0;
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            var layers = arm.Checkpoints.SelectMany(c => c.Layers).Select(l => (l.Layer, l.Size)).Distinct().ToList();
            if (layers.Count == 0) continue;
            var style = ArmStyles[drawn++ % ArmStyles.Length];
            foreach (var (layer, size) in layers)
            {
                var xs = new List<double>();
                var ys = new List<double>();
                foreach (var c in arm.Checkpoints)
                    if (c.Layers.FirstOrDefault(l => l.Layer == layer) is { } hit) { xs.Add(c.Step + 1.0); ys.Add(hit.TopEigenvalue); }
                series.Add(new ChartSeries(Inv($"{arm.Name}: layer {layer} ({size} parameters)"), xs.ToArray(), ys.ToArray(),
                    style, LayerPalette[sizes.IndexOf(size) % LayerPalette.Length]));
            }
        }
        return Chart.Lines("per-layer", "Top eigenvalue of each layer's Hessian block", StepAxis, "λ₁ of the layer block (log scale)",
            Inv($"{about}. Each layer's diagonal Hessian block (its parameters only, the others fixed), λ₁ by Lanczos to a residual ≤ {d.Options.LayerTolerance:G2}·‖H_b‖. Equal values mean one learning rate suits every layer equally. Colour: the layer (by its parameter count, equal across arms); line style: the arm (thick, thin, markers). BatchNorm layers' own γ, β blocks appear as separate layers.") + StepNote,
            series, logY: true, logX: true);
    }

    static RenderedFigure SmoothnessFigure(StudyResult r, StudyDescription d, string about, string name)
    {
        Func<SmoothnessReport, double> get = name switch
        {
            "smoothness-loss" => s => s.LossVariation,
            "smoothness-gradient" => s => s.GradientPredictiveness,
            _ => s => s.EffectiveBeta,
        };
        var series = new List<ChartSeries>();
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            var cps = arm.Checkpoints.Where(c => c.Smoothness is not null).ToArray();
            series.Add(new ChartSeries(arm.Name, cps.Select(c => c.Step + 1.0).ToArray(), cps.Select(c => get(c.Smoothness!)).ToArray(), SeriesStyle.Measured, ArmColor(arm.Name, a)));
        }
        var etas = d.Options.SmoothnessStepSizes;
        string range = etas.Count > 0 ? Inv($"η from {etas.Min():G3} to {etas.Max():G3} ({etas.Count} step sizes)") : "the recorded step sizes";
        string common = Inv($"{about}. Santurkar et al. 2018, §3.1: moving from θ along the full-batch gradient of the analysis subset, θ − ηg, for {range}; ");
        var (title, y, text) = name switch
        {
            "smoothness-loss" => ("Loss variation along the gradient", "max − min of the loss (nats, log scale)", "the range of the loss over those points (smaller = smoother)."),
            "smoothness-gradient" => ("Gradient predictiveness", "max ‖∇L(θ − ηg) − ∇L(θ)‖ (log scale)", "the largest change of the gradient over those points (smaller = the gradient predicts the surface better)."),
            _ => ("Effective β-smoothness", "max ‖Δ∇L‖ / (η‖g‖) (log scale)", "the largest gradient change per unit distance, an effective Lipschitz constant of the gradient (smaller = smoother)."),
        };
        return Chart.Lines(name, title, StepAxis, y, common + text + StepNote, series, logY: true, logX: true);
    }
}
