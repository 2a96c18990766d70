namespace Curvature.Estimators;

/// <summary>Which end of the spectrum an eigensolver returns.</summary>
public enum EigenvalueOrder
{
    /// <summary>The k largest λ (the outliers of a Hessian).</summary>
    LargestAlgebraic,
    /// <summary>The k smallest λ (the most negative curvature).</summary>
    SmallestAlgebraic,
    /// <summary>The k largest |λ|.</summary>
    LargestMagnitude,
}
