using Curvature.Analysis;
using Curvature.Estimators;
using Curvature.Models;
using Curvature.Reporting.Study;
using Curvature.Study;
using Curvature.Theory;
using Curvature.Training;

namespace Curvature.Tests.Support;

/// <summary>What a synthetic study record holds. <see cref="Effect"/> chooses between the BatchNorm effects of the study
/// notes (none: λ₁/λ₁₀ 14, f₁₀ 0.95; batch: 2.5, 0.70; eval-mode λ₁ 10× train mode; …) and arms that agree up to a few
/// per cent; the other switches drop pieces so the report must say "not measured".</summary>
public sealed record SyntheticStudySpec
{
    /// <summary>With the BatchNorm effects (true) or without (false).</summary>
    public bool Effect { get; init; } = true;
    /// <summary>Name of the BatchNorm arm (may contain markup, to test escaping).</summary>
    public string BatchName { get; init; } = "batch";
    /// <summary>Name of the centring-only arm.</summary>
    public string CenteredName { get; init; } = "centered";
    /// <summary>Include a "none" arm.</summary>
    public bool None { get; init; } = true;
    /// <summary>Include a BatchNorm arm.</summary>
    public bool Batch { get; init; } = true;
    /// <summary>Include the centring-only arm.</summary>
    public bool Centered { get; init; } = true;
    /// <summary>Include a population-statistics BatchNorm arm.</summary>
    public bool Population { get; init; }
    /// <summary>Include the init-scale sweep.</summary>
    public bool Sweep { get; init; } = true;
    /// <summary>Include per-layer curvature.</summary>
    public bool Layers { get; init; } = true;
    /// <summary>Include the smoothness probe.</summary>
    public bool Smoothness { get; init; } = true;
    /// <summary>Include the BN-mode comparison.</summary>
    public bool Modes { get; init; } = true;
    /// <summary>Include SLQ densities.</summary>
    public bool Densities { get; init; } = true;
    /// <summary>Include the linear-neuron lab.</summary>
    public bool Linear { get; init; } = true;
    /// <summary>Override λ₁/λ_K of the batch arm from step 30 on (null: 2.5 with the effect, none's ± 3 % without).</summary>
    public double? BatchRatio { get; init; }
    /// <summary>Override f_K of the centring-only arm (null: 0.75 with the effect, none's − 0.01 without).</summary>
    public double? CenteredOverlap { get; init; }
}

/// <summary>Synthetic <see cref="StudyResult"/>s for the report's tests: plain records with known numbers, no tensors.</summary>
public static class SyntheticStudy
{
    /// <summary>The checkpoint steps (the study notes' log-spaced 0, 10, 30, 100, 300, 1000).</summary>
    public static readonly int[] Steps = [0, 10, 30, 100, 300, 1000];

    /// <summary>K.</summary>
    public const int K = 10;

    /// <summary>Updates of each run.</summary>
    public const int TrainingSteps = 1000;

    /// <summary>The density and BN-mode checkpoints: the matched one (step 300) and the last.</summary>
    public static readonly int[] DensitySteps = [300, 1000];

    // λ₁/λ_K and λ_K of the arm without BN over the checkpoints; f_K of its full-batch gradient.
    static readonly double[] NoneRatio = [2, 3, 9, 12, 13, 14];
    static readonly double[] LambdaK = [0.5, 0.8, 1.0, 1.1, 1.2, 1.3];
    static readonly double[] NoneOverlap = [0.5, 0.7, 0.93, 0.95, 0.95, 0.95];
    static readonly double[] NoneLoss = [2.3, 1.5, 0.9, 0.6, 0.45, 0.35];

    /// <summary>Small relative noise, alternating in sign, so "equal" arms are not identical.</summary>
    static double Jitter(int c, double size = 0.03) => 1 + (c % 2 == 0 ? size : -size);

