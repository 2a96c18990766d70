namespace Curvature.Theory;

/// <summary>The configuration a lab run used, echoed into its result.</summary>
/// <param name="Source">"synthetic" or the caller's name for the data.</param>
/// <param name="Inputs">N.</param>
/// <param name="Samples">p.</param>
/// <param name="Alpha">α = p/N.</param>
/// <param name="Mean">Configured input mean m (synthetic), or the empirical root-mean-square of the per-input
/// means (data).</param>
/// <param name="Variance">Configured input variance v (synthetic), or the empirical mean per-input variance (data).</param>
/// <param name="Noise">Label-noise standard deviation (synthetic); null for data.</param>
/// <param name="Seed">Seed (synthetic); null for data.</param>
/// <param name="Preprocessing">The requested mode ("none", "center", "standardize", "whiten").</param>
/// <param name="Eta">The absolute learning rate if one was given, else null.</param>
/// <param name="EtaFactor">η·λmax used when <paramref name="Eta"/> is null.</param>
/// <param name="Tolerance">Relative excess-loss tolerance.</param>
/// <param name="MaxSteps">Step cap per mode.</param>
public sealed record LinearLabConfig(
    string Source,
    int Inputs,
    int Samples,
    double Alpha,
    double Mean,
    double Variance,
    double? Noise,
    ulong? Seed,
    string Preprocessing,
    double? Eta,
    double EtaFactor,
    double Tolerance,
    int MaxSteps)
{
    /// <summary>"dense" (full float64 eigendecomposition) or "estimators" (min(p, N) above
    /// <see cref="MaxDenseDimension"/>: Lanczos extremes, SLQ, gradient descent through X).</summary>
    public string SpectrumPath { get; init; } = "dense";

    /// <summary>The dense limit in force.</summary>
    public int MaxDenseDimension { get; init; } = ExactSpectrum.MaxDenseDimension;

    /// <summary>Seed of the estimators' generators (each mode draws from its own generator, seeded with a
    /// SplitMix64 mix of this seed and the mode so its stream is unrelated to the data's); null on the dense path,
    /// which uses no randomness.</summary>
    public ulong? EstimatorSeed { get; init; }

    /// <summary>SHA-256 (lowercase hex) of the samples X and targets y the lab ran on, as contiguous float64 bytes in
    /// that order: the data's identity, for given data and for synthetic data alike (two runs that agree on it saw the
    /// same numbers); null when not computed.</summary>
    public string? DataSha256 { get; init; }
}

/// <summary>
/// Theory next to measurement for one preprocessing mode: the exact spectrum of R = (1/p)XᵀX, the
/// Marchenko–Pastur predictions, the learning rates and a gradient-descent run. Flat, plain data (with the
/// CLI's snake_case naming the fields read lambda_max, mp_lower, outlier_predicted_finite_p, …).
/// </summary>
/// <param name="Mode">"none", "center", "standardize" or "whiten".</param>
/// <param name="SpectrumMethod">How the eigenvalues were computed (dense eigendecomposition, or the estimators
/// with their settings).</param>
/// <param name="Eigenvalues">All N eigenvalues of R, descending; on the estimator path only the computed extreme
/// ones (see <see cref="EigenvaluesPartial"/>).</param>
/// <param name="LambdaMax">λmax.</param>
/// <param name="LambdaMinNonzero">Smallest non-zero λ.</param>
/// <param name="ZeroEigenvalues">Number of numerically-zero eigenvalues.</param>
/// <param name="ConditionNumber">κ = λmax / λmin(non-zero).</param>
/// <param name="MpAlpha">α = p/N.</param>
/// <param name="MpMean">m used for the outlier prediction.</param>
/// <param name="MpVariance">v used for the bulk prediction.</param>
/// <param name="MpBasis">Where m and v came from.</param>
/// <param name="MpLower">Predicted lower bulk edge λ₋.</param>
/// <param name="MpUpper">Predicted upper bulk edge λ₊.</param>
/// <param name="ZeroFraction">Predicted fraction of zero eigenvalues, max(0, 1 − α).</param>
/// <param name="OutlierPredicted">N m² + v, or null.</param>
/// <param name="OutlierPredictedFiniteP">(N m² + v)(1 + v/(p m²)), or null below the BBP threshold.</param>
/// <param name="EtaMax">2/λmax.</param>
/// <param name="EtaNoOscillation">1/λmax.</param>
/// <param name="EtaBestSingle">2/(λmax + λmin).</param>
/// <param name="NewtonRates">1/λ_i per eigen-direction (0 on null directions), aligned with <paramref name="Eigenvalues"/>.</param>
/// <param name="Dynamics">The gradient-descent run.</param>
public sealed record PreprocessingReport(
    string Mode,
    string SpectrumMethod,
    double[] Eigenvalues,
    double LambdaMax,
    double LambdaMinNonzero,
    int ZeroEigenvalues,
    double ConditionNumber,
    double MpAlpha,
    double MpMean,
    double MpVariance,
    string MpBasis,
    double MpLower,
    double MpUpper,
    double ZeroFraction,
    double? OutlierPredicted,
    double? OutlierPredictedFiniteP,
    double EtaMax,
    double EtaNoOscillation,
    double EtaBestSingle,
    double[] NewtonRates,
    GradientDescentResult Dynamics)
{
    /// <summary>True when <see cref="Eigenvalues"/> (and <see cref="NewtonRates"/>, aligned with it) hold only the
    /// extreme eigenvalues the estimator path computed, not all N.</summary>
    public bool EigenvaluesPartial { get; init; }

    /// <summary>The estimator path's details (Lanczos residuals, zero-count basis, SLQ density and trace next to
    /// the exact trace); null when the spectrum was computed densely.</summary>
    public SpectrumEstimates? SpectrumEstimates { get; init; }

    /// <summary>Assembles a report from the library's records for one mode.</summary>
    public static PreprocessingReport From(Preprocessing mode, CovarianceSpectrum spectrum, MarchenkoPasturPrediction mp,
        LearningRates rates, GradientDescentResult dynamics)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        ArgumentNullException.ThrowIfNull(mp);
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentNullException.ThrowIfNull(dynamics);
        return new PreprocessingReport(mode.ToName(), spectrum.Method, spectrum.Eigenvalues, spectrum.LambdaMax,
            spectrum.LambdaMinNonzero, spectrum.ZeroEigenvalues, spectrum.ConditionNumber,
            mp.Alpha, mp.Mean, mp.Variance, mp.Basis, mp.Lower, mp.Upper, mp.ZeroFraction, mp.Outlier, mp.OutlierFiniteSamples,
            rates.EtaMax, rates.EtaNoOscillation, rates.EtaBestSingle, rates.NewtonRates, dynamics)
        {
            EigenvaluesPartial = spectrum.EigenvaluesPartial,
            SpectrumEstimates = spectrum.Estimates,
        };
    }
}

