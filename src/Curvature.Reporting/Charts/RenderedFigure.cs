namespace Curvature.Reporting.Charts;

/// <summary>A finished figure in both formats, ready to be written (PNG for viewing, SVG for papers and
/// the HTML report).</summary>
/// <param name="Name">File stem, e.g. "spectrum-none".</param>
/// <param name="Caption">What was measured and how, in one or two sentences.</param>
/// <param name="Png">PNG bytes.</param>
/// <param name="Svg">SVG document.</param>
public sealed record RenderedFigure(string Name, string Caption, byte[] Png, string Svg);
