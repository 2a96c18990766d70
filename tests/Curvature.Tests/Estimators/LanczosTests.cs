using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public sealed class LanczosTests
{
    /// <summary>Orthogonality and the Lanczos relation hold to float64 round-off times the number of steps
    /// (Paige 1976: ‖AQᵀ − QᵀT − f eₘᵀ‖ ≤ O(m ε ‖A‖) with full reorthogonalization).</summary>
    const double RoundOff = 1e-11;

    static readonly double[] Planted = PlantedSpectrum.BulkWithOutliers(120, [-3.0, 6.0, 9.0, 15.0], seed: 21)
        .Select((x, i) => i == 0 ? -2.0 : x).ToArray(); // a bulk in [−0.2, 1], outliers 6, 9, 15 and negatives −3, −2

    static DenseOperator PlantedOperator(long seed = 22)
    {
        using var m = PlantedSpectrum.Matrix(Planted, seed);
        return new DenseOperator(m);
    }

    static double[] Sorted(double[] values) => values.OrderBy(x => x).ToArray();

    [Fact]
    public void SatisfiesTheLanczosRelationAndStaysOrthogonal()
    {
        using var scope = NewDisposeScope();
        using var a = PlantedOperator();
        using var gen = new Generator(1);
        using var run = Lanczos.Run(a, new LanczosOptions(40), gen);
        int m = run.Steps;
        var q = run.Basis!;                                      // [m, n]
        var t = zeros(m, m, dtype: ScalarType.Float64);
        for (int i = 0; i < m; i++)
        {
            t[i, i] = run.Alpha[i];
            if (i + 1 < m) { t[i, i + 1] = run.Beta[i]; t[i + 1, i] = run.Beta[i]; }
        }
        var residual = a.Matrix.matmul(q.T) - q.T.matmul(t);   // = β_m q_{m+1} e_mᵀ
        double norm = a.Matrix.abs().max().item<double>() * a.Size;
        Assert.True(residual[.., TensorIndex.Slice(0, m - 1)].abs().max().item<double>() < RoundOff * norm);
        Assert.Equal(run.Beta[m - 1], residual[.., m - 1].norm().item<double>(), 1e-10);
        var gram = q.matmul(q.T) - eye(m, dtype: ScalarType.Float64);
        Assert.True(gram.abs().max().item<double>() < RoundOff);
        Assert.Equal(1.0, run.Weights.Sum(), 12);
    }

    [Fact]
    public void RecoversTheWholeSpectrumAtMEqualsN()
    {
        using var scope = NewDisposeScope();
        var spectrum = PlantedSpectrum.BulkWithOutliers(60, [4.0, 7.0], seed: 3);
        using var m = PlantedSpectrum.Matrix(spectrum, 4);
        using var a = new DenseOperator(m);
        using var gen = new Generator(2);
        using var run = Lanczos.Run(a, new LanczosOptions(60), gen);
        var exact = Sorted(spectrum);
        for (int i = 0; i < 60; i++)
            Assert.True(Math.Abs(run.RitzValues[i] - exact[i]) < RoundOff * 7.0, $"θ_{i} = {run.RitzValues[i]} vs λ = {exact[i]}");
    }

    [Fact]
    public void StopsCleanlyOnBreakdownWithExactEigenvalues()
    {
        using var scope = NewDisposeScope();
        // 5 distinct eigenvalues, each repeated: the Krylov space of any start vector has dimension 5.
        double[] distinct = [-1.0, 0.5, 2.0, 3.0, 8.0];
        var spectrum = Enumerable.Range(0, 50).Select(i => distinct[i % 5]).ToArray();
        using var m = PlantedSpectrum.Matrix(spectrum, 5);
        using var a = new DenseOperator(m);
        using var gen = new Generator(3);
        using var run = Lanczos.Run(a, new LanczosOptions(20), gen);
        Assert.Equal(5, run.Steps);
        Assert.True(run.InvariantSubspaceFound);
        Assert.Equal([5], run.Breakdowns);
        for (int i = 0; i < 5; i++) Assert.Equal(distinct[i], run.RitzValues[i], 10);
        Assert.All(run.ResidualBounds, r => Assert.Equal(0.0, r));
    }

    [Fact]
    public void ContinuesAfterBreakdownWhenAsked()
    {
        using var scope = NewDisposeScope();
        double[] distinct = [1.0, 2.0, 3.0];
        var spectrum = Enumerable.Range(0, 12).Select(i => distinct[i % 3]).ToArray();
        using var m = PlantedSpectrum.Matrix(spectrum, 6);
        using var a = new DenseOperator(m);
        using var gen = new Generator(4);
        using var run = Lanczos.Run(a, new LanczosOptions(12, ContinueAfterBreakdown: true), gen);
        Assert.Equal(12, run.Steps);
        Assert.Equal(Sorted(spectrum), run.RitzValues.Select(x => Math.Round(x, 9)).ToArray());
    }

    [Fact]
    public void WithoutReorthogonalizationGhostsAppearAndAreFlagged()
    {
        using var scope = NewDisposeScope();
        // Well separated top eigenvalues converge early; running far past convergence without
        // reorthogonalization makes them reappear (Paige 1971).
        var spectrum = Enumerable.Range(0, 200).Select(i => i / 200.0).Concat([3.0, 5.0, 10.0]).ToArray();
        using var m = PlantedSpectrum.Matrix(spectrum, 7);
        using var a = new DenseOperator(m);
        using var gen = new Generator(5);
        using var plain = Lanczos.Run(a, new LanczosOptions(150, Reorthogonalization.None), gen);
        int copiesOfTop = plain.RitzValues.Count(x => Math.Abs(x - 10.0) < 1e-6);
        Assert.True(copiesOfTop >= 2, $"expected ghost copies of λ = 10, found {copiesOfTop}");
        Assert.NotEmpty(plain.Ghosts);
        Assert.All(plain.Ghosts, g => Assert.Contains(spectrum, x => Math.Abs(x - plain.RitzValues[g]) < 1e-6));
        // After removing flagged ghosts, each outlier appears exactly once.
        var kept = plain.RitzValues.Where((x, i) => !plain.Ghosts.Contains(i)).ToArray();
        var dump = string.Join(", ", plain.RitzValues.Select((x, i) => $"{x:G12}{(plain.Ghosts.Contains(i) ? "*" : "")}:{plain.ResidualBounds[i]:G2}").Where(s => !s.StartsWith("0")));
        foreach (var outlier in new[] { 3.0, 5.0, 10.0 })
            Assert.True(1 == kept.Count(x => Math.Abs(x - outlier) < 1e-6), dump);

        using var gen2 = new Generator(5);
        using var full = Lanczos.Run(a, new LanczosOptions(150), gen2);
        Assert.Equal(1, full.RitzValues.Count(x => Math.Abs(x - 10.0) < 1e-6));
        Assert.Empty(full.Ghosts);
    }

    [Fact]
    public void SelectiveReorthogonalizationKeepsSemiOrthogonalityAndNoGhosts()
    {
        using var scope = NewDisposeScope();
        var spectrum = Enumerable.Range(0, 200).Select(i => i / 200.0).Concat([3.0, 5.0, 10.0]).ToArray();
        using var m = PlantedSpectrum.Matrix(spectrum, 7);
        using var a = new DenseOperator(m);
        using var gen = new Generator(5);
        using var run = Lanczos.Run(a, new LanczosOptions(150, Reorthogonalization.Selective), gen);
        var q = run.Basis!;
        double loss = (q.matmul(q.T) - eye(run.Steps, dtype: ScalarType.Float64)).abs().max().item<double>();
        Assert.True(loss < 1e-7, $"orthogonality lost to {loss:G3}"); // semi-orthogonality: O(√ε) ≈ 1.5e-8, with margin
        Assert.True(run.Reorthogonalizations < run.Steps, "selective mode reorthogonalized every step");
        Assert.Empty(run.Ghosts);
        Assert.Equal(1, run.RitzValues.Count(x => Math.Abs(x - 10.0) < 1e-6));
    }

    [Theory]
    [InlineData(EigenvalueOrder.LargestAlgebraic, new[] { 15.0, 9.0, 6.0 })]
    [InlineData(EigenvalueOrder.SmallestAlgebraic, new[] { -3.0, -2.0 })]
    [InlineData(EigenvalueOrder.LargestMagnitude, new[] { 15.0, 9.0, 6.0, -3.0 })]
    public void TopEigenpairsMeetTheirPlantedValues(EigenvalueOrder order, double[] expected)
    {
        using var scope = NewDisposeScope();
        using var a = PlantedOperator();
        using var gen = new Generator(6);
        using var pairs = TopEigenpairs.Compute(a, expected.Length, order, gen);
        Assert.True(pairs.AllConverged);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(pairs.Values[i] - expected[i]) <= 1e-8 * Math.Abs(expected[i]), $"λ_{i} = {pairs.Values[i]} vs {expected[i]}");
        // Eigenvectors: residual and alignment with the exact eigenvectors.
        var (values, vectors) = linalg.eigh(a.Matrix);
        var exactValues = values.data<double>().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            int j = Array.FindIndex(exactValues, x => Math.Abs(x - expected[i]) < 1e-9);
            double cosine = Math.Abs(vectors[.., j].dot(pairs.Vectors![.., i]).item<double>());
            Assert.True(cosine > 1 - 1e-10, $"|cos| = {cosine}");
            Assert.True(pairs.Residuals[i] <= 1e-8 * 15.0);
        }
    }

    [Fact]
    public void TopEigenpairsRejectBadArguments()
    {
        using var a = PlantedOperator();
        using var gen = new Generator(7);
        Assert.Throws<ArgumentOutOfRangeException>(() => TopEigenpairs.Compute(a, 0, EigenvalueOrder.LargestAlgebraic, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopEigenpairs.Compute(a, 121, EigenvalueOrder.LargestAlgebraic, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lanczos.Run(a, new LanczosOptions(0), gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lanczos.Run(a, new LanczosOptions(121), gen));
        using var zero = zeros(120, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => Lanczos.Run(a, zero, new LanczosOptions(5)));
        using var wrong = ones(7, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => Lanczos.Run(a, wrong, new LanczosOptions(5)));
    }

    [Fact]
    public void LeaveNoLiveTensors()
    {
        using var a = PlantedOperator();
        using var gen = new Generator(8);
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var r = Lanczos.Run(a, new LanczosOptions(30), gen); }));
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var r = Lanczos.Run(a, new LanczosOptions(30, Reorthogonalization.None), gen); }));
        Assert.Equal(0, LiveTensors.LeakedBy(() => { using var r = Lanczos.Run(a, new LanczosOptions(30, Reorthogonalization.Selective), gen); }));
        long leak = LiveTensors.LeakedBy(() => { using var p = TopEigenpairs.Compute(a, 3, EigenvalueOrder.LargestAlgebraic, gen); });
        Assert.True(leak == 0, $"leaked {leak}: {DisposeScopeManager.Statistics}");
    }
}
