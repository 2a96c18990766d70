namespace Curvature.Data;

/// <summary>How input features are standardised before analysis (LeCun, Bottou, Orr &amp; Müller, "Efficient
/// BackProp", 1998, §4.3: inputs with zero mean and equal variance condition the Hessian better — which is exactly
/// what a curvature study may want to switch on or off). Statistics come from
/// <see cref="StandardizationStatistics.Compute"/>.</summary>
public enum Standardization
{
    /// <summary>Leave the data as it is (pixels in [0, 1]).</summary>
    None,

    /// <summary>x ↦ (x − m)/s with one mean m and one standard deviation s over every value of the data set (all
    /// examples, all positions, all channels).</summary>
    Global,

    /// <summary>x_j ↦ (x_j − m_j)/s_j with a mean and standard deviation per feature position j (per pixel and
    /// channel), each over the examples; positions that are constant over the examples are only centred.</summary>
    PerPixel,
}
