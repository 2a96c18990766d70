using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Curvature.Reporting.Study;
using Curvature.Study;
using Curvature.Tests.Support;

namespace Curvature.Tests.Reporting.Study;

/// <summary>The findings are computed from the numbers: synthetic records with and without a BatchNorm effect flip every
/// verdict, a missing piece gives "not measured", the thresholds decide at their values, statements carry the numbers,
/// and every value's JSON pointer names that very number in the record the CLI writes.</summary>
public partial class StudyVerdictsTests
{
    static readonly string[] Ids = ["outliers", "gradient-concentration", "bn-mode", "centering", "init-invariance", "layer-rates", "smoothness", "linear-neuron"];

    public static TheoryData<string> FindingIds => [.. Ids];

    static Finding Get(StudySummary s, string id) => Assert.Single(s.Findings, f => f.Id == id);

    [Fact]
    public void Findings_AreTheEightClaims_InOrder() =>
        Assert.Equal(Ids, StudyVerdicts.Summarise(SyntheticStudy.Result()).Findings.Select(f => f.Id));

    [Theory]
    [MemberData(nameof(FindingIds))]
    public void Verdict_FlipsBetweenARecordWithTheEffectAndOneWithout(string id)
    {
        var with = Get(StudyVerdicts.Summarise(SyntheticStudy.Result(new() { Effect = true })), id);
        var without = Get(StudyVerdicts.Summarise(SyntheticStudy.Result(new() { Effect = false })), id);
        Assert.Equal(Verdict.Supported, with.Verdict);
        Assert.Equal(Verdict.NotSupported, without.Verdict);
        Assert.NotEqual(with.Statement, without.Statement);
    }

    public static TheoryData<string, string> MissingPieces => new()
    {
        { "bn-mode", "Modes" }, { "centering", "Centered" }, { "init-invariance", "Sweep" }, { "layer-rates", "Layers" },
        { "smoothness", "Smoothness" }, { "linear-neuron", "Linear" },
        { "outliers", "Batch" }, { "gradient-concentration", "Batch" }, { "bn-mode", "Batch" }, { "init-invariance", "None" },
    };

    static SyntheticStudySpec Without(string piece) => piece switch
    {
        "Modes" => new() { Modes = false },
        "Centered" => new() { Centered = false },
        "Sweep" => new() { Sweep = false },
        "Layers" => new() { Layers = false },
        "Smoothness" => new() { Smoothness = false },
        "Linear" => new() { Linear = false },
        "Batch" => new() { Batch = false },
        "None" => new() { None = false },
        _ => throw new ArgumentException(piece),
    };

    [Theory]
    [MemberData(nameof(MissingPieces))]
    public void MissingData_GivesNotMeasured_AndSaysSo(string id, string piece)
    {
        var f = Get(StudyVerdicts.Summarise(SyntheticStudy.Result(Without(piece))), id);
        Assert.Equal(Verdict.NotMeasured, f.Verdict);
        Assert.StartsWith("Not measured: ", f.Statement);
        // The other findings are untouched by an unrelated gap.
        if (piece is not ("Batch" or "None"))
            Assert.All(StudyVerdicts.Summarise(SyntheticStudy.Result(Without(piece))).Findings.Where(x => x.Id != id),
                x => Assert.Equal(Verdict.Supported, x.Verdict));
    }

    [Theory]
    [InlineData(14 / 1.4, Verdict.NotSupported)]  // ratio none/batch 1.4 < 1.5 at the end and in the median
    [InlineData(14 / 1.6, Verdict.Mixed)]         // 1.6 at the end, but 12.5/8.75 = 1.43 over the late checkpoints
    [InlineData(12.5 / 1.6, Verdict.Supported)]   // 1.79 at the end, 1.6 over the late checkpoints
    public void Outliers_AreDecidedByTheEffectRatio(double batchRatio, Verdict expected)
    {
        var f = Get(StudyVerdicts.Summarise(SyntheticStudy.Result(new() { BatchRatio = batchRatio })), "outliers");
        Assert.Equal(expected, f.Verdict);
    }

    [Theory]
    [InlineData(0.95 - 0.14, Verdict.Mixed)]      // λ ratio drops, f_K by only 0.14 < 0.15
    [InlineData(0.95 - 0.16, Verdict.Supported)]
    public void Centering_IsDecidedByBothThresholds(double centeredOverlap, Verdict expected)
    {
        var f = Get(StudyVerdicts.Summarise(SyntheticStudy.Result(new() { CenteredOverlap = centeredOverlap })), "centering");
        Assert.Equal(expected, f.Verdict);
        if (expected == Verdict.Mixed) Assert.Contains("leaves the gradient concentrated", f.Statement);
    }