    /// <summary>The record.</summary>
    public static StudyResult Result(SyntheticStudySpec? spec = null)
    {
        spec ??= new SyntheticStudySpec();
        var arms = new List<ArmResult>();
        if (spec.None) arms.Add(Arm(spec, "none", "none", 0.05, NoneRatio, NoneOverlap, NoneLoss, layers: [50, 5, 1], bnLayers: false, smooth: (30, 5, 2)));
        if (spec.Batch)
        {
            var ratio = Steps.Select((s, c) => spec.Effect ? (s >= 30 ? spec.BatchRatio ?? 2.5 : c == 0 ? 5 : 3) : s >= 30 && spec.BatchRatio is { } r ? r : NoneRatio[c] * Jitter(c)).ToArray();
            var overlap = Steps.Select((_, c) => spec.Effect ? new[] { 0.6, 0.7, 0.72, 0.7, 0.7, 0.7 }[c] : NoneOverlap[c] - 0.02).ToArray();
            var loss = spec.Effect ? [2.3, 1.0, 0.7, 0.5, 0.4, 0.3] : NoneLoss.Select((l, c) => l * Jitter(c, 0.01)).ToArray();
            arms.Add(Arm(spec, spec.BatchName, "batch", 0.1, ratio, overlap, loss,
                layers: spec.Effect ? [4, 3, 2] : [50 * 0.97, 5 * 1.02, 1 * 0.99], bnLayers: true,
                smooth: spec.Effect ? (5, 1, 0.5) : (30 * 0.95, 5 * 0.97, 2 * 0.96)));
        }
        if (spec.Centered)
        {
            var ratio = Steps.Select((s, c) => spec.Effect && s >= 30 ? 5 : NoneRatio[c] * Jitter(c, 0.02)).ToArray();
            var overlap = Steps.Select((s, c) => s >= 30 && spec.CenteredOverlap is { } o ? o : spec.Effect && s >= 30 ? 0.75 : NoneOverlap[c] - 0.01).ToArray();
            arms.Add(Arm(spec, spec.CenteredName, "centered", 0.05, ratio, overlap, NoneLoss, layers: [40, 6, 1.5], bnLayers: false, smooth: (20, 4, 1.5)));
        }
        if (spec.Population)
            arms.Add(Arm(spec, "population", "batch", 0.1, Steps.Select((_, c) => NoneRatio[c] * 0.8).ToArray(), NoneOverlap, NoneLoss,
                layers: [30, 4, 2], bnLayers: true, smooth: (25, 4, 1.8), population: true));

        var sweep = new List<SweepRun>();
        if (spec.Sweep)
            foreach (var arm in arms.Where(a => a.Norm is "none" or "batch" && a.TrainingStatistics != "population"))
                foreach (double scale in new[] { 0.5, 2.0 })
                {
                    bool flat = spec.Effect && arm.Norm == "batch";
                    double lambdaFactor = flat ? (scale < 1 ? 1.02 : 0.99) : (scale < 1 ? 0.5 : 2.2);
                    double lossFactor = flat ? (scale < 1 ? 1.01 : 0.99) : (scale < 1 ? 1.3 : 2.5);
                    sweep.Add(new SweepRun(arm.Name, scale, arm.LearningRate, History(arm.LearningRate, lossFactor), Steps.ToArray(),
                        arm.Checkpoints.Select(c => c.Curvature.TopEigenvalues[0] * lambdaFactor).ToArray(),
                        arm.Checkpoints.Select(c => c.Curvature.Loss * lossFactor).ToArray()));
                }

        double target = arms.Count == 0 ? double.NaN : arms.Max(a => a.Checkpoints[^1].Curvature.Loss);
        var matched = arms.Select(a => new MatchedCheckpoint(a.Name, 300, a.Checkpoints[Array.IndexOf(Steps, 300)].Curvature.Loss)).ToArray();
        return new StudyResult(arms.ToArray(), sweep.ToArray(), target, matched, spec.Linear ? Lab(spec.Effect) : null, 123.4);
    }

    /// <summary>The description a CLI would give for <paramref name="result"/>.</summary>
    public static StudyDescription Description(StudyResult result, SyntheticStudySpec? spec = null)
    {
        var arms = result.Arms.Select(a => new StudyArm(a.Name, a.Norm switch { "batch" => NormKind.Batch, "centered" => NormKind.Centered, "layer" => NormKind.Layer, _ => NormKind.None },
            a.LearningRate, a.TrainingStatistics == "population")).ToArray();
        var training = new TrainingOptions(0.1, TrainingSteps) { BatchSize = 128, Seed = 7, EvaluateEvery = 100 };
        var options = new StudyOptions(arms, training, Steps)
        {
            SmoothnessStepSizes = (spec?.Smoothness ?? true) ? [0.01, 0.1, 1.0] : [],
            InitScales = (spec?.Sweep ?? true) ? [0.5, 1.0, 2.0] : [],
            SweepArms = result.InitSweep.Select(s => s.Arm).Distinct().ToArray(),
        };
        return new StudyDescription("mlp:784-100-100-10", "Fashion-MNIST (synthetic test record)", 5000, 1000, "float64",
            "curvature study --steps 1000", options);
    }

