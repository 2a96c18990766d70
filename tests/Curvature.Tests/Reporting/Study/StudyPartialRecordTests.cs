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

    /// <summary>A network that died without BatchNorm (all ReLUs off) has zero curvature along the gradient: a zero is a
    /// measurement, so "β 0 vs 8" is no smoothing by BN, not a missing number that leaves the other measures to decide.</summary>
    [Fact]
    public void A_zero_smoothness_measure_counts_against_the_claim()
    {
        var r = SyntheticStudy.Result(new SyntheticStudySpec());
        var none = r.Arms[0];
        var dead = none with
        {
            Checkpoints = none.Checkpoints.Select(c => c with
            {
                Smoothness = c.Smoothness is { } m ? m with { EffectiveBeta = 0, GradientPredictiveness = 0, GradientChange = new double[m.StepSizes.Length] } : null,
            }).ToArray(),
        };
        r = r with { Arms = [dead, .. r.Arms[1..]] };
        var smoothness = Assert.Single(StudyVerdicts.Summarise(r).Findings, f => f.Id == "smoothness");
        Assert.Equal(Verdict.Mixed, smoothness.Verdict);
        Assert.DoesNotContain("all three", smoothness.Statement);
    }
}
