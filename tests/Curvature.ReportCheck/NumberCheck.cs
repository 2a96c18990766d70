using System.Text.Json;
using AngleSharp.Dom;

namespace Curvature.ReportCheck;

/// <summary>Every number the page prints from the record (an element with <c>data-json="POINTER"</c>) equals
/// the record's value.</summary>
static class NumberCheck
{
    /// <summary>Checks the numbers; returns how many matched.</summary>
    public static int Run(IDocument page, JsonElement record, List<string> failures)
    {
        var elements = page.QuerySelectorAll("[data-json]").ToList();
        if (elements.Count == 0)
        {
            failures.Add("the page prints no number from study.json (no element has data-json)");
            return 0;
        }
        int verified = 0;
        foreach (var element in elements)
        {
            string pointer = element.GetAttribute("data-json")!;
            string text = element.TextContent.Trim();
            string? problem = Problem(record, pointer, text);
            if (problem is null)
                verified++;
            else
                failures.Add($"number at '{pointer}' (page shows \"{text}\"): {problem}");
        }
        return verified;
    }

    static string? Problem(JsonElement record, string pointer, string text)
    {
        if (!JsonPointer.TryResolve(record, pointer, out var value, out string problem))
            return $"the pointer {problem}";
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return PrintedNumber.NonFiniteTexts.Contains(text)
                    ? null
                    : $"study.json has null (a non-finite value) here, so the page must show {string.Join(" or ", PrintedNumber.NonFiniteTexts)}";
            case JsonValueKind.Number:
                double recorded = value.GetDouble();
                if (!PrintedNumber.TryParse(text, out _, out _))
                    return $"not an invariant-culture number; study.json has {value.GetRawText()}";
                return PrintedNumber.Matches(text, recorded)
                    ? null
                    : $"differs from study.json's {value.GetRawText()} by more than half a unit of the last printed digit";
            default:
                return $"study.json has a {value.ValueKind.ToString().ToLowerInvariant()} here, not a number";
        }
    }
}
