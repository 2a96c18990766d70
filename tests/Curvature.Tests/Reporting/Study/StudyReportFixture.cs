using System.Text.Json.Nodes;
using Curvature.Reporting.Study;
using Curvature.Study;
using Curvature.Tests.Support;

namespace Curvature.Tests.Reporting.Study;

/// <summary>Two rendered reports, built once per test class (rendering ~18 ScottPlot figures takes about a second): a
/// full study with every piece (population arm included, a centring arm whose name holds markup) and a sparse one
/// with only the arm without BN, so most figures are missing and the page must say why.</summary>
public sealed class StudyReportFixture
{
    /// <summary>The centring arm's name in the full study: markup and quotes that must be escaped everywhere.</summary>
    public const string MarkupName = "centered <mean & \"only\">";

    public StudyReportFixture()
    {
        Full = new Case(new SyntheticStudySpec { Population = true, CenteredName = MarkupName });
        Sparse = new Case(new SyntheticStudySpec { Batch = false, Centered = false, Sweep = false, Linear = false, Layers = false, Smoothness = false, Densities = false });
    }

    public Case Full { get; }
    public Case Sparse { get; }

    public sealed class Case
    {
        public Case(SyntheticStudySpec spec)
        {
            Result = SyntheticStudy.Result(spec);
            Description = SyntheticStudy.Description(Result, spec);
            Output = StudyReport.Build(Result, Description);
            Json = JsonNode.Parse(StudyJson.Record(Result, Description, Output.Summary, Output.Figures.Select(f => f.Name)))!;
        }

        public StudyResult Result { get; }
        public StudyDescription Description { get; }
        public StudyReportOutput Output { get; }
        public JsonNode Json { get; }
    }
}
