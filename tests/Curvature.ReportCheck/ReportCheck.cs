using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Curvature.ReportCheck;

/// <summary>The browser check of a study report (issue 4, §5), as a pure function: the DOM a browser built from
/// report.html, the JSON record study.json and the files of the report folder in, the list of problems out.
/// The contract it checks: every name in the record's <c>figures</c> array is one
/// <c>&lt;figure id="fig-NAME" data-figure="NAME"&gt;</c> with a drawn inline SVG and a caption, and has
/// figures/NAME.png and figures/NAME.svg; every element with <c>data-json="POINTER"</c> prints the number the
/// RFC 6901 pointer names in the record (see <see cref="PrintedNumber"/>); the page loads nothing from outside.</summary>
public static class ReportCheck
{
    /// <summary>Checks a rendered report. <paramref name="files"/> maps paths relative to the report folder
    /// ("figures/NAME.png") to their bytes.</summary>
    public static ReportCheckResult Check(string dom, string json, IReadOnlyDictionary<string, byte[]> files)
    {
        var failures = new List<string>();
        JsonDocument record;
        try
        {
            record = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return new ReportCheckResult([$"study.json is not valid JSON: {e.Message}"], 0, 0);
        }
        using (record)
        {
            using var page = new HtmlParser().ParseDocument(dom);
            int figures = FigureCheck.Run(page, record.RootElement, files, failures);
            int numbers = NumberCheck.Run(page, record.RootElement, failures);
            ExternalReferenceCheck.Run(page, failures);
            return new ReportCheckResult(failures, figures, numbers);
        }
    }

    /// <summary>Every element of <paramref name="root"/>'s subtree below it, in document order.</summary>
    internal static IEnumerable<IElement> ElementsBelow(IParentNode root) => root.QuerySelectorAll("*");
}

/// <summary>What <see cref="ReportCheck.Check"/> found: the problems (empty when the report passes) and how
/// many figures and numbers it verified.</summary>
public sealed record ReportCheckResult(IReadOnlyList<string> Failures, int FiguresVerified, int NumbersVerified)
{
    public bool Passed => Failures.Count == 0;

    /// <summary>The closing line of the check's output.</summary>
    public string Summary => Passed
        ? $"report check: {FiguresVerified} figures, {NumbersVerified} numbers verified"
        : $"report check: FAILED ({Failures.Count} problems)";
}
