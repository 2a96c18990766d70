using System.Globalization;
using System.Text;
using Curvature.Reporting.Study;
using Curvature.Study;
using Curvature.Tests.Support;

namespace Curvature.Tests.Reporting.Study;

/// <summary>The CSV tables: names, headers, one row per item, RFC 4180 quoting, and doubles that read back bit-exactly.</summary>
public class StudyTablesTests
{
    static readonly SyntheticStudySpec Spec = new() { Population = true, CenteredName = "centred, \"mean-only\"" };
    static readonly StudyResult Result = SyntheticStudy.Result(Spec);
    static readonly IReadOnlyList<CsvTable> Tables = StudyTables.Build(Result, StudyVerdicts.Summarise(Result));

    /// <summary>An RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks; rows end in CRLF.</summary>
    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"') { Assert.Equal(0, field.Length); quoted = true; }
            else if (ch == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (ch == '\r')
            {
                Assert.Equal('\n', text[i + 1]);
                i++;
                row.Add(field.ToString()); field.Clear();
                rows.Add(row.ToArray()); row.Clear();
            }
            else field.Append(ch);
        }
        Assert.False(quoted);
        Assert.Equal(0, field.Length + row.Count); // the last row ends with CRLF
        return rows;
    }

    static (string[] Header, List<Dictionary<string, string>> Rows) Read(string name)
    {
        var rows = Parse(Assert.Single(Tables, t => t.Name == name).Text);
        var header = rows[0];
        Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
        return (header, rows.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList());
    }

    static double D(string cell) => cell.Length == 0 ? double.NaN : double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);

    [Fact]
    public void Tables_AreTheListedOnes_WithDescriptions()
    {
        Assert.Equal(["checkpoints", "layers", "init-sweep", "bn-modes", "training", "smoothness", "densities", "findings"], Tables.Select(t => t.Name));
        Assert.All(Tables, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
    }

    [Fact]
    public void Checkpoints_OneRowPerArmAndCheckpoint_NumbersReadBackExactly()
    {
        var (header, rows) = Read("checkpoints");
        Assert.Equal(["arm", "norm", "learning_rate", "step", "batchnorm_mode", "analysis_loss", "analysis_accuracy", "gradient_norm"], header.Take(8));
        Assert.Contains("lambda_10", header);
        Assert.DoesNotContain("lambda_11", header);
        Assert.Equal(Result.Arms.Sum(a => a.Checkpoints.Length), rows.Count);
        int i = 0;
        foreach (var arm in Result.Arms)
            foreach (var c in arm.Checkpoints)
            {
                var row = rows[i++];
                Assert.Equal(arm.Name, row["arm"]);
                Assert.Equal(c.Step, int.Parse(row["step"], CultureInfo.InvariantCulture));
                Assert.Equal(c.Curvature.Lambda1OverLambdak, D(row["lambda1_over_lambdak"]));
                for (int k = 0; k < c.Curvature.TopEigenvalues.Length; k++) Assert.Equal(c.Curvature.TopEigenvalues[k], D(row[$"lambda_{k + 1}"]));
                Assert.Equal(c.Curvature.GradientOverlapTopkMiniBatchStderr, D(row["f_k_minibatch_stderr"]));
                Assert.Equal(c.Curvature.Trace, D(row["trace"]));
                Assert.Equal(c.Smoothness?.EffectiveBeta ?? double.NaN, D(row["effective_beta"]));
                Assert.Equal(c.Density is not null ? "true" : "false", row["density_measured"]);
            }
    }

    [Fact]
    public void OtherTables_HaveOneRowPerItem()
    {
        Assert.Equal(Result.Arms.Sum(a => a.Checkpoints.Sum(c => c.Layers.Length)), Read("layers").Rows.Count);
        var sweptArms = Result.InitSweep.Select(s => s.Arm).Distinct().ToArray();
        var (_, sweep) = Read("init-sweep");
        Assert.Equal(Result.InitSweep.Sum(s => s.Steps.Length) + Result.Arms.Where(a => sweptArms.Contains(a.Name)).Sum(a => a.Checkpoints.Length), sweep.Count);
        Assert.Equal(Result.InitSweep[1].LambdaMax[3], D(sweep[Result.InitSweep[0].Steps.Length + 3]["lambda_max"]));
        var (_, modes) = Read("bn-modes");
        Assert.Equal(Result.Arms.Sum(a => a.Checkpoints.Where(c => c.BatchNormModes.Length > 0).Sum(c => c.BatchNormModes.Length + 1)), modes.Count);
        Assert.Equal(["train", "eval", "population"], modes.Take(3).Select(r => r["mode"]));
        Assert.Equal(["true", "false", "false"], modes.Take(3).Select(r => r["own_mode"]));
        // Training: steps 1…T of each run plus its evaluation at step 0 (the other evaluations share a row with an update).
        var (_, training) = Read("training");
        Assert.Equal((Result.Arms.Length + Result.InitSweep.Length) * (SyntheticStudy.TrainingSteps + 1), training.Count);
        var first = training[0];
        Assert.Equal("0", first["step"]);
        Assert.Equal("", first["minibatch_loss"]);
        Assert.Equal(Result.Arms[0].History.HeldOutLoss[0], D(first["heldout_loss"]));
        Assert.Equal(Result.Arms[0].History.Loss[99], D(training[100]["minibatch_loss"]));
        Assert.Equal(Result.Arms[0].History.HeldOutLoss[1], D(training[100]["heldout_loss"]));
        Assert.Equal("", training[101]["heldout_loss"]);
        Assert.Equal(Result.Arms.Sum(a => a.Checkpoints.Sum(c => c.Smoothness?.StepSizes.Length ?? 0)), Read("smoothness").Rows.Count);
        Assert.Equal(Result.Arms.Sum(a => a.Checkpoints.Sum(c => c.Density?.LogDensity.Grid.Length ?? 0)), Read("densities").Rows.Count);
        var summary = StudyVerdicts.Summarise(Result);
        var (_, findings) = Read("findings");
        Assert.Equal(summary.Findings.Sum(f => Math.Max(1, f.Values.Length)), findings.Count);
        Assert.Equal(summary.Findings[0].Values[0].JsonPointer, findings[0]["json_pointer"]);
        Assert.Equal("supported", findings[0]["verdict"]);
    }

    [Fact]
    public void Quoting_KeepsCommasAndQuotesInsideOneField()
    {
        var (_, rows) = Read("checkpoints");
        Assert.Contains(rows, r => r["arm"] == Spec.CenteredName);
        string text = Assert.Single(Tables, t => t.Name == "checkpoints").Text;
        Assert.Contains("\"centred, \"\"mean-only\"\"\",centered,", text);
        Assert.Equal(Result.Arms.Sum(a => a.Checkpoints.Length) + 1, text.Split("\r\n").Length - 1);
    }

    [Theory]
    [InlineData(0.1 + 0.2)]
    [InlineData(1.0 / 3)]
    [InlineData(1e-300)]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    [InlineData(-123456.789e-7)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Doubles_RoundTrip(double value)
    {
        string cell = Csv.Field(value);
        Assert.DoesNotContain(",", cell);
        Assert.Equal(value, double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NaN_IsAnEmptyField_AndRowsMustMatchTheHeader()
    {
        Assert.Equal("", Csv.Field(double.NaN));
        var csv = new Csv("a", "b");
        Assert.Throws<ArgumentException>(() => csv.Row(1));
        csv.Row("x\r\ny", null);
        Assert.Equal(1, csv.Rows);
        Assert.Equal([["a", "b"], ["x\r\ny", ""]], Parse(csv.ToString()));
    }
}
