using Curvature.Operators;

namespace Curvature.Training;

/// <summary>
/// How <see cref="Trainer"/> trains: SGD with momentum and weight decay (PyTorch's <c>torch.optim.SGD</c>, dampening 0,
/// no Nesterov) on mini-batches of a seeded shuffle, for a fixed number of update steps.
/// </summary>
/// <param name="LearningRate">η₀, the base learning rate (&gt; 0).</param>
/// <param name="Steps">T, the number of updates (≥ 1).</param>
public sealed record TrainingOptions(double LearningRate, int Steps)
{
    /// <summary>μ, the momentum; 0.9 by default (the study notes, /work/shared/design/STUDY-NOTES.md: SGD momentum 0.9,
    /// as in Ghorbani et al. 2019).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>The L2 weight decay added to the gradient, g + wd·θ (PyTorch's <c>weight_decay</c>); 0 by default
    /// (PyTorch's default), so the loss trained is the loss analysed.</summary>
    public double WeightDecay { get; init; }

    /// <summary>B, the mini-batch size; 128 by default (the study notes). Capped at N when N &lt; B.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The learning-rate schedule; constant by default.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Seed of the data order (one <c>torch.Generator</c> per epoch derived from it).</summary>
    public ulong Seed { get; init; }

    /// <summary>Evaluate on the held-out data every k steps (after updates k, 2k, …, at step 0 and at the end);
    /// 0 (the default) evaluates only at step 0 and at the end.</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>Steps (number of updates done, 0 = the initial model) at which the checkpoint callback sees the model.</summary>
    public IReadOnlyList<int> CheckpointSteps { get; init; } = [];

    /// <summary>R: when &gt; 0, every BatchNorm layer trains with the statistics of the population data given to the
    /// <see cref="Trainer"/> (a fixed large subset) instead of each mini-batch's, recomputed at steps 0, R, 2R, … — the
    /// "population statistics" arm of Ghorbani et al. 2019 (§4). 0 (the default): batch statistics, as in PyTorch.</summary>
    public int PopulationRefreshEvery { get; init; }

    /// <summary>The loss minimised (the mean over the batch); cross-entropy by default.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new ArgumentException($"training: the learning rate must be positive; got {LearningRate}");
        if (Steps < 1) throw new ArgumentException($"training: the number of steps must be at least 1; got {Steps}");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"training: the momentum must be in [0, 1); got {Momentum}");
        if (!(WeightDecay >= 0 && double.IsFinite(WeightDecay))) throw new ArgumentException($"training: the weight decay must be non-negative; got {WeightDecay}");
        if (BatchSize < 1) throw new ArgumentException($"training: the batch size must be at least 1; got {BatchSize}");
        if (EvaluateEvery < 0) throw new ArgumentException($"training: the evaluation interval must be non-negative; got {EvaluateEvery}");
        if (PopulationRefreshEvery < 0) throw new ArgumentException($"training: the population refresh interval must be non-negative; got {PopulationRefreshEvery}");
        if (!Enum.IsDefined(Loss)) throw new ArgumentException($"training: unknown loss {Loss}");
        ArgumentNullException.ThrowIfNull(Schedule);
        Schedule.Validate();
        ArgumentNullException.ThrowIfNull(CheckpointSteps);
        foreach (int s in CheckpointSteps)
            if (s < 0 || s > Steps) throw new ArgumentException($"training: checkpoint step {s} is outside 0..{Steps}");
    }
}
