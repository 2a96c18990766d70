using Curvature.Reporting.Charts;
using Curvature.Study;

namespace Curvature.Reporting.Study;

/// <summary>What the report says about how the study was run, beyond the record: the model, the data and the
/// command line (the CLI knows these; the <see cref="StudyResult"/> does not).</summary>
/// <param name="Model">The model's spec, e.g. "mlp:784-100-100-10".</param>
/// <param name="Dataset">The data's name, e.g. "Fashion-MNIST (embedded sample)".</param>
/// <param name="TrainSamples">Training images.</param>
/// <param name="AnalysisSamples">Images of the fixed analysis subset the curvature is measured on.</param>
/// <param name="Dtype">The analysis dtype, e.g. "float64".</param>
/// <param name="Command">The command line that ran the study.</param>
/// <param name="Options">The study's settings.</param>
public sealed record StudyDescription(string Model, string Dataset, int TrainSamples, int AnalysisSamples, string Dtype, string Command, StudyOptions Options);

/// <summary>Everything the report produces, ready to be written: the HTML page, each figure (PNG and SVG), the CSV
/// tables and the findings (which the CLI also puts into the JSON record as <c>summary</c>).</summary>
/// <param name="Html">The self-contained HTML page (inline SVG and CSS, no external references).</param>
/// <param name="Figures">The figures, in the order of the page.</param>
/// <param name="Tables">The CSV tables (file name = <see cref="CsvTable.Name"/> + ".csv").</param>
/// <param name="Summary">The findings with their numbers and verdicts.</param>
public sealed record StudyReportOutput(string Html, IReadOnlyList<RenderedFigure> Figures, IReadOnlyList<CsvTable> Tables, StudySummary Summary);

/// <summary>One CSV file: invariant culture, round-trip doubles, a header row, RFC 4180 quoting, CRLF line ends.</summary>
/// <param name="Name">File stem without extension, e.g. "checkpoints".</param>
/// <param name="Text">The file's text.</param>
public sealed record CsvTable(string Name, string Text)
{
    /// <summary>One sentence saying what a row is, for the report's file list.</summary>
    public string Description { get; init; } = "";
}

/// <summary>The study's findings, one per claim of the background text.</summary>
/// <param name="Findings">In claim order (outliers, gradient concentration, BN mode, centring, init, layers,
/// smoothness, linear neuron).</param>
public sealed record StudySummary(Finding[] Findings);

/// <summary>One claim, what was measured to test it, the numbers, and the verdict they give.</summary>
/// <param name="Id">Stable identifier, e.g. "outliers".</param>
/// <param name="Title">The claim in a few words.</param>
/// <param name="Measurement">What was compared and how the verdict is decided (thresholds included).</param>
/// <param name="Values">The numbers, each with where it is in the JSON record.</param>
/// <param name="Verdict">What the numbers say.</param>
/// <param name="Statement">One or two plain sentences with the numbers, including negative results.</param>
public sealed record Finding(string Id, string Title, string Measurement, FindingValue[] Values, Verdict Verdict, string Statement);

/// <summary>One number of a finding.</summary>
/// <param name="Label">What it is, e.g. "λ1/λK at the end, none".</param>
/// <param name="Value">The number (NaN when it could not be computed).</param>
/// <param name="JsonPointer">RFC 6901 pointer into the study's JSON record: the record's own number when the value is
/// one (e.g. "/arms/0/checkpoints/5/curvature/lambda1_over_lambdak"), else this value inside the summary
/// ("/summary/findings/{i}/values/{j}/value").</param>
public sealed record FindingValue(string Label, double Value, string JsonPointer);

/// <summary>What the numbers say about a claim.</summary>
public enum Verdict
{
    /// <summary>The effect is there, beyond the decision thresholds.</summary>
    Supported,
    /// <summary>No effect beyond the thresholds (or the opposite one).</summary>
    NotSupported,
    /// <summary>Some measures show the effect, others do not.</summary>
    Mixed,
    /// <summary>The data needed was not measured in this study.</summary>
    NotMeasured,
}
