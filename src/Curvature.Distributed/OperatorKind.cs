namespace Curvature.Distributed;

/// <summary>Which curvature operator of the network's mean loss the shards multiply with — the library's three network
/// operators (<see cref="Curvature.Operators.HessianOperator"/>, <see cref="Curvature.Operators.GaussNewtonOperator"/>,
/// <see cref="Curvature.Operators.EmpiricalFisherOperator"/>).</summary>
public enum OperatorKind
{
    /// <summary>The Hessian ∇²L (Pearlmutter 1994), <see cref="Curvature.Operators.HessianOperator"/>.</summary>
    Hessian,

    /// <summary>The generalized Gauss–Newton Jᵀ H_ℓ J (Schraudolph 2002), <see cref="Curvature.Operators.GaussNewtonOperator"/>.</summary>
    GaussNewton,

    /// <summary>The empirical Fisher, <see cref="Curvature.Operators.EmpiricalFisherOperator"/>.</summary>
    EmpiricalFisher,
}
