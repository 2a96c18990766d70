using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Data;

/// <summary>The mean and standard deviation that a <see cref="Standardization"/> subtracts and divides by, computed
/// on one data set (typically the training data) and applicable to any data set of the same feature shape. Owns its
/// tensors; dispose it to free them.</summary>
/// <remarks>
/// Definitions, all in float64 whatever the data's dtype: for data x of shape [n, …] the mean is m = (1/n)Σᵢ xᵢ and
/// the standard deviation is the population one, s = √((1/n)Σᵢ (xᵢ − m)²) (divisor n, not n − 1), so that the
/// standardised data itself has mean exactly 0 and mean square exactly 1 up to rounding. Global takes the sums over
/// every value (m and s are scalars); PerPixel takes them over the examples for each feature position (m and s have
/// the feature shape, the data's shape without its first axis).
/// A position (or, for Global, the whole data set) whose values are all equal has s = 0 and is only centred: its
/// divisor is 1 and its mean is set to that common value exactly, so it standardises to exact zeros. Constancy is
/// decided exactly (maximum = minimum), not by a threshold on a rounded s; a position with any variation, however
/// small, is divided by its s.
/// </remarks>
public sealed class StandardizationStatistics : IDisposable
{
    readonly Tensor divisor;

    StandardizationStatistics(Standardization mode, Tensor mean, Tensor std, Tensor divisor, long[] featureShape)
    {
        Mode = mode;
        Mean = mean;
        Std = std;
        this.divisor = divisor;
        FeatureShape = featureShape;
    }

    /// <summary>The standardisation these statistics implement.</summary>
    public Standardization Mode { get; }

    /// <summary>m, float64: a scalar (shape []) for None (0) and Global; the feature shape for PerPixel.</summary>
    public Tensor Mean { get; }

    /// <summary>s, the population standard deviation, float64, shaped like <see cref="Mean"/> (1 for None); 0 where
    /// the data were constant.</summary>
    public Tensor Std { get; }

    /// <summary>The shape of one example in the data the statistics were computed on (the data's shape without its
    /// first axis). PerPixel statistics apply only to data of this feature shape; Global and None to any.</summary>
    public IReadOnlyList<long> FeatureShape { get; }

    /// <summary>Computes the statistics of <paramref name="data"/> [n, …] (n ≥ 1, floating-point) for
    /// <paramref name="mode"/>. The data are not changed.</summary>
    /// <exception cref="ArgumentException">The data are not floating-point, have no examples axis, no values, or
    /// contain a NaN or infinity.</exception>
    public static StandardizationStatistics Compute(Tensor data, Standardization mode)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data, nameof(data));
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown standardisation");
        var featureShape = data.shape[1..];
        using var scope = NewDisposeScope();
        var x = data.to_type(ScalarType.Float64);
        if (!isfinite(x).all().item<bool>())
            throw new ArgumentException("the data contain a NaN or an infinity; standardisation statistics would be meaningless", nameof(data));
        Tensor mean, std, div;
        switch (mode)
        {
            case Standardization.None:
                mean = tensor(0.0, ScalarType.Float64);
                std = tensor(1.0, ScalarType.Float64);
                div = tensor(1.0, ScalarType.Float64);
                break;
            case Standardization.Global:
                (mean, std, div) = Moments(x.reshape(-1, 1), dim: 0);
                mean = mean.reshape([]);
                std = std.reshape([]);
                div = div.reshape([]);
                break;
            default:
                (mean, std, div) = Moments(x, dim: 0);
                break;
        }
        return new StandardizationStatistics(mode, mean.MoveToOuterDisposeScope(), std.MoveToOuterDisposeScope(),
            div.MoveToOuterDisposeScope(), featureShape);
    }

    /// <summary>Computes the statistics of <paramref name="data"/> and applies them to it: the usual call for a
    /// training set. The caller owns both results.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Compute"/>.</exception>
    public static (Tensor Standardized, StandardizationStatistics Statistics) Standardize(Tensor data, Standardization mode)
    {
        var statistics = Compute(data, mode);
        try { return (statistics.Apply(data), statistics); }
        catch { statistics.Dispose(); throw; }
    }

    /// <summary>Returns (x − m)/s' for <paramref name="data"/> [n', …] — s' = s where s &gt; 0 and 1 where the data
    /// the statistics came from were constant — computed in float64 and returned as a new tensor of the data's
    /// dtype; None returns a copy. The data are not changed.</summary>
    /// <exception cref="ArgumentException">The data are not floating-point or have no examples axis, or (PerPixel)
    /// their feature shape differs from <see cref="FeatureShape"/>.</exception>
    public Tensor Apply(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data, nameof(data), allowEmpty: true);
        if (Mode == Standardization.PerPixel && !data.shape[1..].SequenceEqual(FeatureShape))
            throw new ArgumentException(
                $"per-pixel statistics were computed for examples of shape [{string.Join(", ", FeatureShape)}]; the data have [{string.Join(", ", data.shape[1..])}]",
                nameof(data));
        using var scope = NewDisposeScope();
        var result = Mode == Standardization.None
            ? data.clone()
            : data.to_type(ScalarType.Float64).sub(Mean).div_(divisor).to_type(data.dtype);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Frees the statistics' tensors.</summary>
    public void Dispose()
    {
        Mean.Dispose();
        Std.Dispose();
        divisor.Dispose();
    }

    // Two-pass moments along dim 0 (mean first, then the mean squared deviation: no cancellation as in E[x²] − m²).
    static (Tensor Mean, Tensor Std, Tensor Divisor) Moments(Tensor x, long dim)
    {
        var constant = x.amax(dim).eq(x.amin(dim));
        var mean = where(constant, x.select(dim, 0), x.mean([dim]));
        var std = where(constant, zeros_like(mean), x.sub(mean).pow_(2).mean([dim]).sqrt_());
        var divisor = where(constant, ones_like(std), std);
        return (mean, std, divisor);
    }

    static void CheckData(Tensor data, string name, bool allowEmpty = false)
    {
        if (!is_floating_point(data))
            throw new ArgumentException($"standardisation needs floating-point data; got {data.dtype}", name);
        if (data.dim() < 1)
            throw new ArgumentException("the data need an examples axis: shape [n, …]; got a scalar", name);
        if (!allowEmpty && data.numel() < 1)
            throw new ArgumentException($"statistics need at least one value; the data have shape [{string.Join(", ", data.shape)}]", name);
    }
}
