using System.Xml.Linq;
using Curvature.Reporting.Study;

namespace Curvature.Tests.Reporting.Study;

/// <summary>How numbers are printed on the page, and how a standalone SVG becomes an inline one.</summary>
public class StudyFormatTests
{
    [Theory]
    [InlineData(14.2, "14.2")]
    [InlineData(14.24, "14.2")]
    [InlineData(0.9341, "0.934")]
    [InlineData(1.25e-5, "1.25e-05")]
    [InlineData(-3.456, "-3.46")]
    [InlineData(1000.0, "1000")]
    [InlineData(123456.7, "1.23e+05")]
    [InlineData(-0.0, "0")]
    [InlineData(double.NaN, "n/a")]
    [InlineData(double.PositiveInfinity, "n/a")]
    public void Short_PrintsThreeSignificantDigits_Plainly(double value, string expected) => Assert.Equal(expected, NumberText.Short(value));

    [Theory]
    [InlineData(1e-6, "1e-06")]
    [InlineData(0.05, "0.05")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    public void Exact_PrintsTheShortestRoundTrip(double value, string expected) => Assert.Equal(expected, NumberText.Exact(value));

    const string Standalone = """
        <?xml version="1.0" encoding="utf-8" ?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="900" height="560">
        <clipPath id="cl_1"><rect width="1" height="1"/></clipPath>
        <g clip-path="url(#cl_1)"><path d="M0 0L1 1"/></g>
        </svg>
        """;

    [Fact]
    public void Prepare_StripsTheProlog_AddsAViewBox_AndPrefixesIds()
    {
        string svg = SvgInline.Prepare(Standalone, "fig-a-");
        Assert.StartsWith("<svg ", svg);
        Assert.DoesNotContain("<?xml", svg);
        Assert.DoesNotContain("DOCTYPE", svg);
        Assert.DoesNotContain("xlink", svg); // declared but unused: dropped
        Assert.Contains("viewBox=\"0 0 900 560\"", svg);
        Assert.Contains("id=\"fig-a-cl_1\"", svg);
        Assert.Contains("url(#fig-a-cl_1)", svg);
        Assert.DoesNotContain("\"cl_1\"", svg);
        XDocument.Parse(svg);
    }

    [Fact]
    public void Prepare_KeepsXlink_WhenUsed_AndAnExistingViewBox()
    {
        string used = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 5 5" width="10" height="10"><use xlink:href="#p"/><path id="p" d=""/></svg>""";
        string svg = SvgInline.Prepare(used, "x-");
        Assert.Contains("xmlns:xlink", svg);
        Assert.Contains("xlink:href=\"#x-p\"", svg);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(svg, "viewBox"));
        Assert.Throws<ArgumentException>(() => SvgInline.Prepare("<html/>", "x-"));
    }
}
