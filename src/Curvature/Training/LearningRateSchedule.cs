namespace Curvature.Training;

/// <summary>The shape of a learning-rate schedule.</summary>
public enum ScheduleKind
{
    /// <summary>η_t = η₀ for every step.</summary>
    Constant,

    /// <summary>η_t = η₀·γ^⌊t/k⌋ (PyTorch's <c>StepLR(step_size=k, gamma=γ)</c>, stepped once per update).</summary>
    Step,

    /// <summary>η_t = η₀·½(1 + cos(πt/T)) for T total steps (the closed form of PyTorch's
    /// <c>CosineAnnealingLR(T_max=T, eta_min=0)</c>; Loshchilov &amp; Hutter 2017, eq. 5 without restarts).</summary>
    Cosine,
}

/// <summary>A learning-rate schedule over update steps t = 0, 1, …, T − 1.</summary>
/// <param name="Kind">The schedule's shape.</param>
/// <param name="Gamma">γ for <see cref="ScheduleKind.Step"/>: the factor applied every <paramref name="Every"/> steps
/// (0.1: the usual decade drop, e.g. He et al. 2016 §4.2).</param>
/// <param name="Every">k for <see cref="ScheduleKind.Step"/>: steps between drops (≥ 1).</param>
public sealed record LearningRateSchedule(ScheduleKind Kind, double Gamma = 0.1, int Every = 1000)
{
    /// <summary>The constant schedule.</summary>
    public static LearningRateSchedule Constant { get; } = new(ScheduleKind.Constant);

    /// <summary>The cosine schedule.</summary>
    public static LearningRateSchedule Cosine { get; } = new(ScheduleKind.Cosine);

    /// <summary>A step schedule: η₀·γ^⌊t/k⌋.</summary>
    public static LearningRateSchedule StepDecay(double gamma, int every) => new(ScheduleKind.Step, gamma, every);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"schedule: unknown kind {Kind}");
        if (Kind == ScheduleKind.Step)
        {
            if (!(Gamma > 0 && Gamma <= 1)) throw new ArgumentException($"schedule: step gamma must be in (0, 1]; got {Gamma}");
            if (Every < 1) throw new ArgumentException($"schedule: step interval must be at least 1; got {Every}");
        }
    }

    /// <summary>η_t, the rate of update <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>, for base
    /// rate <paramref name="baseRate"/> (formulas on <see cref="ScheduleKind"/>).</summary>
    public double RateAt(double baseRate, int step, int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        return Kind switch
        {
            ScheduleKind.Constant => baseRate,
            ScheduleKind.Step => baseRate * Math.Pow(Gamma, step / Every),
            ScheduleKind.Cosine => baseRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps)),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown schedule"),
        };
    }
}
