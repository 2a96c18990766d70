using Curvature.Training;

namespace Curvature.Study;

/// <summary>What a BatchNorm study runs and measures. Defaults follow the study notes
/// (/work/shared/design/STUDY-NOTES.md: Fashion-MNIST, MLP 784-100-100-10, SGD momentum 0.9, batch 128, 1,000 steps,
/// checkpoints 0, 10, 30, 100, 300, 1,000, top 10) unless said otherwise.</summary>
/// <param name="Arms">The paired arms; at least one.</param>
/// <param name="Training">Shared training settings (steps, momentum, batch size, schedule, seed). Its learning rate is
/// replaced by each arm's, its checkpoint steps by <see cref="CheckpointSteps"/>.</param>
/// <param name="CheckpointSteps">Steps measured, ascending, within 0..Training.Steps.</param>
public sealed record StudyOptions(IReadOnlyList<StudyArm> Arms, TrainingOptions Training, IReadOnlyList<int> CheckpointSteps)
{
    /// <summary>K, the number of top eigenvalues (10 = classes: Ghorbani et al. 2019 find about classes − 1 outliers).</summary>
    public int TopK { get; init; } = 10;

    /// <summary>Relative residual of the top eigenpairs. 1e-6·‖H‖: six digits of λ, ample for ratios and f_K, and about
    /// half the products of the 1e-8 default (measured on the study MLP; docs/BENCHMARKS.md).</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Hutch++ budget of the trace at every checkpoint (30: ≥ 10 residual probes, HutchPlusPlus.DefaultInitialMatvecs).</summary>
    public int TraceProducts { get; init; } = 30;

    /// <summary>SLQ probes of the density checkpoints (10: Ghorbani et al. 2019, §2).</summary>
    public int DensityProbes { get; init; } = 10;

    /// <summary>SLQ Lanczos steps per probe (90: Ghorbani et al. 2019, §2).</summary>
    public int DensitySteps { get; init; } = 90;

    /// <summary>Measure each layer's Hessian block.</summary>
    public bool PerLayer { get; init; } = true;

    /// <summary>Relative residual of the per-layer top eigenvalue (1e-4: four digits suffice to compare layers).</summary>
    public double LayerTolerance { get; init; } = 1e-4;

    /// <summary>Step sizes η of the smoothness probe (Santurkar et al. 2018 §3.1 move along the gradient over a range of
    /// steps around the training rate; ours span 0.01–1, covering both arms' rates by 5–10× each way). Empty: not measured.</summary>
    public IReadOnlyList<double> SmoothnessStepSizes { get; init; } = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];

    /// <summary>Init scales of the sweep (0.5×, 1×, 2×: the issue); the 1× run is the main arm. Empty: no sweep.</summary>
    public IReadOnlyList<double> InitScales { get; init; } = [0.5, 1.0, 2.0];

    /// <summary>Arms swept over <see cref="InitScales"/> (with and without BN).</summary>
    public IReadOnlyList<string> SweepArms { get; init; } = ["none", "batch"];

    /// <summary>R: population statistics are refreshed every R steps (100: ten refreshes in the notes' 1,000 steps; our choice).</summary>
    public int PopulationRefreshEvery { get; init; } = 100;

    /// <summary>Also measure the BN-mode comparison (train, eval, population) on BatchNorm arms at the density checkpoints.</summary>
    public bool CompareBatchNormModes { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Arms);
        ArgumentNullException.ThrowIfNull(Training);
        Training.Validate();
        if (Arms.Count == 0) throw new ArgumentException("study: at least one arm is needed");
        var names = new HashSet<string>();
        foreach (var arm in Arms)
        {
            if (!names.Add(arm.Name)) throw new ArgumentException($"study: arm '{arm.Name}' is given twice");
            if (!(arm.LearningRate > 0 && double.IsFinite(arm.LearningRate))) throw new ArgumentException($"study: the learning rate of arm '{arm.Name}' must be positive; got {arm.LearningRate}");
            if (arm.PopulationStatistics && arm.Norm != Models.NormKind.Batch) throw new ArgumentException($"study: arm '{arm.Name}' uses population statistics but has no BatchNorm");
        }
        if (CheckpointSteps is null || CheckpointSteps.Count == 0) throw new ArgumentException("study: at least one checkpoint step is needed");
        for (int i = 0; i < CheckpointSteps.Count; i++)
        {
            if (CheckpointSteps[i] < 0 || CheckpointSteps[i] > Training.Steps) throw new ArgumentException($"study: checkpoint step {CheckpointSteps[i]} is outside 0..{Training.Steps}");
            if (i > 0 && CheckpointSteps[i] <= CheckpointSteps[i - 1]) throw new ArgumentException("study: checkpoint steps must be strictly increasing");
        }
        if (TopK < 1) throw new ArgumentException($"study: --top must be at least 1; got {TopK}");
        if (!(Tolerance > 0 && Tolerance < 1)) throw new ArgumentException($"study: the tolerance must be in (0, 1); got {Tolerance}");
        if (!(LayerTolerance > 0 && LayerTolerance < 1)) throw new ArgumentException($"study: the layer tolerance must be in (0, 1); got {LayerTolerance}");
        if (TraceProducts < 4) throw new ArgumentException($"study: --trace-products must be at least 4 (Hutch++ needs 2 residual probes for a standard error); got {TraceProducts}");
        if (DensityProbes < 1) throw new ArgumentException($"study: --probes must be at least 1; got {DensityProbes}");
        if (DensitySteps < 2) throw new ArgumentException($"study: --lanczos-steps must be at least 2; got {DensitySteps}");
        if (PopulationRefreshEvery < 1) throw new ArgumentException($"study: --population-refresh must be at least 1; got {PopulationRefreshEvery}");
        foreach (double eta in SmoothnessStepSizes)
            if (!(eta > 0 && double.IsFinite(eta))) throw new ArgumentException($"study: smoothness step sizes must be positive; got {eta}");
        foreach (double s in InitScales)
            if (!(s > 0 && double.IsFinite(s))) throw new ArgumentException($"study: init scales must be positive; got {s}");
        foreach (string a in SweepArms)
            if (InitScales.Count > 0 && !names.Contains(a)) throw new ArgumentException($"study: the init sweep varies arm '{a}', which is not in the study");
    }

    /// <summary>Log-spaced checkpoint steps 0, 1·10^k, 3·10^k … up to and including <paramref name="steps"/> (the notes'
    /// 0, 10, 30, 100, 300, 1000 for 1,000 steps), so the early appearance of outliers is resolved.</summary>
    public static int[] LogSpacedSteps(int steps)
    {
        if (steps < 1) throw new ArgumentException($"study: the number of steps must be at least 1; got {steps}");
        var list = new SortedSet<int> { 0, steps };
        for (long p = 10; p < steps; p *= 10)
        {
            list.Add((int)p);
            if (3 * p < steps) list.Add((int)(3 * p));
        }
        return list.ToArray();
    }
}
