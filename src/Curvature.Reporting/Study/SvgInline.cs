using System.Text.RegularExpressions;

namespace Curvature.Reporting.Study;

/// <summary>Makes a standalone SVG document fit for inlining in HTML5: no XML prolog or doctype, a viewBox so CSS can
/// scale it, ids prefixed per figure (several inline SVGs share one id space, and ScottPlot numbers its clip paths
/// per document), and no unused xlink namespace declaration (the page then references no URL but the SVG namespace).</summary>
public static partial class SvgInline
{
    /// <summary>The inlinable SVG element of <paramref name="svg"/>, its ids prefixed with <paramref name="idPrefix"/>.</summary>
    public static string Prepare(string svg, string idPrefix)
    {
        ArgumentNullException.ThrowIfNull(svg);
        string s = Prolog().Replace(svg, "");
        s = Doctype().Replace(s, "").Trim();
        s = Id().Replace(s, m => $"id=\"{idPrefix}{m.Groups[1].Value}\"");
        s = UrlReference().Replace(s, m => $"url(#{idPrefix}{m.Groups[1].Value})");
        s = HrefReference().Replace(s, m => $"{m.Groups[1].Value}=\"#{idPrefix}{m.Groups[2].Value}\"");
        var root = RootTag().Match(s);
        if (!root.Success) throw new ArgumentException("not an SVG document: no <svg> element");
        string tag = root.Value;
        string newTag = tag;
        var xlink = XlinkDeclaration().Match(tag);
        if (xlink.Success && !s.Replace(xlink.Value, "").Contains("xlink:", StringComparison.Ordinal))
            newTag = XlinkDeclaration().Replace(newTag, "");
        if (!newTag.Contains("viewBox", StringComparison.Ordinal))
        {
            var w = Width().Match(newTag);
            var h = Height().Match(newTag);
            if (w.Success && h.Success) newTag = newTag.Insert(4, $" viewBox=\"0 0 {w.Groups[1].Value} {h.Groups[1].Value}\"");
        }
        return s[..root.Index] + newTag + s[(root.Index + tag.Length)..];
    }

    [GeneratedRegex(@"<\?xml[^>]*\?>")] private static partial Regex Prolog();
    [GeneratedRegex(@"<!DOCTYPE[^>]*>", RegexOptions.IgnoreCase)] private static partial Regex Doctype();
    [GeneratedRegex(@"\bid=""([^""]+)""")] private static partial Regex Id();
    [GeneratedRegex(@"url\(#([^)]+)\)")] private static partial Regex UrlReference();
    [GeneratedRegex(@"((?:xlink:)?href)=""#([^""]+)""")] private static partial Regex HrefReference();
    [GeneratedRegex(@"<svg\b[^>]*>")] private static partial Regex RootTag();
    [GeneratedRegex(@"\s+xmlns:xlink=""[^""]*""")] private static partial Regex XlinkDeclaration();
    [GeneratedRegex(@"\swidth=""([0-9.]+)""")] private static partial Regex Width();
    [GeneratedRegex(@"\sheight=""([0-9.]+)""")] private static partial Regex Height();
}
