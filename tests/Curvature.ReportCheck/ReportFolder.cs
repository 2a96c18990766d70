namespace Curvature.ReportCheck;

/// <summary>A report folder as written by <c>curvature study</c> / <c>curvature demo --out DIR</c>:
/// report.html, study.json, and figures/NAME.png and figures/NAME.svg.</summary>
public sealed record ReportFolder(string Directory)
{
    public string Html => Path.Combine(Directory, "report.html");

    public string Json => Path.Combine(Directory, "study.json");

    /// <summary>The files under figures/, keyed by their path relative to the folder with '/' separators.</summary>
    public IReadOnlyDictionary<string, byte[]> ReadFigureFiles()
    {
        string figures = Path.Combine(Directory, "figures");
        if (!System.IO.Directory.Exists(figures))
            return new Dictionary<string, byte[]>();
        return System.IO.Directory.GetFiles(figures).ToDictionary(f => $"figures/{Path.GetFileName(f)}", File.ReadAllBytes);
    }
}
