using System.Text.Json.Nodes;
using Curvature.Tests.Support;

namespace Curvature.Verification.Cli;

/// <summary>
/// The study — training two arms, curvature, per-layer and smoothness probes and every BatchNorm mode at each
/// checkpoint, the linear lab — run twice as separate processes at the same time gives the same record, field for
/// field and bit for bit, outside the clock (<see cref="RepeatedRuns.TimingFields"/>); another seed changes it. About
/// 20 s per run on 2 cores, hence here rather than in the default suite (whose DeterminismTests cover the other verbs).
/// </summary>
public sealed class StudyDeterminismTests
{
    static readonly string[] Args =
    [
        "study", "--hidden", "8", "--samples", "200", "--held-out", "50", "--analysis-samples", "64", "--steps", "10",
        "--checkpoints", "0,10", "--arms", "none,batch", "--init-scales", "none", "--probes", "2", "--lanczos-steps", "8",
        "--top", "3", "--out", "out",
    ];

    [Fact]
    public void StudyRunsAreBitIdentical()
    {
        var root = Directory.CreateTempSubdirectory("curvature-study-determinism-");
        try
        {
            var same = RepeatedRuns.Run(Path.Combine(root.FullName, "same"), 2, null, Args);
            var other = RepeatedRuns.Run(Path.Combine(root.FullName, "other"), 1, null, [.. Args, "--seed", "1"]);
            string json = Path.Combine("out", "study.json");
            var record = RepeatedRuns.AssertIdentical(same, json);

            var run = record["run"]!;
            Assert.StartsWith("curvature study ", (string?)run["command"]);
            Assert.Matches(@"^\d+\.\d+\.\d+.*\+[0-9a-f]{40}", (string?)run["curvature_version"]);
            Assert.True((int)run["torch_threads"]! >= 1);
            Assert.Matches("^[0-9a-f]{64}$", (string?)record["config"]!["data_sha256"]);
            // Each arm names the BatchNorm mode its curvature was measured in.
            foreach (var arm in record["arms"]!.AsArray())
                Assert.False(string.IsNullOrWhiteSpace((string?)arm!["analysis_mode"]));

            Assert.True(other[0].ExitCode == 0, other[0].ToString());
            var differences = RepeatedRuns.Differences(record, other[0].Record(json), RepeatedRuns.TimingFields);
            Assert.Contains(differences, d => d.StartsWith("/config/seed", StringComparison.Ordinal));
            Assert.True(differences.Count(d => d.StartsWith("/arms/", StringComparison.Ordinal)) > 5, "another seed left the arms unchanged");
        }
        finally
        {
            try { root.Delete(recursive: true); } catch (IOException) { }
        }
    }
}
