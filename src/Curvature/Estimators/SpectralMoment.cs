namespace Curvature.Estimators;

/// <summary>An estimate with its standard error across probes (sample standard deviation / √n_v).</summary>
/// <param name="Estimate">The mean over probes.</param>
/// <param name="StandardError">Its standard error.</param>
/// <param name="Samples">The per-probe values, so users can re-analyse.</param>
public sealed record SpectralMoment(double Estimate, double StandardError, double[] Samples)
{
    /// <summary>Mean and standard error of per-probe samples (SE undefined — NaN — for a single probe).</summary>
    public static SpectralMoment FromSamples(double[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Length == 0) throw new ArgumentException("need at least one sample", nameof(samples));
        var (mean, se) = SampleStatistics.MeanAndStandardError(samples);
        return new SpectralMoment(mean, se, samples);
    }
}
