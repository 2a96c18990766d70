using Curvature.Reporting.Study;
using Curvature.Study;
using Curvature.Tests.Support;
using Curvature.Training;

namespace Curvature.Tests.Reporting.Study;

/// <summary>Real records have holes: NaN where a quantity is undefined (λ_K ≤ 0, one mini-batch, no trace), an arm without
/// smoothness or layers, an empty history. The report must still build, print "n/a" without a pointer for them, and
/// decide only from what is there.</summary>
public class StudyPartialRecordTests
{
    static StudyResult Holey()
    {
        var r = SyntheticStudy.Result(new SyntheticStudySpec());
        var centred = r.Arms[2];
        var broken = centred with
        {
            History = TrainingHistory.Empty,
            Checkpoints = centred.Checkpoints.Select(c => c with
            {
                Layers = [],
                Smoothness = null,
                Curvature = c.Curvature with
                {
                    TopEigenvalues = [.. c.Curvature.TopEigenvalues[..^1], -0.1],
                    Lambda1OverLambdak = double.NaN,
                    Trace = double.NaN,
                    TraceStderr = double.NaN,
                    GradientOverlapTopkMiniBatchStderr = double.NaN,
                },
            }).ToArray(),
        };
        return r with { Arms = [r.Arms[0], r.Arms[1], broken] };
    }

    [Fact]
    public void Report_Builds_AndHolesAreNotMeasured_NotGuessed()
    {
        var r = Holey();
        var output = StudyReport.Build(r, SyntheticStudy.Description(r));
        var centering = Assert.Single(output.Summary.Findings, f => f.Id == "centering");
        // λ₁/λ_K of the centred arm is undefined; f_K still decides: 0.95 → 0.75 is a drop.
        Assert.Equal(Verdict.Supported, centering.Verdict);
        Assert.Contains("n/a with centring only", centering.Statement);
        Assert.Contains("<span class=\"num na\">n/a</span>", output.Html);
        Assert.DoesNotContain("data-json=\"/arms/2/checkpoints/5/curvature/lambda1_over_lambdak\"", output.Html);
        Assert.Contains(output.Figures, f => f.Name == "trace");
        Assert.Contains(output.Figures, f => f.Name == "smoothness-beta");
        Assert.All(output.Summary.Findings.Where(f => f.Id != "centering"), f => Assert.Equal(Verdict.Supported, f.Verdict));
    }
}
