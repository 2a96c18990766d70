namespace Curvature.Theory;

/// <summary>
/// Learning rates for gradient descent w ← w − η∇E on a quadratic E with Hessian R (Efficient BackProp 1998,
/// §5.1–5.3). In the eigenbasis of R each coordinate evolves as v_j(k) = (1 − ηλ_j)^k v_j(0), so:
/// </summary>
/// <param name="EtaMax">Divergence bound 2/λmax: for η ≥ 2/λmax, |1 − ηλmax| ≥ 1 and the top mode does not
/// decay (η &lt; 2/λmax is necessary and sufficient for convergence; §5.1).</param>
/// <param name="EtaNoOscillation">1/λmax: the largest rate at which no mode oscillates (1 − ηλ_j ≥ 0 for all j);
/// it makes the top mode converge in one step (§5.1, the "optimal" η for the largest eigenvalue).</param>
/// <param name="EtaBestSingle">2/(λmax + λmin): the single rate minimising the slowest decay factor
/// max_j |1 − ηλ_j| over the non-null modes, which it makes equal to (κ − 1)/(κ + 1) at both ends of the
/// spectrum (the classical optimum of Richardson iteration; λmin is the smallest non-zero eigenvalue).</param>
/// <param name="NewtonRates">Per-weight rates η_j = 1/λ_j in the eigenbasis, aligned with the spectrum's
/// descending eigenvalues: Newton's method on a quadratic, every mode solved in one step (§5.3, "the
/// optimal learning rate is the inverse Hessian"). Null directions get 0 (the pseudo-inverse: E does not
/// depend on them, so there is nothing to step).</param>
public sealed record LearningRates(double EtaMax, double EtaNoOscillation, double EtaBestSingle, double[] NewtonRates)
{
    /// <summary>The rates for a spectrum; zero eigenvalues are those the spectrum counted as zero.</summary>
    public static LearningRates FromSpectrum(CovarianceSpectrum spectrum)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        double max = spectrum.LambdaMax, min = spectrum.LambdaMinNonzero;
        if (!(max > 0) || !(min > 0))
            throw new ArgumentException($"learning rates need λmax > 0 and λmin > 0; got {max:G6} and {min:G6}", nameof(spectrum));
        var newton = spectrum.Eigenvalues.Select(l => l > spectrum.ZeroThreshold ? 1.0 / l : 0.0).ToArray();
        return new LearningRates(2.0 / max, 1.0 / max, 2.0 / (max + min), newton);
    }
}
