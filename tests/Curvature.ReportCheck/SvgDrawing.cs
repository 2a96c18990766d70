using System.Globalization;
using AngleSharp.Dom;

namespace Curvature.ReportCheck;

/// <summary>Whether an SVG element draws something and how large it is.</summary>
public static class SvgDrawing
{
    /// <summary>Elements that put marks on the canvas (SVG 1.1 §8–10: paths, basic shapes, text).</summary>
    public static readonly IReadOnlySet<string> DrawingElements =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "path", "line", "polyline", "polygon", "rect", "circle", "ellipse", "text" };

    /// <summary>The smallest width and height (user units or CSS px) a figure may have: below this an SVG is an
    /// icon or a collapsed box, not a chart with axes and labels (the report's charts are hundreds of px).</summary>
    public const double MinimumSize = 50;

    /// <summary>How many drawing elements <paramref name="svg"/> contains.</summary>
    public static int CountDrawingElements(IElement svg) =>
        ReportCheck.ElementsBelow(svg).Count(e => DrawingElements.Contains(e.LocalName));

    /// <summary>The drawn size: the viewBox's width and height, else the width and height attributes
    /// (plain numbers or px); null when neither says.</summary>
    public static (double Width, double Height)? Size(IElement svg)
    {
        string[] box = (svg.GetAttribute("viewBox") ?? "").Split([' ', ',', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        if (box.Length == 4 && TryLength(box[2], out double w) && TryLength(box[3], out double h))
            return (w, h);
        if (TryLength(svg.GetAttribute("width"), out w) && TryLength(svg.GetAttribute("height"), out h))
            return (w, h);
        return null;
    }

    static bool TryLength(string? text, out double value)
    {
        value = 0;
        if (text is null)
            return false;
        text = text.Trim();
        if (text.EndsWith("px", StringComparison.OrdinalIgnoreCase))
            text = text[..^2];
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
