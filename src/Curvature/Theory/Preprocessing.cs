namespace Curvature.Theory;

/// <summary>Input preprocessing for the linear-neuron lab (Efficient BackProp 1998, §4.3: shift inputs to
/// zero mean, scale them to equal variance, decorrelate them). Statistics come from the same samples.</summary>
public enum Preprocessing
{
    /// <summary>Raw inputs: R is the uncentred second-moment matrix, with the N m² + v outlier when m ≠ 0.</summary>
    None,

    /// <summary>Subtract each input's sample mean: removes the mean outlier.</summary>
    Center,

    /// <summary>Centre, then divide each input by its sample standard deviation (constant inputs stay 0).</summary>
    Standardize,

    /// <summary>Centre, then map the sample covariance to the identity on its non-null space (ZCA).</summary>
    Whiten,
}

/// <summary>The lower-case names of <see cref="Preprocessing"/> used on the command line and in records.</summary>
public static class PreprocessingNames
{
    /// <summary>All modes in canonical order: none, center, standardize, whiten.</summary>
    public static IReadOnlyList<Preprocessing> All { get; } =
        [Preprocessing.None, Preprocessing.Center, Preprocessing.Standardize, Preprocessing.Whiten];

    /// <summary>"none", "center", "standardize" or "whiten".</summary>
    public static string ToName(this Preprocessing mode) => mode switch
    {
        Preprocessing.None => "none",
        Preprocessing.Center => "center",
        Preprocessing.Standardize => "standardize",
        Preprocessing.Whiten => "whiten",
        _ => throw new ArgumentException($"unknown preprocessing value {(int)mode}", nameof(mode)),
    };

    /// <summary>Parses a name (case-insensitive); throws <see cref="ArgumentException"/> naming the valid choices.</summary>
    public static Preprocessing Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var mode in All)
            if (string.Equals(mode.ToName(), name.Trim(), StringComparison.OrdinalIgnoreCase))
                return mode;
        throw new ArgumentException($"unknown preprocessing '{name}'; expected one of: none, center, standardize, whiten", nameof(name));
    }
}
