using System.Text;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Curvature.ReportCheck;

/// <summary>Every figure the record lists is in the page, drawn, captioned, and saved as PNG and SVG.</summary>
static class FigureCheck
{
    /// <summary>The PNG file signature (PNG spec, §5.2).</summary>
    static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The smallest PNG taken as a figure: signature, IHDR and IEND alone are 57 bytes and a blank
    /// image compresses to a few hundred; a chart with axes, labels and data is tens of KB.</summary>
    const int MinimumPngBytes = 1024;

    /// <summary>Checks the figures; returns how many passed every check.</summary>
    public static int Run(IDocument page, JsonElement record, IReadOnlyDictionary<string, byte[]> files, List<string> failures)
    {
        if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty("figures", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            failures.Add("study.json has no top-level 'figures' array");
            return 0;
        }
        var names = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !IsPlainName(item.GetString()!))
                failures.Add($"study.json 'figures' holds {item.GetRawText()}, not a plain file name");
            else if (names.Contains(item.GetString()!))
                failures.Add($"study.json 'figures' lists '{item.GetString()}' twice");
            else
                names.Add(item.GetString()!);
        }
        if (list.GetArrayLength() == 0)
            failures.Add("study.json 'figures' is empty: a report without figures");

        var inPage = page.QuerySelectorAll("[data-figure]").ToLookup(e => e.GetAttribute("data-figure")!);
        foreach (var extra in inPage.Where(g => !names.Contains(g.Key)))
            failures.Add($"figure '{extra.Key}': in the page but not listed in study.json 'figures'");

        int verified = 0;
        foreach (string name in names)
        {
            var problems = new List<string>();
            var elements = inPage[name].ToList();
            if (elements.Count == 0)
                problems.Add($"missing from the page (no <figure data-figure=\"{name}\">)");
            else if (elements.Count > 1)
                problems.Add($"appears {elements.Count} times in the page");
            else
                CheckElement(elements[0], name, problems);
            CheckPng(files, name, problems);
            CheckSvgFile(files, name, problems);
            failures.AddRange(problems.Select(p => $"figure '{name}': {p}"));
            if (problems.Count == 0)
                verified++;
        }
        return verified;
    }

    static bool IsPlainName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOfAny(['/', '\\', '\0']) < 0;

    static void CheckElement(IElement figure, string name, List<string> problems)
    {
        if (figure.LocalName != "figure")
            problems.Add($"data-figure is on a <{figure.LocalName}>, not a <figure>");
        if (figure.Id != $"fig-{name}")
            problems.Add($"has id '{figure.Id}', expected 'fig-{name}'");
        var svg = ReportCheck.ElementsBelow(figure).FirstOrDefault(e => e.LocalName == "svg");
        if (svg is null)
            problems.Add("has no inline <svg>");
        else
            CheckDrawing(svg, "inline svg", problems);
        var caption = figure.Children.FirstOrDefault(e => e.LocalName == "figcaption");
        if (caption is null)
            problems.Add("has no <figcaption>");
        else if (string.IsNullOrWhiteSpace(caption.TextContent))
            problems.Add("has an empty <figcaption>");
    }

    static void CheckDrawing(IElement svg, string what, List<string> problems)
    {
        if (SvgDrawing.CountDrawingElements(svg) == 0)
            problems.Add($"{what} is empty (no {string.Join(", ", SvgDrawing.DrawingElements)})");
        var size = SvgDrawing.Size(svg);
        if (size is null)
            problems.Add($"{what} has no size (no viewBox, width and height)");
        else if (size.Value.Width < SvgDrawing.MinimumSize || size.Value.Height < SvgDrawing.MinimumSize)
            problems.Add($"{what} is only {size.Value.Width}x{size.Value.Height} (at least {SvgDrawing.MinimumSize} each way expected)");
    }

    static void CheckPng(IReadOnlyDictionary<string, byte[]> files, string name, List<string> problems)
    {
        string path = $"figures/{name}.png";
        if (!files.TryGetValue(path, out byte[]? bytes))
            problems.Add($"{path} is missing");
        else if (!bytes.AsSpan().StartsWith(PngSignature))
            problems.Add($"{path} is not a PNG (bad signature)");
        else if (bytes.Length <= MinimumPngBytes)
            problems.Add($"{path} is only {bytes.Length} bytes (more than {MinimumPngBytes} expected)");
    }

    static void CheckSvgFile(IReadOnlyDictionary<string, byte[]> files, string name, List<string> problems)
    {
        string path = $"figures/{name}.svg";
        if (!files.TryGetValue(path, out byte[]? bytes))
        {
            problems.Add($"{path} is missing");
            return;
        }
        using var document = new HtmlParser().ParseDocument(Encoding.UTF8.GetString(bytes));
        var svg = document.QuerySelectorAll("*").FirstOrDefault(e => e.LocalName == "svg");
        if (svg is null)
            problems.Add($"{path} has no <svg> element");
        else
            CheckDrawing(svg, path, problems);
    }
}
