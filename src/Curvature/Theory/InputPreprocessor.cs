using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Theory;

/// <summary>
/// Applies a <see cref="Preprocessing"/> mode to samples X [p, N] (rows are samples), with statistics taken
/// from the same samples and population (1/p) normalisation, so that R = (1/p) XᵀX of the result is exactly
/// the sample covariance (center), the sample correlation matrix (standardize) or a projector (whiten).
/// </summary>
public static class InputPreprocessor
{
    /// <summary>
    /// An input is treated as constant (zero variance, e.g. an always-black pixel) when its standard deviation is
    /// at most this times its largest magnitude. The sample mean of p equal floats is off by at most ~p·ε relative
    /// (1e-11 at p = 60 000), so the centred column of a constant input is round-off of that size; genuine
    /// variation in data quantised to 1/255 is ≥ 1/(255 √p) ≈ 1.6e-5 at p = 60 000 — far above 1e-10.
    /// </summary>
    public const double ConstantInputRelative = 1e-10;

    /// <summary>
    /// Returns a new float64 tensor [p, N]:
    /// <list type="bullet">
    /// <item><description><see cref="Preprocessing.None"/>: a float64 copy of X.</description></item>
    /// <item><description><see cref="Preprocessing.Center"/>: x_ui − x̄_i, with x̄_i = (1/p) Σ_u x_ui.</description></item>
    /// <item><description><see cref="Preprocessing.Standardize"/>: (x_ui − x̄_i) / s_i with s_i² = (1/p) Σ_u (x_ui − x̄_i)²;
    /// inputs with zero variance (see <see cref="ConstantInputRelative"/>) are set to 0 rather than divided by ~0.</description></item>
    /// <item><description><see cref="Preprocessing.Whiten"/>: ZCA whitening of the centred Xc = U S Vᵀ (thin SVD):
    /// √p · U_r V_rᵀ over the r singular values with s_i² &gt; <see cref="Tolerances.ZeroEigenvalueRelative"/>·s_max²,
    /// so (1/p) XᵀX becomes V_r V_rᵀ — the identity on the non-null space of the covariance; null directions stay
    /// 0. Equivalent to Xc C^{-1/2} with the covariance C = (1/p) XcᵀXc inverted on its range.</description></item>
    /// </list>
    /// The caller disposes the result; X is not modified.
    /// </summary>
    public static Tensor Apply(Tensor samples, Preprocessing mode)
    {
        var name = mode.ToName(); // validates the enum value
        using var scope = NewDisposeScope();
        var x = SampleChecks.Samples(samples, nameof(samples));
        var result = mode switch
        {
            Preprocessing.None => x,
            Preprocessing.Center => Center(x),
            Preprocessing.Standardize => Standardize(x),
            Preprocessing.Whiten => Whiten(x),
            _ => throw new ArgumentException($"unknown preprocessing {name}", nameof(mode)),
        };
        return result.MoveToOuterDisposeScope();
    }

    static Tensor Center(Tensor x) => x - x.mean([0L], keepdim: true);

    static Tensor Standardize(Tensor x)
    {
        var centred = Center(x);
        var std = centred.square().mean([0L], keepdim: true).sqrt();
        var scale = x.abs().amax([0L], keepdim: true);
        var constant = std.le(scale.mul(ConstantInputRelative));
        var safeStd = std.masked_fill(constant, 1.0);
        return centred.div(safeStd).masked_fill(constant, 0.0);
    }

    static Tensor Whiten(Tensor x)
    {
        long p = x.shape[0];
        var centred = Center(x);
        var (u, s, vh) = linalg.svd(centred, fullMatrices: false);
        double sMax = s.max().item<double>();
        if (sMax == 0) return zeros_like(centred); // every input constant: nothing to whiten
        long rank = s.square().gt(Tolerances.ZeroEigenvalueRelative * sMax * sMax).sum().item<long>();
        var ur = u[.., TensorIndex.Slice(0, rank)];
        var vr = vh[TensorIndex.Slice(0, rank), ..];
        return ur.matmul(vr).mul_(Math.Sqrt(p));
    }
}
