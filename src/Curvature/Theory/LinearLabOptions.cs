namespace Curvature.Theory;

/// <summary>Settings of a linear-neuron lab run; the gradient-descent defaults are those of
/// <see cref="GradientDescentOptions"/>.</summary>
public sealed record LinearLabOptions
{
    /// <summary>The requested preprocessing, reported first (all four modes are always computed).</summary>
    public Preprocessing Preprocessing { get; init; } = Preprocessing.None;

    /// <summary>Absolute learning rate used for every mode; when null each mode uses
    /// <see cref="EtaFactor"/> / λmax of its own R (so modes are compared at the same relative rate).</summary>
    public double? Eta { get; init; }

    /// <summary>η as a multiple of each mode's 1/λmax; default 1, the no-oscillation rate.</summary>
    public double EtaFactor { get; init; } = 1.0;

    /// <summary>Relative tolerance on the excess loss.</summary>
    public double Tolerance { get; init; } = GradientDescentOptions.DefaultTolerance;

    /// <summary>Step cap per mode.</summary>
    public int MaxSteps { get; init; } = GradientDescentOptions.DefaultMaxSteps;

    /// <summary>Eigen-coordinates traced step by step per mode.</summary>
    public int TracedModes { get; init; } = 3;

    /// <summary>Largest min(p, N) for which the lab computes R's full spectrum densely (default
    /// <see cref="ExactSpectrum.MaxDenseDimension"/>); above it the lab takes the estimator path
    /// (<see cref="EstimatedSpectrum"/>, matrix-free gradient descent) and says so. Lowering it forces the
    /// estimator path, e.g. to compare both on the same data; it cannot exceed the default.</summary>
    public int MaxDenseDimension { get; init; } = ExactSpectrum.MaxDenseDimension;

    /// <summary>Settings of the estimator path (Lanczos extremes, SLQ, seed).</summary>
    public SpectrumEstimatorOptions Estimators { get; init; } = new();

    /// <summary>The gradient-descent settings these options imply (validated).</summary>
    public GradientDescentOptions ToDynamicsOptions()
    {
        _ = Preprocessing.ToName(); // rejects undefined enum values
        if (MaxDenseDimension is < 1 or > ExactSpectrum.MaxDenseDimension)
            throw new ArgumentException($"the dense limit must lie in 1..{ExactSpectrum.MaxDenseDimension}; got {MaxDenseDimension}");
        ArgumentNullException.ThrowIfNull(Estimators);
        Estimators.Validate();
        var options = new GradientDescentOptions
        {
            Eta = Eta, EtaFactor = EtaFactor, Tolerance = Tolerance, MaxSteps = MaxSteps, TracedModes = TracedModes,
        };
        options.Validate();
        return options;
    }
}
