namespace Curvature.Models;

/// <summary>Value equality for the integer lists inside spec records (a record compares lists by reference).</summary>
internal static class SpecText
{
    public static bool SameList(IReadOnlyList<int>? a, IReadOnlyList<int>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));

    public static int ListHash(IReadOnlyList<int>? list)
    {
        var hash = new HashCode();
        if (list is not null)
            foreach (int value in list) hash.Add(value);
        return hash.ToHashCode();
    }
}
