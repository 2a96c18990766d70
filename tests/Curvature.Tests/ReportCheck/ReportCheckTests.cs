using System.Text;
using Curvature.Tests.Cli;
using Checker = Curvature.ReportCheck.ReportCheck;

namespace Curvature.Tests.ReportCheck;

/// <summary>The browser check's verdict on a valid report and on each kind of defect: every defect is one
/// failure whose message names the figure, file, pointer or URL at fault.</summary>
public sealed class ReportCheckTests
{
    static readonly SampleReport Valid = SampleReport.Valid();

    static string SingleFailure(SampleReport report)
    {
        var result = Checker.Check(report.Dom, report.Json, report.Files);
        Assert.False(result.Passed);
        Assert.Equal($"report check: FAILED ({result.Failures.Count} problems)", result.Summary);
        return Assert.Single(result.Failures);
    }

    [Fact]
    public void ValidReportPasses()
    {
        var result = Checker.Check(Valid.Dom, Valid.Json, Valid.Files);
        Assert.Empty(result.Failures);
        Assert.Equal((2, SampleReport.NumberCount), (result.FiguresVerified, result.NumbersVerified));
        Assert.Equal($"report check: 2 figures, {SampleReport.NumberCount} numbers verified", result.Summary);
    }

    [Fact]
    public void MissingFigureIsNamed()
    {
        var report = Valid.WithDom(SampleReport.Figure("density"), "");
        Assert.Equal("figure 'density': missing from the page (no <figure data-figure=\"density\">)", SingleFailure(report));
    }

    [Fact]
    public void FigureTwiceIsNamed()
    {
        var report = Valid.WithDom(SampleReport.Figure("density"), SampleReport.Figure("density") + SampleReport.Figure("density"));
        Assert.Equal("figure 'density': appears 2 times in the page", SingleFailure(report));
    }

    [Fact]
    public void FigureTheRecordDoesNotListIsNamed()
    {
        var report = Valid.WithDom("</body>", SampleReport.Figure("extra") + "</body>");
        Assert.Equal("figure 'extra': in the page but not listed in study.json 'figures'", SingleFailure(report));
    }

    [Fact]
    public void EmptySvgIsNamed()
    {
        string density = SampleReport.Figure("density");
        string empty = density[..(density.IndexOf('>', density.IndexOf("<svg", StringComparison.Ordinal)) + 1)]
            + "</svg><figcaption>density</figcaption></figure>";
        string failure = SingleFailure(Valid.WithDom(density, empty));
        Assert.StartsWith("figure 'density': inline svg is empty", failure);
    }

    [Fact]
    public void TinySvgIsNamed()
    {
        var report = Valid.WithDom(SampleReport.Figure("density"), SampleReport.Figure("density").Replace("width=\"400\" height=\"300\">", "width=\"16\" height=\"16\">"));
        Assert.StartsWith("figure 'density': inline svg is only 16x16", SingleFailure(report));
    }

    [Fact]
    public void FigureWithoutInlineSvgIsNamed()
    {
        var report = Valid.WithDom(SampleReport.Figure("density"),
            "<figure id=\"fig-density\" data-figure=\"density\"><img src=\"data:image/png;base64,iVBORw0KGgo=\"><figcaption>d</figcaption></figure>");
        Assert.Equal("figure 'density': has no inline <svg>", SingleFailure(report));
    }

    [Fact]
    public void MissingCaptionIsNamed()
    {
        var report = Valid.WithDom("<figcaption>density: measured on 1000 samples, 90 Lanczos steps, 10 probes.</figcaption>", "");
        Assert.Equal("figure 'density': has no <figcaption>", SingleFailure(report));
    }

    [Fact]
    public void MissingPngIsNamed() =>
        Assert.Equal("figure 'density': figures/density.png is missing", SingleFailure(Valid.WithFile("figures/density.png", null)));

    [Fact]
    public void TruncatedPngIsNamed() =>
        Assert.StartsWith("figure 'density': figures/density.png is only 100 bytes",
            SingleFailure(Valid.WithFile("figures/density.png", SampleReport.Png(100))));

    [Fact]
    public void NonPngIsNamed() =>
        Assert.Equal("figure 'density': figures/density.png is not a PNG (bad signature)",
            SingleFailure(Valid.WithFile("figures/density.png", Encoding.UTF8.GetBytes(SampleReport.Svg("density")))));

