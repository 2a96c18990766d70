using System.Globalization;
using Curvature.Reporting.Study;
using Curvature.Study;
using Spectre.Console;

namespace Curvature.Cli.Commands;

/// <summary>The console summary of a study: the learning rates, each finding with its numbers and verdict, and where
/// the report is.</summary>
internal static class StudyTable
{
    public static void Write(IAnsiConsole console, StudyResult result, StudySummary summary, string reportPath, int files)
    {
        console.MarkupLine($"[bold]BatchNorm study[/]: {result.Arms.Length} arms ("
                           + string.Join(", ", result.Arms.Select(a => $"{Markup.Escape(a.Name)} at η = {a.LearningRate.ToString("G3", CultureInfo.InvariantCulture)}"))
                           + $"), {result.InitSweep.Length} init-sweep runs, {result.WallSeconds:F0} s");
        var table = new Table().Border(TableBorder.Rounded).AddColumn("finding").AddColumn("measured").AddColumn("verdict");
        foreach (var f in summary.Findings)
        {
            string numbers = string.Join("\n", f.Values.Select(v => $"{v.Label}: {NumberText.Short(v.Value)}"));
            string verdict = f.Verdict switch
            {
                Verdict.Supported => "[green]supported[/]",
                Verdict.NotSupported => "[yellow]not supported[/]",
                Verdict.Mixed => "[yellow]mixed[/]",
                _ => "[grey]not measured[/]",
            };
            table.AddRow(new Markup(Markup.Escape(f.Title)), new Markup(Markup.Escape(numbers)), new Markup(verdict));
        }
        console.Write(table);
        foreach (var f in summary.Findings) console.WriteLine($"- {f.Statement}");
        console.MarkupLine($"Wrote {files} files; the report: [bold]{Markup.Escape(reportPath)}[/]");
    }
}
