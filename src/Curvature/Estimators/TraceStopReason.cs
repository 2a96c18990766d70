namespace Curvature.Estimators;

/// <summary>Why a trace estimator stopped.</summary>
public enum TraceStopReason
{
    /// <summary>Fixed-budget mode: the requested number of products was spent.</summary>
    BudgetSpent,

    /// <summary>Target mode: the relative standard error SE/|estimate| reached the target.</summary>
    TargetReached,

    /// <summary>Target mode: the maximum budget was spent before the target was reached; the estimate is the
    /// best available but its relative standard error is above the target.</summary>
    BudgetExhaustedBeforeTarget,
}