    [Fact]
    public void MissingSvgFileIsNamed() =>
        Assert.Equal("figure 'top-eigenvalues': figures/top-eigenvalues.svg is missing",
            SingleFailure(Valid.WithFile("figures/top-eigenvalues.svg", null)));

    [Fact]
    public void EmptySvgFileIsNamed() =>
        Assert.StartsWith("figure 'top-eigenvalues': figures/top-eigenvalues.svg is empty",
            SingleFailure(Valid.WithFile("figures/top-eigenvalues.svg", Encoding.UTF8.GetBytes("<svg width=\"400\" height=\"300\"></svg>"))));

    [Fact]
    public void ChangedNumberIsNamed()
    {
        var report = Valid.WithDom("data-json=\"/arms/1/ratio\">2.1<", "data-json=\"/arms/1/ratio\">2.2<");
        Assert.Equal("number at '/arms/1/ratio' (page shows \"2.2\"): differs from study.json's 2.0987 by more than half a unit of the last printed digit",
            SingleFailure(report));
    }

    [Fact]
    public void ChangedNumberInsideSvgIsNamed()
    {
        var report = Valid.WithDom(">14.24<", ">14.26<");
        Assert.StartsWith("number at '/arms/0/ratio' (page shows \"14.26\"): differs", SingleFailure(report));
    }

    [Fact]
    public void UnresolvedPointerIsNamed()
    {
        var report = Valid.WithDom("data-json=\"/arms/1/lr\"", "data-json=\"/arms/2/lr\"");
        Assert.Equal("number at '/arms/2/lr' (page shows \"0.1\"): the pointer does not resolve: '2' is not an index of the 2-element array at '/arms'",
            SingleFailure(report));
    }

    [Fact]
    public void UnescapedPointerDoesNotResolve()
    {
        var report = Valid.WithDom("/a~1b/m~0n", "/a/b/m~n");
        Assert.Equal("number at '/a/b/m~n' (page shows \"0.934\"): the pointer does not resolve: no member 'a' at the root", SingleFailure(report));
    }

    [Fact]
    public void PointerAtAStringIsNamed()
    {
        var report = Valid.WithDom("data-json=\"/arms/1/lr\"", "data-json=\"/arms/1/norm\"");
        Assert.EndsWith("study.json has a string here, not a number", SingleFailure(report));
    }

    [Fact]
    public void NullPrintedAsNumberIsNamed()
    {
        var report = Valid.WithDom("data-json=\"/arms/1/trace\">n/a<", "data-json=\"/arms/1/trace\">0<");
        Assert.Equal("number at '/arms/1/trace' (page shows \"0\"): study.json has null (a non-finite value) here, so the page must show n/a or NaN",
            SingleFailure(report));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("n/a")]
    public void NullPrintedAsNotANumberPasses(string text)
    {
        var report = Valid.WithDom("data-json=\"/arms/1/trace\">n/a<", $"data-json=\"/arms/1/trace\">{text}<");
        Assert.True(Checker.Check(report.Dom, report.Json, report.Files).Passed);
    }

    [Fact]
    public void NumberPrintedAsNotANumberIsNamed()
    {
        var report = Valid.WithDom("data-json=\"/arms/0/trace\">-3.2<", "data-json=\"/arms/0/trace\">n/a<");
        Assert.Equal("number at '/arms/0/trace' (page shows \"n/a\"): not an invariant-culture number; study.json has -3.2", SingleFailure(report));
    }

    [Fact]
    public void PageWithoutNumbersFails()
    {
        var report = Valid with { Dom = Valid.Dom.Replace("data-json=", "data-x=", StringComparison.Ordinal) };
        Assert.Equal("the page prints no number from study.json (no element has data-json)", SingleFailure(report));
    }

    [Fact]
    public void ExternalUrlIsNamed()
    {
        var report = Valid.WithDom("<title>", "<link rel=\"stylesheet\" href=\"https://cdn.example.org/style.css\"><title>");
        Assert.Equal("<link href> references the external URL https://cdn.example.org/style.css", SingleFailure(report));
    }

    [Fact]
    public void ExternalUrlInStyleSheetIsNamed()
    {
        var report = Valid.WithDom("font-family:sans-serif", "background:url(http://example.org/bg.png)");
        Assert.Equal("<style> references the external URL http://example.org/bg.png", SingleFailure(report));
    }

    [Fact]
    public void LinkedLocalFileIsNamed()
    {
        var report = Valid.WithDom("<title>", "<script src=\"plot.js\"></script><title>");
        Assert.Equal("<script src=\"plot.js\"> loads a resource from outside the page (the report must be self-contained)", SingleFailure(report));
    }

