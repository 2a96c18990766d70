namespace Curvature.Tests.Estimators;

/// <summary>The test helper's Student-t coverage against closed forms.</summary>
public class MonteCarloTests
{
    [Theory]
    [InlineData(1, 0.70483276469913345)]     // Cauchy: (2/π)·atan 2
    [InlineData(2, 0.81649658092772603)]     // ν = 2: t/√(t² + 2) = 2/√6
    [InlineData(100_000, 0.95449973610364158)] // → normal: erf(√2)
    public void StudentTCoverageMatchesClosedForms(int dof, double expected) =>
        // Simpson with 2·10⁴ panels on a smooth integrand: error ~1e-12; ν = 10⁵ differs from the normal limit by ~1e-6.
        Assert.Equal(expected, MonteCarlo.StudentTCoverage(2, dof), dof > 1000 ? 1e-5 : 1e-9);
}