    static ArmResult Arm(SyntheticStudySpec spec, string name, string norm, double rate, double[] ratio, double[] overlap, double[] loss,
                         double[] layers, bool bnLayers, (double Beta, double Predictiveness, double Variation) smooth, bool population = false)
    {
        string own = population ? "population" : norm == "batch" ? "train" : "train";
        var checkpoints = new CheckpointResult[Steps.Length];
        for (int c = 0; c < Steps.Length; c++)
        {
            double lambdaK = LambdaK[c] * (norm == "batch" ? 0.9 : 1.0);
            var x = Report(own, loss[c], ratio[c] * lambdaK, lambdaK, overlap[c], norm == "batch" ? 0.02 : 0.01);
            bool density = spec.Densities && DensitySteps.Contains(Steps[c]);
            var modes = Array.Empty<CurvatureReport>();
            if (norm == "batch" && spec.Modes && DensitySteps.Contains(Steps[c]))
            {
                double l1 = x.TopEigenvalues[0];
                var eval = spec.Effect ? Report("eval", loss[c] * 1.1, 10 * l1, 10 * l1 / 12, 0.96, 0.01) : Report("eval", loss[c], 1.05 * l1, 1.05 * lambdaK, overlap[c], 0.01);
                var pop = Report("population", loss[c] * 1.05, 1.2 * l1, 1.2 * l1 / 3, 0.8, 0.01);
                var train = Report("train", loss[c], l1, lambdaK, overlap[c], 0.02);
                modes = population ? [train, eval] : [eval, pop];
            }
            checkpoints[c] = new CheckpointResult(Steps[c], 1 - loss[c] / 3, x,
                spec.Layers ? Layers(layers, bnLayers, (c + 1) / 6.0) : [],
                spec.Smoothness && Steps[c] > 0 ? Smooth(smooth, c) : null,
                modes, density ? Density(x.TopEigenvalues) : null);
        }
        return new ArmResult(name, norm, rate, 1.0, population ? "population" : norm == "batch" ? "batch" : "none", own,
            norm == "batch" ? 89_610 : 89_610 - 400, History(rate, 1.0), checkpoints);
    }

    /// <summary>A curvature report with λ₁ … λ_K geometric from <paramref name="lambda1"/> down to <paramref name="lambdaK"/>.</summary>
    public static CurvatureReport Report(string mode, double loss, double lambda1, double lambdaK, double overlap, double stderr)
    {
        var top = Enumerable.Range(0, K).Select(i => lambdaK * Math.Pow(lambda1 / lambdaK, (K - 1 - i) / (double)(K - 1))).ToArray();
        top[0] = lambda1;
        top[K - 1] = lambdaK;
        double trace = 40 * top.Sum();
        return new CurvatureReport("hessian", mode, 89_610, loss, 0.5, top, top.Select(l => 1e-7 * l).ToArray(), top.Select(_ => true).ToArray(),
            lambda1 / lambdaK, overlap, overlap - 0.01, stderr, lambda1 * overlap, trace, 0.02 * trace, "hutch++", 0.3, 0.01, 0.001,
            null, null, null, null, null, 140, 1.5);
    }

