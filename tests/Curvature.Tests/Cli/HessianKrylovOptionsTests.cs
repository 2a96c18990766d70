using Curvature.Cli;
using static Curvature.Tests.Cli.HessianCli;

namespace Curvature.Tests.Cli;

/// <summary><c>--basis</c>, <c>--basis-dir</c>, <c>--reorth</c>, <c>--max-stored-vectors</c> of <c>curvature hessian</c>.</summary>
public sealed class HessianKrylovOptionsTests
{
    [Theory]
    [InlineData("--basis: unknown value 'float16'", "--basis", "float16")]
    [InlineData("--reorth: unknown value 'partial'", "--reorth", "partial")]
    [InlineData("--basis-dir is for --basis disk", "--basis-dir", "/tmp")]
    [InlineData("--max-stored-vectors bounds selective reorthogonalization", "--max-stored-vectors", "10")]
    [InlineData("--max-stored-vectors must be at least 2", "--reorth", "selective", "--max-stored-vectors", "1")]
    [InlineData("--basis-dir /proc: the basis file cannot be written there", "--basis", "disk", "--basis-dir", "/proc")]
    public void BadKrylovOptionIsOneLineAndNoOutput(string named, params string[] options)
    {
        using var temp = new TempDirectory();
        var outcome = CliRunner.Run([.. Tiny, .. options, "--json", temp.Combine("record.json"), "--out", temp.Combine("out")]);
        outcome.AssertRejectedInOneLine(named);
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
    }

    [Fact]
    public void AMissingBasisDirectoryIsOneLine()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("no", "such");
        var outcome = CliRunner.Run([.. Tiny, "--basis", "disk", "--basis-dir", missing, "--json", temp.Combine("record.json")]);
        Assert.Contains(missing, outcome.AssertRejectedInOneLine("--basis-dir"));
        Assert.Empty(TempDirectory.FilesUnder(temp.Path));
    }

    /// <summary>A float64 basis on disk changes no bit of the top eigenpairs (BasisStorageTests), so the record's
    /// eigenvalues equal the default run's exactly; the options are recorded and the basis file is gone.</summary>
    [Fact]
    public void DiskBasisGivesTheSameEigenvaluesAndIsRecorded()
    {
        using var temp = new TempDirectory();
        string dir = temp.Combine("basis");
        Directory.CreateDirectory(dir);
        var memory = Record(temp, [.. Tiny]);
        var disk = Record(temp, [.. Tiny, "--basis", "disk", "--basis-dir", dir, "--density", "--reorth", "selective", "--max-stored-vectors", "4"]);
        Assert.Equal(Doubles(memory["top_eigenvalues"]), Doubles(disk["top_eigenvalues"]));
        var krylov = disk["krylov"]!.AsObject();
        Assert.Equal("disk", (string?)krylov["basis"]);
        Assert.Equal(dir, (string?)krylov["basis_dir"]);
        Assert.Equal("selective", (string?)krylov["slq_reorth"]);
        Assert.Equal(4, (int?)krylov["max_stored_vectors"]);
        Assert.Equal("float64", (string?)memory["krylov"]!["basis"]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }
}
