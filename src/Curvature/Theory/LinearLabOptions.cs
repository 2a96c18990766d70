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

    /// <summary>The gradient-descent settings these options imply (validated).</summary>
    public GradientDescentOptions ToDynamicsOptions()
    {
        _ = Preprocessing.ToName(); // rejects undefined enum values
        var options = new GradientDescentOptions
        {
            Eta = Eta, EtaFactor = EtaFactor, Tolerance = Tolerance, MaxSteps = MaxSteps, TracedModes = TracedModes,
        };
        options.Validate();
        return options;
    }
}
