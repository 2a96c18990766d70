namespace Curvature.Estimators;

/// <summary>The precision in which the Lanczos basis rows kept for reorthogonalization (and Ritz vectors) are stored.
/// The vectors the three-term recurrence reads (q_j, q_{j−1}, w) are float64 either way.</summary>
public enum BasisPrecision
{
    /// <summary>8 bytes per entry: the basis is exactly the computed q's. The default.</summary>
    Float64,

    /// <summary>4 bytes per entry: each stored row is q rounded to float32 (relative error ≤ 2⁻²⁴ ≈ 6e-8), and
    /// projections against it are done in float64 after widening. Orthogonality against the true q's is then kept to
    /// ~1e-7 instead of ~1e-15, and Ritz vectors formed from the rows carry that error. Measured against dense float64
    /// spectra (planted n = 400, ten outliers, 120 steps, full reorthogonalization, 5 start vectors;
    /// <c>BasisStorageTests</c>): top-10 eigenvalue error ≤ 3.9e-10·‖A‖ (float64 basis: 7e-16), Ritz residuals
    /// ‖Ay − θy‖ ≤ 2.6e-8·‖A‖ (float64: 9e-16), Gauss-quadrature moments qᵀAᵖq (p ≤ 8) within 1.4e-12·‖A‖ᵖ (float64: 3e-17).
    /// So eigenvalues and densities lose nothing that matters; eigenvectors are good to about 1e-7 relative, which needs a
    /// Ritz tolerance of at least ~1e-6 (the CLI then uses its float32 tolerance, 1e-5). Selective reorthogonalization
    /// refuses it: Simon's √ε ≈ 1.5e-8 target is finer than float32 rows (measured: without the refusal, Ritz values
    /// left the spectrum).</summary>
    Float32,
}
