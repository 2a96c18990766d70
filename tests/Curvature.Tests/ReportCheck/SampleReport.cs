using System.Text;

namespace Curvature.Tests.ReportCheck;

/// <summary>A small hand-made report that meets the report contract, as a browser would serialise it (explicit
/// end tags inside SVG, a tbody in the table): two figures, numbers printed with the rounding a report uses
/// (fixed decimals, an exponent, a negative, a null as "n/a", an escaped pointer, a number inside an SVG).
/// Each test changes one thing and expects exactly that one problem.</summary>
public sealed record SampleReport(string Dom, string Json, IReadOnlyDictionary<string, byte[]> Files)
{
    public static readonly string[] FigureNames = ["density", "top-eigenvalues"];

    public const string Json0 = """
        {
          "figures": ["density", "top-eigenvalues"],
          "arms": [
            { "norm": "none",  "ratio": 14.2371, "lr": 0.01, "trace": -3.2, "tiny": 1.2549e-05 },
            { "norm": "batch", "ratio": 2.0987,  "lr": 0.1,  "trace": null, "tiny": 3E-07 }
          ],
          "a/b": { "m~n": 0.93412 }
        }
        """;

    public static string Svg(string title) => $"""
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="400" height="300">
        <rect fill="white" width="400" height="300"></rect>
        <path fill="none" stroke="black" d="M40 250L380 250M40 250L40 20"></path>
        <path fill="none" stroke="steelblue" d="M40 240L100 160L160 100L220 70L280 60"></path>
        <text x="200" y="290">step</text><text x="200" y="15">{title}</text>
        </svg>
        """;

    public static string Figure(string name) => $"""
        <figure id="fig-{name}" data-figure="{name}">
        {Svg(name)}
        <figcaption>{name}: measured on 1000 samples, 90 Lanczos steps, 10 probes.</figcaption></figure>
        """;

    public const string Table = """
        <table><tbody>
        <tr><th>arm</th><th>λ1/λ10</th><th>lr</th><th>trace</th><th>small</th></tr>
        <tr><td>none</td><td data-json="/arms/0/ratio">14.2</td><td data-json="/arms/0/lr">0.01</td><td data-json="/arms/0/trace">-3.2</td><td data-json="/arms/0/tiny">1.25e-05</td></tr>
        <tr><td>batch</td><td data-json="/arms/1/ratio">2.1</td><td data-json="/arms/1/lr">0.1</td><td data-json="/arms/1/trace">n/a</td><td data-json="/arms/1/tiny">3E-07</td></tr>
        </tbody></table>
        <p>Escaped pointer: <span data-json="/a~1b/m~0n">0.934</span>.</p>
        """;

    /// <summary>How many data-json elements <see cref="Valid"/> has: 9 in the table and paragraph, 1 in a figure.</summary>
    public const int NumberCount = 10;

    public static SampleReport Valid()
    {
        // The second figure also prints a number from the record inside its SVG.
        string figures = Figure(FigureNames[0]) + Figure(FigureNames[1]).Replace(
            "<text x=\"200\" y=\"15\">", "<text data-json=\"/arms/0/ratio\" x=\"300\" y=\"40\">14.24</text><text x=\"200\" y=\"15\">", StringComparison.Ordinal);
        string dom = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>BatchNorm study</title>
            <style>body{"{"}font-family:sans-serif{"}"}</style></head>
            <body><h1>BatchNorm study</h1>
            {Table}
            {figures}
            </body></html>
            """;
        var files = new Dictionary<string, byte[]>();
        foreach (string name in FigureNames)
        {
            files[$"figures/{name}.png"] = Png(2048);
            files[$"figures/{name}.svg"] = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n" + Svg(name));
        }
        return new SampleReport(dom, Json0, files);
    }

    /// <summary>The PNG signature padded to <paramref name="length"/> bytes: the check reads the signature and the
    /// size, not the pixels.</summary>
    public static byte[] Png(int length)
    {
        byte[] bytes = new byte[length];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>This report with <paramref name="old"/> replaced (it must occur) in the page.</summary>
    public SampleReport WithDom(string old, string replacement)
    {
        Assert.Contains(old, Dom, StringComparison.Ordinal);
        return this with { Dom = Dom.Replace(old, replacement, StringComparison.Ordinal) };
    }

    public SampleReport WithFile(string path, byte[]? bytes)
    {
        var files = new Dictionary<string, byte[]>(Files);
        if (bytes is null)
            files.Remove(path);
        else
            files[path] = bytes;
        return this with { Files = files };
    }

    /// <summary>Writes the report folder (report.html holds the page as given) and returns its path.</summary>
    public string WriteTo(string directory)
    {
        Directory.CreateDirectory(Path.Combine(directory, "figures"));
        File.WriteAllText(Path.Combine(directory, "report.html"), Dom);
        File.WriteAllText(Path.Combine(directory, "study.json"), Json);
        foreach (var (path, bytes) in Files)
            File.WriteAllBytes(Path.Combine(directory, path), bytes);
        return directory;
    }
}
