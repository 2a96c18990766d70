using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

/// <summary>Exact float64 references and the sampling theory the statistical tests use.</summary>
static class MonteCarlo
{
    /// <summary>z-score for bands that must not fail by chance: P(|Z| &gt; 4) ≈ 6e-5 per check.</summary>
    public const double Z = 4.0;

    /// <summary>Sample mean, unbiased variance and fourth central moment.</summary>
    public static (double Mean, double Variance, double FourthMoment) Moments(IReadOnlyList<double> x)
    {
        int k = x.Count;
        double mean = x.Average();
        double ss = 0, s4 = 0;
        foreach (var v in x) { var d = (v - mean) * (v - mean); ss += d; s4 += d * d; }
        return (mean, ss / (k - 1), s4 / k);
    }

    /// <summary>Standard error of the sample variance s² of k samples, by the delta method:
    /// Var(s²) ≈ (μ₄ − σ⁴)/k, with μ₄ and σ⁴ estimated from the same samples.</summary>
    public static double VarianceStandardError(IReadOnlyList<double> x)
    {
        var (_, variance, m4) = Moments(x);
        return Math.Sqrt((m4 - variance * variance) / x.Count);
    }

    /// <summary>Half-width of a band around a binomial proportion p over r trials, z standard deviations wide.</summary>
    public static double BinomialHalfWidth(double p, int r, double z) => z * Math.Sqrt(p * (1 - p) / r);

    /// <summary>P(|T| ≤ t) for Student's t with ν degrees of freedom: the coverage of mean ± t·SE for normal samples
    /// when the SE is estimated from ν + 1 of them. With x = √ν·tan φ the density ∝ (1 + x²/ν)^−(ν+1)/2 becomes
    /// ∝ cos^(ν−1) φ, so the probability is a ratio of two integrals of cos^(ν−1) (Simpson's rule, 2·10⁴ panels:
    /// error far below the binomial tolerances it is used with).</summary>
    public static double StudentTCoverage(double t, int degreesOfFreedom)
    {
        double nu = degreesOfFreedom;
        double Integral(double upper)
        {
            const int panels = 20_000;
            double h = upper / panels, sum = 0;
            for (int i = 0; i <= panels; i++)
            {
                double w = i == 0 || i == panels ? 1 : i % 2 == 1 ? 4 : 2;
                sum += w * Math.Pow(Math.Cos(i * h), nu - 1);
            }
            return sum * h / 3;
        }
        return Integral(Math.Atan(t / Math.Sqrt(nu))) / Integral(Math.PI / 2);
    }

    public static double Trace(Tensor a) => a.diagonal().sum().item<double>();

    public static double FrobeniusSquared(Tensor a) => a.square().sum().item<double>();

    public static double DiagonalSquared(Tensor a) => a.diagonal().square().sum().item<double>();

    /// <summary>Exact variance of one Hutchinson sample zᵀAz: 2(‖A‖²_F − Σ Aᵢᵢ²) for Rademacher z, 2‖A‖²_F for Gaussian z.</summary>
    public static double HutchinsonVariance(Tensor a, Curvature.Estimators.ProbeDistribution d) =>
        d == Curvature.Estimators.ProbeDistribution.Rademacher
            ? 2 * (FrobeniusSquared(a) - DiagonalSquared(a))
            : 2 * FrobeniusSquared(a);
}
