using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

public class PowerIterationTests
{
    /// <summary>The acceptance level for top-k eigenvalues (issue 2): 1e-8 relative to the exact eigenvalue.</summary>
    const double EigenvalueRelative = 1e-8;

    [Theory]
    [InlineData(new[] { 5.0, 10.0, 20.0 }, new[] { 20.0, 10.0, 5.0 })]
    [InlineData(new[] { 5.0, 10.0, -20.0 }, new[] { -20.0, 10.0, 5.0 })]    // negative dominant eigenvalue
    [InlineData(new[] { -5.0, 10.0, -20.0 }, new[] { -20.0, 10.0, -5.0 })]
    public void FindsTheLargestMagnitudeEigenpairsByDeflation(double[] outliers, double[] expected)
    {
        const int n = 60;
        var spectrum = PlantedSpectrum.BulkWithOutliers(n, outliers, 7);
        using var a = PlantedSpectrum.Matrix(spectrum, 7);
        using var op = new DenseOperator(a);
        using var gen = new Generator(70);

        var result = PowerIteration.TopEigenpairs(op, 3, gen);

        var (lambda, u) = linalg.eigh(a);
        using var _lambda = lambda;
        using var _u = u;
        var exactValues = lambda.data<double>().ToArray();
        for (int j = 0; j < 3; j++)
        {
            Assert.True(result.Converged[j], $"pair {j} did not converge in {result.Iterations[j]} iterations");
            Assert.Equal(expected[j], result.Eigenvalues[j], EigenvalueRelative * Math.Abs(expected[j]));

            // The reported residual is ‖Av − θv‖ for the original A.
            using var v = tensor(result.Vectors[j], dtype: ScalarType.Float64);
            double residual = (a.matmul(v) - v * result.Eigenvalues[j]).norm().item<double>();
            Assert.Equal(residual, result.Residuals[j], 1e-12 * Math.Abs(expected[j]));

            // Davis–Kahan: sin∠(v, u) ≤ ‖Av − θv‖ / δ, δ = distance from θ to the rest of the spectrum.
            int index = Array.IndexOf(exactValues, exactValues.MinBy(x => Math.Abs(x - expected[j])));
            double gap = exactValues.Where((_, i) => i != index).Min(x => Math.Abs(x - result.Eigenvalues[j]));
            using var exactVector = u[.., index];
            // sin∠ = ‖v − (uᵀv)u‖, computed directly (1 − cos² would lose half the digits); its round-off is
            // ~n·ε ≈ 1e-14 absolute for n = 60.
            using var cosine = exactVector.dot(v);
            using var sineTensor = (v - exactVector * cosine).norm();
            double sine = sineTensor.item<double>();
            Assert.True(sine <= residual / gap + 1e-14, $"pair {j}: sin = {sine:G3}, bound {residual / gap:G3}");
        }

        // Vectors are orthonormal; the products add up.
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double dot = result.Vectors[i].Zip(result.Vectors[j], (x, y) => x * y).Sum();
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 1e-12);
            }
        Assert.Equal(result.Iterations.Sum(), result.Matvecs);
    }

    [Fact]
    public void StopsAtTheResidualTolerance()
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(40, [4.0, 8.0], 8), 8);
        using var op = new DenseOperator(a);
        using var gen = new Generator(80);
        const double tolerance = 1e-4;
        var result = PowerIteration.TopEigenpairs(op, 1, gen, relativeTolerance: tolerance);
        Assert.True(result.Converged[0]);
        Assert.True(result.Residuals[0] <= tolerance * Math.Abs(result.Eigenvalues[0]));
        // Convergence rate |λ₂/λ₁| = ½: from a random start the residual needs ~log₂(1e4) ≈ 13 steps, so a
        // tolerance of 1e-4 must stop far earlier than the 1e-8 default would (~27 steps) — not at the limit.
        Assert.InRange(result.Iterations[0], 2, 40);
    }

    [Fact]
    public void ReportsNonConvergenceAtTheIterationLimit()
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(30, [9.0, 10.0], 9), 9);
        using var op = new DenseOperator(a);
        using var gen = new Generator(90);
        // |λ₂/λ₁| = 0.9: three steps reduce the start's residual by ~0.73, nowhere near 1e-8.
        var result = PowerIteration.TopEigenpairs(op, 2, gen, maxIterations: 3);
        Assert.Equal([false, false], result.Converged);
        Assert.Equal([3, 3], result.Iterations);
        Assert.Equal(6, result.Matvecs);
        // What is returned belongs together: θ is v's Rayleigh quotient and the residual is v's, even unconverged.
        for (int j = 0; j < 2; j++)
        {
            using var v = tensor(result.Vectors[j], dtype: ScalarType.Float64);
            using var av = a.matmul(v);
            Assert.Equal(v.dot(av).item<double>(), result.Eigenvalues[j], 1e-12 * 10);
            Assert.Equal((av - v * result.Eigenvalues[j]).norm().item<double>(), result.Residuals[j], 1e-12 * 10);
        }
    }

    [Fact]
    public void PlusMinusDominantPairDoesNotConvergeAndSaysSo()
    {
        // λ = 10 and −10 both dominant: the iterate oscillates between their eigenvectors and never settles.
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(20, [-10.0, 10.0], 10), 10);
        using var op = new DenseOperator(a);
        using var gen = new Generator(100);
        var result = PowerIteration.TopEigenpairs(op, 1, gen, maxIterations: 300);
        Assert.False(result.Converged[0]);
        Assert.Equal(300, result.Iterations[0]);
    }

    [Fact]
    public void ValidatesArguments()
    {
        using var a = PlantedSpectrum.Matrix([1.0, 2.0, 3.0], 11);
        using var op = new DenseOperator(a);
        using var gen = new Generator(1);
        Assert.Throws<ArgumentNullException>(() => PowerIteration.TopEigenpairs(null!, 1, gen));
        Assert.Throws<ArgumentNullException>(() => PowerIteration.TopEigenpairs(op, 1, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerIteration.TopEigenpairs(op, 0, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerIteration.TopEigenpairs(op, 4, gen));
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerIteration.TopEigenpairs(op, 1, gen, relativeTolerance: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerIteration.TopEigenpairs(op, 1, gen, relativeTolerance: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => PowerIteration.TopEigenpairs(op, 1, gen, maxIterations: 0));
    }

    [Fact]
    public void LeavesNoLiveTensors()
    {
        using var a = PlantedSpectrum.Matrix(PlantedSpectrum.BulkWithOutliers(20, [4.0, 8.0], 12), 12);
        using var op = new DenseOperator(a);
        using var gen = new Generator(120);
        Assert.Equal(0, LiveTensors.LeakedBy(() => PowerIteration.TopEigenpairs(op, 3, gen, maxIterations: 200)));
    }
}
