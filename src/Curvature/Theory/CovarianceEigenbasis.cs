using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Theory;

/// <summary>
/// Dense float64 eigendecomposition of R = (1/p) XᵀX: all N eigenvalues (descending) and, on request, the
/// eigenvectors of the non-null ones. For p &lt; N it decomposes the p×p Gram matrix G = (1/p) XXᵀ instead
/// (same non-zero eigenvalues; R's eigenvectors are Xᵀu/√(pλ) for G u = λ u) and appends the N − p zeros.
/// </summary>
internal sealed class CovarianceEigenbasis : IDisposable
{
    CovarianceEigenbasis(string method, double[] eigenvalues, int nonNull, Tensor? vectors)
    {
        Method = method;
        Eigenvalues = eigenvalues;
        NonNullCount = nonNull;
        Vectors = vectors;
    }

    public string Method { get; }

    /// <summary>All N eigenvalues, descending.</summary>
    public double[] Eigenvalues { get; }

    /// <summary>r: how many eigenvalues exceed the zero threshold (they are Eigenvalues[0..r)).</summary>
    public int NonNullCount { get; }

    /// <summary>[N, r] orthonormal eigenvectors of the non-null eigenvalues, in the same order; null when not requested.</summary>
    public Tensor? Vectors { get; }

    /// <summary>Decomposes R for a validated float64 X [p, N]; min(p, N) must not exceed
    /// <see cref="ExactSpectrum.MaxDenseDimension"/>.</summary>
    public static CovarianceEigenbasis Compute(Tensor x, bool withVectors)
    {
        long p = x.shape[0], n = x.shape[1];
        ExactSpectrum.CheckDenseSize(p, n);
        using var scope = NewDisposeScope();
        bool gram = p < n;
        var m = gram ? x.matmul(x.T) : x.T.matmul(x);
        m = m.add_(m.T.clone()).div_(2.0 * p); // symmetric to the last bit; eigh reads one triangle
        Tensor values, vectors = null!;
        if (withVectors) (values, vectors) = linalg.eigh(m);
        else values = linalg.eigvalsh(m);
        var descending = values.flip(0).data<double>().ToArray();
        var all = new double[n];
        Array.Copy(descending, all, descending.Length); // for p < N the remaining N − p stay exactly 0
        double threshold = Tolerances.ZeroEigenvalueRelative * Math.Max(all[0], 0.0);
        int nonNull = all[0] > 0 ? all.Count(v => v > threshold) : 0;
        Tensor? basis = null;
        if (withVectors)
        {
            var top = vectors.flip(1)[.., TensorIndex.Slice(0, nonNull)];
            if (gram)
            {
                var lambdas = tensor(all[..nonNull], dtype: ScalarType.Float64);
                top = x.T.matmul(top).div_(lambdas.mul(p).sqrt().unsqueeze(0));
            }
            basis = top.contiguous().MoveToOuterDisposeScope();
        }
        string method = gram
            ? $"dense eigh of the {p}×{p} Gram matrix (1/p)XXᵀ plus {n - p} exact zeros (float64)"
            : $"dense eigh of the {n}×{n} matrix (1/p)XᵀX (float64)";
        return new CovarianceEigenbasis(method, all, nonNull, basis);
    }

    public void Dispose() => Vectors?.Dispose();
}
