namespace Curvature.Estimators;

/// <summary>How Lanczos keeps its basis orthogonal in floating point.</summary>
public enum Reorthogonalization
{
    /// <summary>Classical Gram–Schmidt against every stored vector at every step, with a second pass when the first
    /// cancelled much of the vector (DGKS criterion, Daniel et al. 1976; "twice is enough", Giraud et al. 2005):
    /// orthogonal to round-off, O(n·j) extra work at step j. The default.</summary>
    Full,

    /// <summary>Partial reorthogonalization (Simon 1984): the loss of orthogonality is tracked with the
    /// ω-recurrence and the vector is reorthogonalized against the whole basis only when some |ω| exceeds
    /// √ε, and on the step after (Simon's rule), keeping semi-orthogonality at a fraction of the cost.</summary>
    Selective,

    /// <summary>The plain three-term recurrence. Cheapest and the memory of two vectors, but orthogonality is
    /// lost as Ritz values converge and spurious copies ("ghosts") of converged eigenvalues appear
    /// (Paige 1971); <see cref="LanczosResult"/> flags them.</summary>
    None,
}
