namespace Curvature.Theory;

/// <summary>
/// What the Marchenko–Pastur law (plus the mean outlier) predicts for R = (1/p)XᵀX with α = p/N, input mean
/// m and variance v: plain data for reports. See <see cref="MarchenkoPastur"/> for the formulas and sources.
/// </summary>
/// <param name="Alpha">α = p/N.</param>
/// <param name="Mean">m used for the outlier.</param>
/// <param name="Variance">v used for the bulk.</param>
/// <param name="Basis">Where m and v came from (configured, empirical, or exact for whitened inputs).</param>
/// <param name="Lower">λ₋ = v (1 − 1/√α)².</param>
/// <param name="Upper">λ₊ = v (1 + 1/√α)².</param>
/// <param name="ZeroFraction">max(0, 1 − α).</param>
/// <param name="Outlier">N m² + v, null when m = 0.</param>
/// <param name="OutlierFiniteSamples">(N m² + v)(1 + v/(p m²)), null below the threshold N m² &gt; v √(N/p) or when m = 0.</param>
public sealed record MarchenkoPasturPrediction(
    double Alpha,
    double Mean,
    double Variance,
    string Basis,
    double Lower,
    double Upper,
    double ZeroFraction,
    double? Outlier,
    double? OutlierFiniteSamples)
{
    /// <summary>Predictions for N inputs, p samples, mean m and variance v.</summary>
    public static MarchenkoPasturPrediction For(int inputs, int samples, double mean, double variance, string basis)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentNullException.ThrowIfNull(basis);
        double alpha = (double)samples / inputs;
        return new MarchenkoPasturPrediction(
            alpha, mean, variance, basis,
            MarchenkoPastur.LowerEdge(alpha, variance), MarchenkoPastur.UpperEdge(alpha, variance),
            MarchenkoPastur.ZeroMass(alpha),
            MarchenkoPastur.Outlier(inputs, mean, variance),
            MarchenkoPastur.OutlierFiniteSamples(inputs, samples, mean, variance));
    }
}
