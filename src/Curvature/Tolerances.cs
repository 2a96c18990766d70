namespace Curvature;

/// <summary>Named tolerances used by the library, each with the reason for its size.</summary>
public static class Tolerances
{
    /// <summary>Relative asymmetry accepted in an explicit matrix: a few hundred ulps of float64, enough for
    /// matrices assembled as Q diag(λ) Qᵀ or XᵀX in floating point, far below any real asymmetry.</summary>
    public const double SymmetryRelative = 1e-10;

    /// <summary>Relative asymmetry |uᵀAv − vᵀAu| / max(‖u‖‖Av‖, ‖v‖‖Au‖) accepted from an operator known only through
    /// float64 products (a Hessian by double backward is symmetric up to the round-off of two backward passes, measured
    /// ≤ 2e-17 on the zoo's MLP and CNN with BatchNorm on 512 images: ProductSymmetryTests): 1e-9 flags any real asymmetry while never flagging round-off.</summary>
    public const double ProductSymmetryRelative64 = 1e-9;

    /// <summary>The same for float32 products: their round-off is ~1e-7 per entry and grows with depth and data size
    /// (measured ≤ 1.4e-7 on the zoo's MLP, CNN and ResNet-8: ProductSymmetryTests); 1e-3 leaves room for much deeper
    /// nets and is still far below any real asymmetry (which is O(1)).</summary>
    public const double ProductSymmetryRelative32 = 1e-3;

    /// <summary>Lanczos breakdown: β below this times the running estimate of ‖A‖ means the Krylov space is
    /// invariant (β is then round-off, ~n·ε·‖A‖ in float64).</summary>
    public const double BreakdownRelative = 1e-12;

    /// <summary>Default relative residual ‖Ay − θy‖ / ‖A‖ for a Ritz pair to count as converged: well above
    /// float64 round-off, tight enough for eigenvalues to ~1e-8 relative (Parlett, §13.2).</summary>
    public const double RitzResidualRelative = 1e-8;

    /// <summary>An eigenvalue is "numerically zero" when |λ| is at most this times λmax. A dense float64
    /// eigensolver returns true zeros as round-off of ~n·ε·λmax (≈ 1e-13 to 1e-12·λmax for n up to a few
    /// thousand; measured below 1e-12 in the tests), so 1e-9 leaves three decades of margin; conversely a
    /// direction with λ below 1e-9·λmax has a gradient-descent time constant above 10⁹ steps at η = 1/λmax,
    /// i.e. it is null for any run.</summary>
    public const double ZeroEigenvalueRelative = 1e-9;

    /// <summary>Two converged Ritz values closer than this times ‖A‖ are one eigenvalue and its ghost copy: ten
    /// times the convergence level <see cref="RitzResidualRelative"/>, since converged copies agree to about
    /// their residual (Parlett, §13.2), and distinct eigenvalues that close cannot both appear in one
    /// single-vector Krylov space before convergence.</summary>
    public const double GhostSeparationRelative = 1e-7;
}