/// <summary>
/// Result of <see cref="LinearNeuronLab.Run"/>: the configuration, and one <see cref="PreprocessingReport"/> per
/// mode in <see cref="Preprocessing"/> — the requested mode first, then the others in the order none,
/// center, standardize, whiten (above the dense limit whitening is omitted; see <see cref="OmittedModes"/>). The requested mode's figures are repeated at the top level (read-only
/// properties, which System.Text.Json serialises too), so the record carries the fields eigenvalues,
/// lambda_max, …, dynamics and preprocessing directly.
/// </summary>
/// <param name="Config">What was run.</param>
/// <param name="Preprocessing">All four modes, requested first.</param>
public sealed record LinearLabResult(LinearLabConfig Config, PreprocessingReport[] Preprocessing)
{
    PreprocessingReport Requested => Preprocessing[0];

    /// <summary>Modes that were not run, with the reason (whitening above the dense limit); empty normally.</summary>
    public ModeOmission[] OmittedModes { get; init; } = [];

    /// <summary>Requested mode: true when <see cref="Eigenvalues"/> lists only the estimated extremes.</summary>
    public bool EigenvaluesPartial => Requested.EigenvaluesPartial;
    /// <summary>Requested mode: the estimator path's details, or null for the dense path.</summary>
    public SpectrumEstimates? SpectrumEstimates => Requested.SpectrumEstimates;

    /// <summary>Requested mode: how the eigenvalues were computed.</summary>
    public string SpectrumMethod => Requested.SpectrumMethod;
    /// <summary>Requested mode: all N eigenvalues, descending (only the extremes when <see cref="EigenvaluesPartial"/>).</summary>
    public double[] Eigenvalues => Requested.Eigenvalues;
    /// <summary>Requested mode: λmax.</summary>
    public double LambdaMax => Requested.LambdaMax;
    /// <summary>Requested mode: smallest non-zero λ.</summary>
    public double LambdaMinNonzero => Requested.LambdaMinNonzero;
    /// <summary>Requested mode: number of numerically-zero eigenvalues.</summary>
    public int ZeroEigenvalues => Requested.ZeroEigenvalues;
    /// <summary>Requested mode: κ.</summary>
    public double ConditionNumber => Requested.ConditionNumber;
    /// <summary>Requested mode: λ₋.</summary>
    public double MpLower => Requested.MpLower;
    /// <summary>Requested mode: λ₊.</summary>
    public double MpUpper => Requested.MpUpper;
    /// <summary>Requested mode: max(0, 1 − α).</summary>
    public double ZeroFraction => Requested.ZeroFraction;
    /// <summary>Requested mode: N m² + v, or null.</summary>
    public double? OutlierPredicted => Requested.OutlierPredicted;
    /// <summary>Requested mode: finite-p outlier, or null.</summary>
    public double? OutlierPredictedFiniteP => Requested.OutlierPredictedFiniteP;
    /// <summary>Requested mode: 2/λmax.</summary>
    public double EtaMax => Requested.EtaMax;
    /// <summary>Requested mode: 1/λmax.</summary>
    public double EtaNoOscillation => Requested.EtaNoOscillation;
    /// <summary>Requested mode: 2/(λmax + λmin).</summary>
    public double EtaBestSingle => Requested.EtaBestSingle;
    /// <summary>Requested mode: the gradient-descent run.</summary>
    public GradientDescentResult Dynamics => Requested.Dynamics;
}

/// <summary>A preprocessing mode the lab did not run, and why.</summary>
/// <param name="Mode">"none", "center", "standardize" or "whiten".</param>
/// <param name="Reason">One sentence.</param>
public sealed record ModeOmission(string Mode, string Reason);
