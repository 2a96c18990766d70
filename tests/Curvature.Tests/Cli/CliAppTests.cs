namespace Curvature.Tests.Cli;

/// <summary>Errors the parser finds before any verb runs.</summary>
public sealed class CliAppTests
{
    [Fact]
    public void An_unknown_verb_is_named_not_reported_as_a_missing_command()
    {
        string line = CliRunner.Run("quadratic", "--top", "3").AssertRejectedInOneLine("'quadratic'");
        Assert.Contains("Unrecognized command or argument", line);
        Assert.Contains("(see 'curvature --help')", line);
    }

    [Fact]
    public void An_unknown_option_points_at_its_verbs_help()
    {
        string line = CliRunner.Run("hessian", "--bogus").AssertRejectedInOneLine("'--bogus'");
        Assert.Contains("(see 'curvature hessian --help')", line);
    }
}
