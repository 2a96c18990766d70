using System.Text.RegularExpressions;
using AngleSharp.Dom;

namespace Curvature.ReportCheck;

/// <summary>The page is self-contained: no http(s) URL in any attribute, style sheet or script (namespace
/// declarations excepted: they name a vocabulary and are never fetched), and no resource loaded from a file.</summary>
static partial class ExternalReferenceCheck
{
    /// <summary>Attributes through which an element loads a resource, by element. In SVG, "href" also finds
    /// xlink:href (the parser stores it as "href" in the XLink namespace).</summary>
    static readonly (string Element, string Attribute)[] Loaders =
    [
        ("img", "src"), ("img", "srcset"), ("script", "src"), ("link", "href"), ("iframe", "src"), ("embed", "src"),
        ("object", "data"), ("source", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"),
        ("image", "href"), ("use", "href"), ("feImage", "href"),
    ];

    [GeneratedRegex(@"https?://[^\s""'<>()]*", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    public static void Run(IDocument page, List<string> failures)
    {
        foreach (var element in page.QuerySelectorAll("*"))
        {
            foreach (var attribute in element.Attributes)
            {
                if (attribute.Name == "xmlns" || attribute.Name.StartsWith("xmlns:", StringComparison.Ordinal))
                    continue;
                foreach (Match url in Url().Matches(attribute.Value))
                    failures.Add($"<{element.LocalName} {attribute.Name}> references the external URL {url.Value}");
            }
            if (element.LocalName is "style" or "script")
                foreach (Match url in Url().Matches(element.TextContent))
                    failures.Add($"<{element.LocalName}> references the external URL {url.Value}");
            foreach (var (_, name) in Loaders.Where(l => l.Element.Equals(element.LocalName, StringComparison.OrdinalIgnoreCase)))
            {
                string? value = element.GetAttribute(name)?.Trim();
                if (!string.IsNullOrEmpty(value) && !value.StartsWith('#') && !value.StartsWith("data:", StringComparison.OrdinalIgnoreCase) && !Url().IsMatch(value))
                    failures.Add($"<{element.LocalName} {name}=\"{value}\"> loads a resource from outside the page (the report must be self-contained)");
            }
        }
    }
}
