namespace Curvature.Theory;

/// <summary>
/// What the estimator path measured about R = (1/p)XᵀX when the full eigenvalue list was not computed
/// (min(p, N) above the dense limit): the extreme eigenvalues by Lanczos with their residuals, the basis of
/// the zero count, and a stochastic-Lanczos-quadrature (SLQ) density and trace next to the exact trace.
/// Plain data, ready for JSON.
/// </summary>
/// <param name="Largest">The k largest Ritz values, descending (Lanczos, full reorthogonalization).</param>
/// <param name="LargestResiduals">‖Rv − θv‖ of each, same order.</param>
/// <param name="Smallest">The k smallest Ritz values, ascending. A multiple eigenvalue (e.g. 0 with
/// multiplicity N − p) appears once per Krylov space, so this is not a count of small eigenvalues.</param>
/// <param name="SmallestResiduals">‖Rv − θv‖ of each, same order.</param>
/// <param name="ResidualTolerance">The requested residual, relative to ‖R‖.</param>
/// <param name="AllConverged">Whether every Ritz pair above met it (when false the values are still the
/// best available, and the spectrum's method string says so).</param>
/// <param name="LanczosProducts">Products with R spent on the two extreme runs.</param>
/// <param name="ZeroCountBasis">How <see cref="CovarianceSpectrum.ZeroEigenvalues"/> was obtained.</param>
/// <param name="ExactTrace">tr(R) = (1/p)‖X‖_F², computed exactly (cheap): the self-check for SLQ.</param>
/// <param name="SlqTrace">SLQ's estimate n·E[Σ τθ] of tr(R).</param>
/// <param name="SlqTraceStandardError">Its standard error across probes.</param>
/// <param name="SlqProbes">Probe vectors used.</param>
/// <param name="SlqSteps">Lanczos steps per probe.</param>
/// <param name="DensityGrid">Grid of the SLQ density in u = ln(λ + ε), ε = <paramref name="DensityEpsilon"/>.</param>
/// <param name="Density">SLQ density per unit u (it integrates to ≈ 1 over all N eigenvalues, zeros included,
/// which sit at u = ln ε).</param>
/// <param name="DensityEpsilon">ε of the log grid: the zero threshold <see cref="Tolerances.ZeroEigenvalueRelative"/>·λmax,
/// so numerically-zero eigenvalues land at or below ln ε, away from the non-zero spectrum.</param>
/// <param name="DensitySmoothing">The smoothing convention, named (see <see cref="Estimators.DensitySmoothing"/>).</param>
/// <param name="DensitySigma">Its Gaussian width, in units of u.</param>
public sealed record SpectrumEstimates(
    double[] Largest,
    double[] LargestResiduals,
    double[] Smallest,
    double[] SmallestResiduals,
    double ResidualTolerance,
    bool AllConverged,
    int LanczosProducts,
    string ZeroCountBasis,
    double ExactTrace,
    double SlqTrace,
    double SlqTraceStandardError,
    int SlqProbes,
    int SlqSteps,
    double[] DensityGrid,
    double[] Density,
    double DensityEpsilon,
    string DensitySmoothing,
    double DensitySigma);
