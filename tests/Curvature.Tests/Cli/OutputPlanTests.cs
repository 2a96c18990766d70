using System.Text;
using Curvature.Cli;
using Curvature.Cli.Output;
using Curvature.Tests.Data;

namespace Curvature.Tests.Cli;

/// <summary>
/// <see cref="OutputPlan.Commit"/> is all-or-nothing: every file is staged (written in full and flushed) before any is
/// renamed into place, and a failure at any point — a full disk while staging, a rename that fails — leaves the output
/// exactly as it was: no new file, no temporary file, no directory the commit created, existing files byte for byte.
/// A full disk is simulated with <see cref="OutputPlan.SimulateDiskFull"/> (scoped to the test's call chain).
/// </summary>
public sealed class OutputPlanTests
{
    const int Files = 10, FileBytes = 1000;

    /// <summary>Ten files of 1,000 bytes: four in the root (two of which exist before), six in nested folders that do not.</summary>
    static OutputPlan Plan(string root, string tag)
    {
        var plan = new OutputPlan();
        for (int i = 0; i < Files; i++)
        {
            string path = i < 4 ? Path.Combine(root, $"f{i}.txt") : Path.Combine(root, "figures", i < 7 ? "a" : "b", $"f{i}.txt");
            plan.Add(path, Encoding.ASCII.GetBytes(new string((char)('a' + i), FileBytes - tag.Length) + tag));
        }
        return plan;
    }

    static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(p => Path.GetRelativePath(root, p), File.ReadAllBytes);

    static string[] Entries(string root) =>
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToArray();

    static void AssertUnchanged(string root, Dictionary<string, byte[]> before, string[] entries)
    {
        Assert.Equal(entries, Entries(root));
        foreach (var (path, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(root, path)));
    }

    [Fact]
    public void CommitWritesEveryFileAndNoTemporaryFile()
    {
        using var temp = new TempDirectory();
        Plan(temp.Path, "new").Commit();
        var files = Snapshot(temp.Path);
        Assert.Equal(Files, files.Count);
        Assert.All(files.Values, b => Assert.Equal(FileBytes, b.Length));
        Assert.DoesNotContain(Entries(temp.Path), e => Path.GetFileName(e).StartsWith('.'));
    }

    /// <summary>The disk fills up while staging the 5th, 8th or last file, or right at the first byte: nothing
    /// changes, whichever it is.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(4 * FileBytes + 10)]
    [InlineData(7 * FileBytes + 999)]
    [InlineData(Files * FileBytes - 1)]
    public void DiskFullWhileStagingLeavesEverythingAsItWas(long bytes)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("f1.txt"), "old one");
        File.WriteAllText(temp.Combine("f3.txt"), "old three");
        File.WriteAllText(temp.Combine("unrelated.txt"), "keep me");
        var before = Snapshot(temp.Path);
        var entries = Entries(temp.Path);

        IOException e;
        using (OutputPlan.SimulateDiskFull(bytes))
            e = Assert.Throws<IOException>(() => Plan(temp.Path, "new").Commit());

        Assert.Contains("disk full?", e.Message);
        Assert.Contains("nothing was written", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        AssertUnchanged(temp.Path, before, entries);
    }

    [Fact]
    public void EnoughSpaceIsNotAFailure()
    {
        using var temp = new TempDirectory();
        using (OutputPlan.SimulateDiskFull(Files * FileBytes))
            Plan(temp.Path, "new").Commit();
        Assert.Equal(Files, Snapshot(temp.Path).Count);
    }

    /// <summary>A failure after some files were already renamed into place (the 8th target is a directory, so its rename
    /// fails): the renamed ones are rolled back and the files they replaced restored.</summary>
    [Fact]
    public void FailedRenameRollsBackTheRenamedFiles()
    {
        using var temp = new TempDirectory();
        Plan(temp.Path, "old").Commit();
        string blocker = Path.Combine(temp.Path, "figures", "b", "f7.txt");
        File.Delete(blocker);
        Directory.CreateDirectory(blocker);
        var before = Snapshot(temp.Path);
        var entries = Entries(temp.Path);

        var e = Assert.Throws<IOException>(() => Plan(temp.Path, "new").Commit());

        Assert.Contains("f7.txt", e.Message);
        AssertUnchanged(temp.Path, before, entries);
    }

    [Fact]
    public void ReplacesExistingFilesWhenItSucceeds()
    {
        using var temp = new TempDirectory();
        Plan(temp.Path, "old").Commit();
        Plan(temp.Path, "new").Commit();
        Assert.All(Snapshot(temp.Path).Values, b => Assert.EndsWith("new", Encoding.ASCII.GetString(b)));
        Assert.Equal(Files, Entries(temp.Path).Count(e => e.EndsWith(".txt", StringComparison.Ordinal)));
    }

    /// <summary>The command line: a full disk while writing the figures of <c>curvature linear</c> is one line, exit code 1,
    /// and neither the --out directory nor the --json file appears; a second run over an earlier run's output leaves
    /// that output byte for byte.</summary>
    [Fact]
    public void CliReportsDiskFullInOneLineAndWritesNothing()
    {
        using var temp = new TempDirectory();
        string data = BadInputProcess.WriteSplit(temp.Combine("data"));
        string outDir = temp.Combine("out"), json = temp.Combine("record.json");
        string[] args = ["linear", "--dataset", "fashion-mnist", "--data", data, "--out", outDir, "--json", json];

        CliOutcome failed;
        using (OutputPlan.SimulateDiskFull(50_000))
            failed = CliRunner.Run(args);
        Assert.True(failed.ExitCode == ExitCodes.Failure, failed.ToString());
        Assert.Equal("", failed.Stdout);
        string line = Assert.Single(failed.StderrLines);
        Assert.StartsWith("curvature: could not write output: ", line);
        Assert.EndsWith("no space left on device (disk full?); nothing was written", line);
        Assert.False(Directory.Exists(outDir));
        Assert.False(File.Exists(json));
        Assert.Equal(["data", Path.Combine("data", BadInputProcess.Images), Path.Combine("data", BadInputProcess.Labels)], Entries(temp.Path));

        Assert.Equal(ExitCodes.Ok, CliRunner.Run(args).ExitCode);
        var before = Snapshot(temp.Path);
        var entries = Entries(temp.Path);
        using (OutputPlan.SimulateDiskFull(50_000))
            Assert.Equal(ExitCodes.Failure, CliRunner.Run(args).ExitCode);
        AssertUnchanged(temp.Path, before, entries);
    }
}
