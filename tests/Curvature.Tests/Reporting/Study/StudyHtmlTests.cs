using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Curvature.Reporting.Study;

namespace Curvature.Tests.Reporting.Study;

/// <summary>The HTML page's contract with the browser check: every figure once, inline and non-empty; no external
/// reference; every data-json number equal to the record's within half a unit of its last printed digit; text escaped;
/// missing figures explained.</summary>
public partial class StudyHtmlTests(StudyReportFixture fixture) : IClassFixture<StudyReportFixture>
{
    const string SvgNamespace = "http://www.w3.org/2000/svg";

    public static TheoryData<string> FigureNames => [.. StudyFigures.Names];

    [Fact]
    public void FullStudy_HasEveryFigure_InPageOrder()
    {
        Assert.Equal(StudyFigures.Names, fixture.Full.Output.Figures.Select(f => f.Name));
        var onPage = FigureOpening().Matches(fixture.Full.Output.Html).Select(m => m.Groups[2].Value);
        Assert.Equal(StudyFigures.Names, onPage);
    }

    [Theory]
    [MemberData(nameof(FigureNames))]
    public void EachFigure_IsOnThePageOnce_WithItsInlineSvgAndCaption(string name)
    {
        string html = fixture.Full.Output.Html;
        string open = $"<figure id=\"fig-{name}\" data-figure=\"{name}\">";
        Assert.Single(Regex.Matches(html, Regex.Escape(open)));
        Assert.Single(Regex.Matches(html, $"data-figure=\"{Regex.Escape(name)}\""));
        int start = html.IndexOf(open, StringComparison.Ordinal);
        string body = html[start..html.IndexOf("</figure>", start, StringComparison.Ordinal)];
        Assert.Contains("<svg ", body);
        Assert.DoesNotContain("<?xml", body);
        Assert.DoesNotContain("<!DOCTYPE", body);
        Assert.True(Regex.Matches(body, "<path ").Count > 5, $"{name}: the inline SVG draws almost nothing");
        var caption = Regex.Match(body, "<figcaption>(.+?)</figcaption>", RegexOptions.Singleline);
        Assert.True(caption.Success && caption.Groups[1].Value.Length > 40, $"{name}: no caption");

        var figure = Assert.Single(fixture.Full.Output.Figures, f => f.Name == name);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], figure.Png.Take(4).ToArray());
        Assert.StartsWith("<", figure.Svg.TrimStart());
    }

    [Fact]
    public void Captions_SayWhatWasMeasuredAndHow()
    {
        var figures = fixture.Full.Output.Figures.ToDictionary(f => f.Name);
        var d = fixture.Full.Description;
        foreach (var f in figures.Values.Where(f => !f.Name.StartsWith("linear-neuron", StringComparison.Ordinal)))
        {
            Assert.Contains(d.Model, f.Caption);
            Assert.Contains(d.Dataset, f.Caption);
        }
        foreach (var name in new[] { "top-eigenvalues", "lambda-ratio", "gradient-overlap", "trace", "bn-modes", "per-layer", "smoothness-beta" })
        {
            Assert.Contains("Lanczos", figures[name].Caption);
            Assert.Contains("1000-image analysis subset in float64", figures[name].Caption);
            Assert.Contains("BatchNorm mode per arm (none: train; batch: train;", figures[name].Caption);
        }
        Assert.Contains("10 Rademacher probes × 90 Lanczos steps", figures["density-matched"].Caption);
        Assert.Contains("Hutch++ (30 Hessian–vector products", figures["trace"].Caption);
        Assert.Contains("step + 1 on a log scale", figures["top-eigenvalues"].Caption);
        Assert.Contains("Marchenko–Pastur", figures["linear-neuron"].Caption + string.Join(" ", figures["linear-neuron"].Svg));
    }

    [Fact]
    public void InlineSvgs_AreWellFormed_AndIdsAreUniqueOnThePage()
    {
        string html = fixture.Full.Output.Html;
        var svgs = Regex.Matches(html, "<svg .+?</svg>", RegexOptions.Singleline);
        Assert.Equal(StudyFigures.Names.Count, svgs.Count);
        foreach (Match svg in svgs)
        {
            var doc = XDocument.Parse(svg.Value);
            Assert.Equal(SvgNamespace, doc.Root!.Name.NamespaceName);
            Assert.NotNull(doc.Root.Attribute("viewBox"));
        }
        var ids = Regex.Matches(html, "\\bid=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Every in-page reference names an id on the page (clip paths survive the renaming).
        foreach (Match m in Regex.Matches(html, @"url\(#([^)]+)\)")) Assert.Contains(m.Groups[1].Value, ids);
    }

    [Fact]
    public void Page_ReferencesNoUrl_ButTheSvgNamespace()
    {
        foreach (var c in new[] { fixture.Full, fixture.Sparse })
        {
            var urls = Regex.Matches(c.Output.Html, @"https?://[^\s""'<>)]*").Select(m => m.Value).Distinct().ToArray();
            Assert.Equal([SvgNamespace], urls);
            Assert.DoesNotContain("<script", c.Output.Html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<link", c.Output.Html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("src=", c.Output.Html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Page_IsAnHtml5Document()
    {
        foreach (var c in new[] { fixture.Full, fixture.Sparse })
        {
            string html = c.Output.Html;
            Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">", html);
            Assert.EndsWith("</body>\n</html>\n", html);
            foreach (var tag in new[] { "html", "head", "body", "section", "table", "figure", "figcaption", "tr", "td", "ul", "li", "p", "span", "svg" })
                Assert.Equal(Regex.Matches(html, $"<{tag}[\\s>]").Count, Regex.Matches(html, $"</{tag}>").Count);
        }
    }

    /// <summary>Half a unit of the last printed digit of a number as <see cref="NumberText"/> prints it.</summary>
    static double HalfUnit(string text)
    {
        var m = PrintedNumber().Match(text);
        Assert.True(m.Success, $"'{text}' is not a plain number");
        int decimals = m.Groups[1].Success ? m.Groups[1].Length : 0;
        int exponent = m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return 0.5 * Math.Pow(10, exponent - decimals);
    }

    [Fact]
    public void EveryDataJsonNumber_EqualsTheRecord_WithinHalfItsLastDigit()
    {
        foreach (var c in new[] { fixture.Full, fixture.Sparse })
        {
            var numbers = DataJson().Matches(c.Output.Html);
            Assert.True(numbers.Count > (c == fixture.Full ? 150 : 20), $"only {numbers.Count} numbers carry a pointer");
            foreach (Match m in numbers)
            {
                string pointer = m.Groups[1].Value, text = m.Groups[2].Value;
                double printed = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                double json = StudyJson.Number(c.Json, System.Net.WebUtility.HtmlDecode(pointer));
                Assert.True(Math.Abs(printed - json) <= HalfUnit(text) * (1 + 1e-12), $"{pointer}: page {text}, record {json}");
            }
        }
    }

    [Fact]
    public void SummaryTable_HasEveryFinding_WithItsVerdict_AndNumbers()
    {
        string html = fixture.Full.Output.Html;
        int table = html.IndexOf("<table class=\"findings\">", StringComparison.Ordinal);
        Assert.True(table >= 0 && table < html.IndexOf("<figure", StringComparison.Ordinal), "the summary table comes before the figures");
        foreach (var f in fixture.Full.Output.Summary.Findings)
        {
            string code = VerdictText.Code(f.Verdict);
            var row = Regex.Match(html, $"<tr id=\"finding-{Regex.Escape(f.Id)}\" data-finding=\"{Regex.Escape(f.Id)}\" data-verdict=\"{code}\">(.+?)</tr>");
            Assert.True(row.Success, f.Id);
            foreach (var v in f.Values.Where(v => double.IsFinite(v.Value)))
                Assert.Contains($"data-json=\"{v.JsonPointer}\">{NumberText.Short(v.Value)}</span>", row.Value);
        }
        Assert.Equal(["supported"], fixture.Full.Output.Summary.Findings.Select(f => VerdictText.Code(f.Verdict)).Distinct());
        Assert.Contains("<section id=\"arms\">", html);
        Assert.Contains("data-json=\"/arms/1/learning_rate\">0.1</span>", html);
        Assert.Contains("<code>curvature study --steps 1000</code>", html);
    }

    [Fact]
    public void MarkupInNames_IsEscaped()
    {
        string html = fixture.Full.Output.Html;
        Assert.DoesNotContain("<mean", html);
        Assert.Contains("centered &lt;mean &amp; &quot;only&quot;&gt;", html);
        // ScottPlot escapes it inside the SVG legends too (the SVGs parse as XML above).
        Assert.Contains(StudyReportFixture.MarkupName, fixture.Full.Output.Summary.Findings[0].Statement);
    }

    [Fact]
    public void MissingFigures_AreExplained()
    {
        var c = fixture.Sparse;
        var drawn = c.Output.Figures.Select(f => f.Name).ToHashSet();
        Assert.Contains("top-eigenvalues", drawn);
        Assert.Contains("training-loss", drawn);
        foreach (var name in new[] { "bn-modes", "density-matched", "init-sweep-lambda", "per-layer", "smoothness-beta", "linear-neuron" })
            Assert.DoesNotContain(name, drawn);
        foreach (var name in StudyFigures.Names.Where(n => !drawn.Contains(n)))
        {
            Assert.Single(Regex.Matches(c.Output.Html, $"data-missing=\"{Regex.Escape(name)}\""));
            Assert.DoesNotContain($"data-figure=\"{name}\"", c.Output.Html);
        }
        Assert.Contains("the study has no BatchNorm arm", c.Output.Html);
        Assert.Contains("the linear-neuron lab was not run", c.Output.Html);
        Assert.All(c.Output.Summary.Findings, f => Assert.Equal(Verdict.NotMeasured, f.Verdict));
    }

    [Fact]
    public void FilesSection_ListsEveryTable()
    {
        foreach (var t in fixture.Full.Output.Tables) Assert.Contains($"<code>{t.Name}.csv</code>", fixture.Full.Output.Html);
    }

    [GeneratedRegex("<figure id=\"fig-([^\"]+)\" data-figure=\"([^\"]+)\">")]
    private static partial Regex FigureOpening();

    [GeneratedRegex("data-json=\"([^\"]+)\">([^<]*)<")]
    private static partial Regex DataJson();

    [GeneratedRegex(@"^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$")]
    private static partial Regex PrintedNumber();
}
