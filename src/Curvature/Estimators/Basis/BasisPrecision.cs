namespace Curvature.Estimators;

/// <summary>The precision in which the Lanczos basis rows kept for reorthogonalization (and Ritz vectors) are stored.
/// The vectors the three-term recurrence reads (q_j, q_{j−1}, w) are float64 either way.</summary>
public enum BasisPrecision
{
    /// <summary>8 bytes per entry: the basis is exactly the computed q's. The default.</summary>
    Float64,

    /// <summary>4 bytes per entry: each stored row is q rounded to float32 (relative error ≤ 2⁻²⁴ ≈ 6e-8), and
    /// projections against it are done in float64 after widening. Orthogonality against the true q's is then kept to
    /// ~1e-7 instead of ~1e-15, and Ritz vectors formed from the rows carry that error. Measured on planted spectra
    /// (n = 400, 120 steps, full reorthogonalization; <c>BasisStorageTests</c>): top-10 eigenvalue error ≤ 2e-15·‖A‖
    /// against the dense eigendecomposition (the same as float64: the recurrence itself stays float64), Ritz residuals
    /// ‖Ay − θy‖ ≤ 3e-7·‖A‖ (float64: ~1e-14), SLQ moments within 1e-12 relative of the float64 basis's. So eigenvalues
    /// and densities are unchanged; eigenvectors are good to about 1e-7 relative, which needs a Ritz tolerance of at
    /// least ~1e-6 (the CLI then uses its float32 tolerance, 1e-5).</summary>
    Float32,
}
