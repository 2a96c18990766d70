namespace Curvature.Estimators;

/// <summary>Mean and standard error of Monte-Carlo samples (two-pass, so a constant sample gives SE exactly 0).</summary>
internal static class SampleStatistics
{
    /// <summary>(mean, SE = s/√k with the unbiased sample variance s²); SE is NaN for a single sample.</summary>
    internal static (double Mean, double StandardError) MeanAndStandardError(IReadOnlyList<double> samples)
    {
        int k = samples.Count;
        if (k == 0) return (double.NaN, double.NaN);
        double mean = 0;
        for (int i = 0; i < k; i++) mean += samples[i];
        mean /= k;
        if (k == 1) return (mean, double.NaN);
        double ss = 0;
        for (int i = 0; i < k; i++) ss += (samples[i] - mean) * (samples[i] - mean);
        return (mean, Math.Sqrt(ss / (k - 1) / k));
    }
}