    static LayerCurvature[] Layers(double[] tops, bool bn, double growth)
    {
        long[] sizes = [78_500, 10_100, 1_010];
        var list = new List<LayerCurvature>();
        for (int i = 0; i < tops.Length; i++)
        {
            string name = bn ? (3 * i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : (2 * i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            list.Add(new LayerCurvature(name, [$"{name}.weight", $"{name}.bias"], sizes[i], tops[i] * growth, 1e-5, true, 30));
            if (bn && i < tops.Length - 1)
            {
                string bnName = (3 * i + 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
                list.Add(new LayerCurvature(bnName, [$"{bnName}.weight", $"{bnName}.bias"], 200, 0.5 / (i + 1) * growth, 1e-5, true, 20));
            }
        }
        return list.ToArray();
    }

    static SmoothnessReport Smooth((double Beta, double Predictiveness, double Variation) s, int c)
    {
        double f = 1 + 0.1 * c;
        double[] etas = [0.01, 0.1, 1.0];
        return new SmoothnessReport(etas, etas.Select(e => 0.5 + s.Variation * f * e).ToArray(), etas.Select(e => s.Predictiveness * f * e).ToArray(),
            0.5, 1.0, s.Variation * f, s.Predictiveness * f, s.Beta * f);
    }

    /// <summary>A log-scale density: a bulk near |λ| = 10⁻³ and small bumps at the top eigenvalues.</summary>
    static DensityMeasurement Density(double[] top)
    {
        const double eps = SpectralDensity.DefaultLogEpsilon;
        var grid = Enumerable.Range(0, 200).Select(g => Math.Log(eps) + (Math.Log(100) - Math.Log(eps)) * g / 199.0).ToArray();
        double Gauss(double u, double mu, double sigma) => Math.Exp(-0.5 * Math.Pow((u - mu) / sigma, 2)) / (sigma * Math.Sqrt(2 * Math.PI));
        var values = grid.Select(u => (1 - 1e-3) * Gauss(u, Math.Log(1e-3), 1.0) + top.Sum(l => 1e-4 * Gauss(u, Math.Log(l + eps), 0.1))).ToArray();
        var log = new SpectralDensity(grid, values, 0.1, DensitySmoothing.GhorbaniVariance, true, eps);
        var linearGrid = Enumerable.Range(0, 50).Select(g => top[0] * 1.1 * g / 49.0).ToArray();
        var linear = new SpectralDensity(linearGrid, linearGrid.Select(x => Math.Exp(-x)).ToArray(), 0.05, DensitySmoothing.GhorbaniVariance, false, 0);
        return new DensityMeasurement(10, 90, log, linear, 40 * top.Sum(), 0.5, 0.01, 900);
    }

    static TrainingHistory History(double rate, double lossFactor)
    {
        var loss = Enumerable.Range(0, TrainingSteps).Select(i => lossFactor * (2.0 * Math.Exp(-i / 200.0) + 0.3) * (1 + 0.05 * Math.Sin(i))).ToArray();
        var evaluation = Enumerable.Range(0, TrainingSteps / 100 + 1).Select(j => 100 * j).ToArray();
        return new TrainingHistory(loss, loss.Select(l => Math.Clamp(1 - l / 3, 0, 1)).ToArray(), loss.Select(_ => rate).ToArray(),
            evaluation, evaluation.Select(s => lossFactor * (2.0 * Math.Exp(-s / 200.0) + 0.35)).ToArray(),
            evaluation.Select(s => Math.Clamp(1 - lossFactor * (2.0 * Math.Exp(-s / 200.0) + 0.35) / 3, 0, 1)).ToArray());
    }

    /// <summary>The linear-neuron lab: N = 40 inputs, p = 200; centred, a bulk in [0.5, 2]; uncentred, the same with its
    /// top replaced by the mean's outlier (100 with the effect, 2.2 without).</summary>
    static LinearLabResult Lab(bool effect)
    {
        const int n = 40, p = 200;
        var bulk = Enumerable.Range(0, n).Select(i => 2.0 - 1.5 * i / (n - 1)).ToArray();
        var uncentred = bulk.ToArray();
        uncentred[0] = effect ? 100 : 2.2;
        var config = new LinearLabConfig("analysis subset", n, p, (double)p / n, effect ? 1.55 : 0.05, 1.0, null, null, "none", null, 1.0, 1e-6, 100);
        return new LinearLabResult(config, [Mode("none", uncentred, effect ? 97.0 : 1.1), Mode("center", bulk, null)]);

        static PreprocessingReport Mode(string mode, double[] eigenvalues, double? outlier)
        {
            var dynamics = new GradientDescentResult(1 / eigenvalues[0], 1, 1e-6, 100, "converged", 3, new StepsToTolerance(3, 3), 2.0, 0.5, false, null,
                1.0, [1, 0.25, 0.0625, 0.015625], [1, 0.25, 0.0625, 0.015625], 1e-13, [], []);
            double alpha = (double)p / n, lower = Math.Pow(1 - 1 / Math.Sqrt(alpha), 2), upper = Math.Pow(1 + 1 / Math.Sqrt(alpha), 2);
            return new PreprocessingReport(mode, "dense float64 eigendecomposition", eigenvalues, eigenvalues[0], eigenvalues[^1], 0,
                eigenvalues[0] / eigenvalues[^1], alpha, mode == "none" ? 1.55 : 0, 1.0, "synthetic test values", lower, upper, 0,
                outlier, outlier, 2 / eigenvalues[0], 1 / eigenvalues[0], 2 / (eigenvalues[0] + eigenvalues[^1]),
                eigenvalues.Select(l => 1 / l).ToArray(), dynamics);
        }
    }
}
