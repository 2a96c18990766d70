using System.Text;
using System.Text.RegularExpressions;

namespace Curvature.Reporting.Study;

/// <summary>A piece of a finding's statement: literal text, or the number of one of the finding's values (so the HTML
/// can print it as an element that points into the JSON record).</summary>
/// <param name="Text">Literal text, or null.</param>
/// <param name="Value">Index into <see cref="Finding.Values"/>, or null.</param>
internal sealed record StatementPart(string? Text, int? Value);

/// <summary>A finding and its statement in pieces.</summary>
internal sealed record DraftFinding(Finding Finding, StatementPart[] Parts);

/// <summary>Collects a finding's values and statement. Statements are templates whose "{i}" placeholders name values,
/// so every number in a statement is one of the finding's values (and printed the same way everywhere).</summary>
internal sealed partial class FindingBuilder(int index, string id, string title, string measurement)
{
    readonly List<FindingValue> values = [];
    readonly List<StatementPart> parts = [];

    /// <summary>Adds a value; without a record pointer it points at itself inside the summary.</summary>
    public int Add(string label, double value, string? pointer = null)
    {
        int j = values.Count;
        values.Add(new FindingValue(label, value, pointer ?? StudyPointers.FindingValue(index, j)));
        return j;
    }

    /// <summary>Appends a template: "{i}" stands for the value with index <paramref name="refs"/>[i].</summary>
    public FindingBuilder Say(string template, params int[] refs)
    {
        int at = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            if (m.Index > at) parts.Add(new StatementPart(template[at..m.Index], null));
            parts.Add(new StatementPart(null, refs[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)]));
            at = m.Index + m.Length;
        }
        if (at < template.Length) parts.Add(new StatementPart(template[at..], null));
        return this;
    }

    /// <summary>The finding with a verdict.</summary>
    public DraftFinding Done(Verdict verdict)
    {
        var text = new StringBuilder();
        foreach (var p in parts) text.Append(p.Text ?? NumberText.Short(values[p.Value!.Value].Value));
        return new DraftFinding(new Finding(id, title, measurement, values.ToArray(), verdict, text.ToString()), parts.ToArray());
    }

    /// <summary>The finding without a verdict: what is missing (values gathered so far are kept).</summary>
    public DraftFinding NotMeasured(string why)
    {
        parts.Clear();
        parts.Add(new StatementPart("Not measured: " + why, null));
        return Done(Verdict.NotMeasured);
    }

    [GeneratedRegex(@"\{(\d+)\}")]
    private static partial Regex Placeholder();
}
