namespace Curvature.Data;

/// <summary>The contents of one CIFAR-10 binary batch file, exactly as stored: one label byte and 3072 pixel
/// bytes per record, split into two buffers.</summary>
/// <param name="Name">The file name the batch was read from (used in error messages).</param>
/// <param name="Labels">The label of each record, in file order; each is in 0..9.</param>
/// <param name="Pixels">The 3072 pixel bytes of each record, records in file order, each record as stored:
/// the red plane, then green, then blue, each 32×32 row-major. Equality of two batches compares the buffers by
/// reference, as for any record holding arrays.</param>
public sealed record Cifar10Batch(string Name, byte[] Labels, byte[] Pixels)
{
    /// <summary>The number of records (images) in the file.</summary>
    public int Count => Labels.Length;
}