    [Fact]
    public void Statements_CarryTheNumbers()
    {
        var s = StudyVerdicts.Summarise(SyntheticStudy.Result());
        var outliers = Get(s, "outliers");
        Assert.StartsWith("λ₁/λ₁₀ at the last checkpoint: 14 without BN, 2.5 with BN; median from step 30 on: 12.5 vs 2.5", outliers.Statement);
        Assert.Contains("BatchNorm removes the outliers", outliers.Statement);
        Assert.Contains("0.95 without BN, 0.7 with BN", Get(s, "gradient-concentration").Statement);
        Assert.Contains("a factor 10", Get(s, "bn-mode").Statement);
        Assert.Contains("is 100 without centring (predicted N m² + v = 97) and 2 after centring, a factor 50", Get(s, "linear-neuron").Statement);
        var negative = StudyVerdicts.Summarise(SyntheticStudy.Result(new() { Effect = false }));
        Assert.Contains("no clear effect in this configuration", Get(negative, "outliers").Statement);
    }

    [Fact]
    public void EveryNumberInAStatement_IsOneOfItsValues()
    {
        foreach (var spec in new SyntheticStudySpec[] { new(), new() { Effect = false }, new() { Population = true } })
            foreach (var f in StudyVerdicts.Summarise(SyntheticStudy.Result(spec)).Findings)
            {
                var printed = f.Values.Select(v => NumberText.Short(v.Value)).ToHashSet();
                foreach (Match m in Number().Matches(f.Statement))
                    Assert.True(printed.Contains(m.Value), $"{f.Id}: '{m.Value}' in \"{f.Statement}\" is not one of its values");
            }
    }

    [Fact]
    public void ValuesEqualTheRecord_ThroughTheirJsonPointers()
    {
        foreach (var spec in new SyntheticStudySpec[] { new(), new() { Effect = false }, new() { Population = true }, new() { Batch = false } })
        {
            var result = SyntheticStudy.Result(spec);
            var summary = StudyVerdicts.Summarise(result);
            var root = JsonNode.Parse(StudyJson.Record(result, SyntheticStudy.Description(result, spec), summary, StudyFigures.Names))!;
            int recordPointers = 0;
            for (int i = 0; i < summary.Findings.Length; i++)
                for (int j = 0; j < summary.Findings[i].Values.Length; j++)
                {
                    var v = summary.Findings[i].Values[j];
                    double json = StudyJson.Number(root, v.JsonPointer);
                    if (double.IsFinite(v.Value)) Assert.Equal(v.Value, json);
                    else Assert.True(double.IsNaN(json), $"{v.JsonPointer}: {json} for a non-finite value");
                    if (!v.JsonPointer.StartsWith("/summary/", StringComparison.Ordinal)) recordPointers++;
                    else Assert.Equal($"/summary/findings/{i}/values/{j}/value", v.JsonPointer);
                }
            if (spec.Batch) Assert.True(recordPointers > 30, $"only {recordPointers} values point into the record itself");
        }
    }

    [Fact]
    public void RecordLayout_HasTheResultAtTheTopLevel_WithTheEnvelope()
    {
        var result = SyntheticStudy.Result();
        var root = JsonNode.Parse(StudyJson.Record(result, SyntheticStudy.Description(result), StudyVerdicts.Summarise(result), StudyFigures.Names))!.AsObject();
        foreach (var key in new[] { "kind", "run", "config", "study", "summary", "figures", "arms", "init_sweep", "matched_loss_target", "matched", "linear", "wall_seconds" })
            Assert.True(root.ContainsKey(key), key);
        Assert.Equal(14.0, StudyJson.Number(root, "/arms/0/checkpoints/5/curvature/lambda1_over_lambdak"), 12);
        Assert.Equal("supported", root["summary"]!["findings"]![0]!["verdict"]!.GetValue<string>());
        Assert.Equal(1000, StudyJson.Number(root, StudyPointers.TrainingOption("Steps")));
        Assert.Equal(10, StudyJson.Number(root, StudyPointers.Option("TopK")));
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?(e[+-]\d+)?")]
    private static partial Regex Number();
}
