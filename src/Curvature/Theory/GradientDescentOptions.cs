namespace Curvature.Theory;

/// <summary>Settings of a gradient-descent run on the linear neuron's quadratic loss.</summary>
public sealed record GradientDescentOptions
{
    /// <summary>Default relative tolerance 1e-6 on the excess loss: six decades, enough to expose the slow
    /// modes (steps ≈ ½ κ ln(10⁶) ≈ 6.9 κ at η = 1/λmax) while staying far above float64 round-off.</summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>Default step cap 20 000: at η = 1/λmax the tolerance 1e-6 needs ≈ 6.9 κ steps, so this covers
    /// κ up to ≈ 2 900 — the uncentred synthetic defaults (κ ≈ 1 200 for N = 300, p = 1 200, m = v = 1) —
    /// and takes about a second per run at N = 300.</summary>
    public const int DefaultMaxSteps = 20_000;

    /// <summary>A run is declared divergent once E(w_k) − E* exceeds this multiple of its start (or is not finite):
    /// a growing mode multiplies the loss by |1 − ηλ|² per step, so this is reached quickly and long before
    /// float64 overflow, and the report stays finite.</summary>
    public const double DivergenceFactor = 1e6;

    /// <summary>Absolute learning rate η. When null, η = <see cref="EtaFactor"/> / λmax.</summary>
    public double? Eta { get; init; }

    /// <summary>η as a multiple of 1/λmax when <see cref="Eta"/> is null. Default 1: the no-oscillation rate
    /// 1/λmax of Efficient BackProp 1998, §5.1 (the default).</summary>
    public double EtaFactor { get; init; } = 1.0;

    /// <summary>Stop when E(w_k) − E* ≤ Tolerance · (E(w_0) − E*); in (0, 1).</summary>
    public double Tolerance { get; init; } = DefaultTolerance;

    /// <summary>Largest number of steps.</summary>
    public int MaxSteps { get; init; } = DefaultMaxSteps;

    /// <summary>How many eigen-coordinates to record step by step for plots (evenly spaced from the largest to the
    /// smallest non-zero eigenvalue). Default 3: largest, middle, smallest.</summary>
    public int TracedModes { get; init; } = 3;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting.</summary>
    public void Validate()
    {
        if (Eta is double eta && (!(eta > 0) || double.IsInfinity(eta)))
            throw new ArgumentException($"the learning rate η must be positive and finite; got {eta}");
        if (!(EtaFactor > 0) || double.IsInfinity(EtaFactor))
            throw new ArgumentException($"the learning-rate factor (η·λmax) must be positive and finite; got {EtaFactor}");
        if (!(Tolerance > 0 && Tolerance < 1))
            throw new ArgumentException($"the tolerance must lie in (0, 1); got {Tolerance}");
        if (MaxSteps <= 0)
            throw new ArgumentException($"the maximum number of steps must be at least 1; got {MaxSteps}");
        if (MaxSteps > 10_000_000)
            throw new ArgumentException($"the maximum number of steps is limited to 10 000 000 (the loss curve is stored); got {MaxSteps}");
        if (TracedModes < 0)
            throw new ArgumentException($"the number of traced modes must be non-negative; got {TracedModes}");
    }
}
