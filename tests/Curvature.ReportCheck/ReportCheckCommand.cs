namespace Curvature.ReportCheck;

/// <summary><c>dotnet run --project tests/Curvature.ReportCheck -- DIR [--dom FILE]</c>: renders DIR/report.html
/// in headless Chromium (or reads a DOM saved from it), checks it against DIR/study.json and DIR/figures, and
/// prints one line per problem and a closing line. Exit codes: 0 passed, 1 problems found, 2 bad usage.</summary>
public static class ReportCheckCommand
{
    public const int Passed = 0, Failed = 1, BadUsage = 2;

    public static int Run(string[] args, TextWriter output)
    {
        if (!TryParse(args, out string directory, out string? domFile))
        {
            output.WriteLine("usage: Curvature.ReportCheck DIR [--dom FILE]   (DIR holds report.html, study.json, figures/)");
            return BadUsage;
        }
        var folder = new ReportFolder(directory);
        var failures = new List<string>();
        foreach (string required in new[] { folder.Html, folder.Json })
            if (!File.Exists(required))
                failures.Add($"{required} is missing");
        if (domFile is not null && !File.Exists(domFile))
            failures.Add($"the DOM file {domFile} is missing");
        string? browser = domFile is null ? HeadlessChromium.Find() : null;
        if (domFile is null && browser is null)
            failures.Add($"no Chromium on PATH (looked for {string.Join(", ", HeadlessChromium.Names)}); install Debian's chromium or pass --dom FILE");
        if (failures.Count > 0)
            return Report(new ReportCheckResult(failures, 0, 0), output);

        string dom;
        try
        {
            dom = domFile is not null ? File.ReadAllText(domFile) : HeadlessChromium.DumpDom(browser!, folder.Html);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return Report(new ReportCheckResult([$"rendering report.html failed: {e.Message}"], 0, 0), output);
        }
        return Report(ReportCheck.Check(dom, File.ReadAllText(folder.Json), folder.ReadFigureFiles()), output);
    }

    static int Report(ReportCheckResult result, TextWriter output)
    {
        foreach (string failure in result.Failures)
            output.WriteLine(failure);
        output.WriteLine(result.Summary);
        return result.Passed ? Passed : Failed;
    }

    static bool TryParse(string[] args, out string directory, out string? domFile)
    {
        directory = "";
        domFile = null;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--dom" && i + 1 < args.Length)
                domFile = args[++i];
            else if (args[i].StartsWith('-'))
                return false;
            else
                rest.Add(args[i]);
        }
        if (rest.Count != 1)
            return false;
        directory = rest[0];
        return true;
    }
}
