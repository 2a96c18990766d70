using Curvature.Study;

namespace Curvature.Reporting.Study;

/// <summary>The BatchNorm study's report: findings with verdicts computed from the record, the figures (PNG and SVG),
/// the CSV tables and one self-contained HTML page. Consumes the plain <see cref="StudyResult"/> only.</summary>
public static class StudyReport
{
    /// <summary>Builds everything the CLI writes besides the JSON record (which takes <see cref="StudyReportOutput.Summary"/>
    /// as <c>summary</c> and the figure names as <c>figures</c>).</summary>
    public static StudyReportOutput Build(StudyResult result, StudyDescription description)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(description.Options);
        var drafts = StudyVerdicts.Draft(result);
        var summary = new StudySummary(drafts.Select(d => d.Finding).ToArray());
        var figures = StudyFigures.Build(result, description);
        var tables = StudyTables.Build(result, summary);
        string html = StudyHtml.Build(result, description, drafts, figures, tables);
        return new StudyReportOutput(html, figures.Figures, tables, summary);
    }
}