    [Theory]
    [InlineData("<img src=\"figures/density.png\">", "<img src=\"figures/density.png\"> loads a resource from outside the page (the report must be self-contained)")]
    [InlineData("<svg><image xlink:href=\"pic.png\"></image></svg>", "<image href=\"pic.png\"> loads a resource from outside the page (the report must be self-contained)")]
    [InlineData("<link rel=\"icon\" href=\"//cdn.example.org/i.ico\">", "<link href=\"//cdn.example.org/i.ico\"> loads a resource from outside the page (the report must be self-contained)")]
    [InlineData("<a href=\"https://arxiv.org/abs/1901.10159\">paper</a>", "<a href> references the external URL https://arxiv.org/abs/1901.10159")]
    public void ReferencesOutsideThePageAreNamed(string element, string expected) =>
        Assert.Equal(expected, SingleFailure(Valid.WithDom("<h1>", element + "<h1>")));

    [Theory]
    [InlineData("<img src=\"data:image/png;base64,iVBORw0KGgo=\">")]
    [InlineData("<svg><defs><path id=\"m\" d=\"M0 0\"></path></defs><use href=\"#m\"></use></svg>")]
    [InlineData("<a href=\"figures/density.svg\">density as SVG</a>")]
    [InlineData("<p>Ghorbani et al. 2019, https://arxiv.org/abs/1901.10159 (a citation in prose loads nothing)</p>")]
    public void SelfContainedReferencesPass(string element)
    {
        var report = Valid.WithDom("<h1>", element + "<h1>");
        Assert.Empty(Checker.Check(report.Dom, report.Json, report.Files).Failures);
    }

    [Fact]
    public void JsonWithoutFigureListFails()
    {
        var report = Valid with { Json = Valid.Json.Replace("\"figures\"", "\"plots\"", StringComparison.Ordinal) };
        var result = Checker.Check(report.Dom, report.Json, report.Files);
        Assert.Contains("study.json has no top-level 'figures' array", result.Failures);
    }

    [Fact]
    public void InvalidJsonFails() =>
        Assert.StartsWith("study.json is not valid JSON", SingleFailure(Valid with { Json = "{\"figures\": [" }));

    [Fact]
    public void FolderOnDiskPassesThroughTheCommand()
    {
        using var temp = new TempDirectory();
        string folder = Valid.WriteTo(temp.Combine("report"));
        using var output = new StringWriter();
        int code = Curvature.ReportCheck.ReportCheckCommand.Run([folder, "--dom", Path.Combine(folder, "report.html")], output);
        Assert.Equal($"report check: 2 figures, {SampleReport.NumberCount} numbers verified{Environment.NewLine}", output.ToString());
        Assert.Equal(Curvature.ReportCheck.ReportCheckCommand.Passed, code);
    }

    [Fact]
    public void FolderOnDiskWithADefectFailsThroughTheCommand()
    {
        using var temp = new TempDirectory();
        string folder = Valid.WithFile("figures/density.png", null).WriteTo(temp.Combine("report"));
        using var output = new StringWriter();
        int code = Curvature.ReportCheck.ReportCheckCommand.Run([folder, "--dom", Path.Combine(folder, "report.html")], output);
        Assert.Equal(["figure 'density': figures/density.png is missing", "report check: FAILED (1 problems)"],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(Curvature.ReportCheck.ReportCheckCommand.Failed, code);
    }

    [Fact]
    public void FolderWithoutRecordFails()
    {
        using var temp = new TempDirectory();
        string folder = Valid.WriteTo(temp.Combine("report"));
        File.Delete(Path.Combine(folder, "study.json"));
        using var output = new StringWriter();
        int code = Curvature.ReportCheck.ReportCheckCommand.Run([folder, "--dom", Path.Combine(folder, "report.html")], output);
        Assert.Equal(Curvature.ReportCheck.ReportCheckCommand.Failed, code);
        Assert.Contains("study.json is missing", output.ToString());
    }

    [Theory]
    [InlineData]
    [InlineData("a", "b")]
    [InlineData("a", "--screenshot")]
    public void BadUsageExitsWithTwo(params string[] args)
    {
        using var output = new StringWriter();
        Assert.Equal(Curvature.ReportCheck.ReportCheckCommand.BadUsage, Curvature.ReportCheck.ReportCheckCommand.Run(args, output));
        Assert.StartsWith("usage:", output.ToString());
    }
}
