namespace Curvature.Data;

/// <summary>The contents of one IDX file of unsigned bytes: its dimensions (outermost first) and its
/// values in row-major order, exactly as stored.</summary>
/// <param name="Name">The file name the array was read from (used in error messages).</param>
/// <param name="Dimensions">The sizes from the header, outermost first; each is at least 1.</param>
/// <param name="Values">The Π Dimensions values in row-major (C) order. Equality of two arrays compares this
/// buffer by reference, as for any record holding an array.</param>
public sealed record IdxArray(string Name, IReadOnlyList<int> Dimensions, byte[] Values)
{
    /// <summary>The dimensions written as in messages, e.g. "10000×28×28".</summary>
    public string Shape => string.Join("×", Dimensions);
}
