namespace Curvature.Data;

/// <summary>One batch of a <see cref="BatchPartition"/>: the examples [<see cref="Start"/>, <see cref="End"/>) and
/// the batch's weight |b|/N in the data-set mean.</summary>
/// <param name="Index">The position of the batch in the partition, 0-based.</param>
/// <param name="Start">The first example of the batch.</param>
/// <param name="Size">|b|, the number of examples in the batch (≥ 1).</param>
/// <param name="Weight">|b|/N as the correctly rounded double (see <see cref="BatchPartition"/> for why).</param>
public readonly record struct BatchRange(int Index, int Start, int Size, double Weight)
{
    /// <summary>One past the last example of the batch, <see cref="Start"/> + <see cref="Size"/>.</summary>
    public int End => Start + Size;
}

/// <summary>
/// The fixed, deterministic partition of N examples into contiguous batches [0, B), [B, 2B), …, the last one
/// holding the N mod B examples left over (if any), used to accumulate data-set quantities (loss, gradient,
/// Hessian-vector products) batch by batch with the same batches every time.
/// </summary>
/// <remarks>
/// <para>Why the weights are |b|/N and not 1/(number of batches): the quantity analysed is the mean loss over the
/// data set, L = (1/N) Σᵢ ℓᵢ. Writing Lᵦ = (1/|b|) Σ_{i∈b} ℓᵢ for the mean loss of batch b (what a model's loss
/// function returns for that batch) gives L = Σᵦ (|b|/N)·Lᵦ exactly, and the same weights carry over to the
/// gradient and the Hessian, which are linear in the loss. Equal weights 1/(number of batches) agree only when B
/// divides N; otherwise they give the examples of a short last batch more weight than the others, i.e. the curvature
/// of a different, reweighted loss — and one that changes with the batch size. The curvature Ghorbani, Krishnan &amp; Xiao
/// 2019 study is that of the mean training loss, which is the |b|/N-weighted sum.</para>
/// <para>Exactness: as rationals the weights sum to exactly 1, since Σᵦ |b| = N (integers). As doubles each weight
/// is the correctly rounded quotient (relative error ≤ 2⁻⁵³), so a floating-point sum of the m weights is 1 to within
/// about m·2⁻⁵³ — far below the rounding of the per-batch products being weighted. A caller that wants the mean with
/// a single rounding can instead accumulate |b|·Lᵦ (the batch's summed loss) and divide by N once.</para>
/// <para>With B ≥ N there is one batch of all N examples (weight exactly 1): the full-batch case, in which a
/// train-mode BatchNorm uses the statistics of the whole data set.</para>
/// </remarks>
public sealed class BatchPartition
{
    /// <summary>Partitions <paramref name="samples"/> examples into contiguous batches of
    /// <paramref name="batchSize"/> (the last one shorter if B does not divide N).</summary>
    /// <param name="samples">N, the number of examples (≥ 1).</param>
    /// <param name="batchSize">B, the batch size (≥ 1; B ≥ N gives one full batch).</param>
    /// <exception cref="ArgumentOutOfRangeException">N or B is below 1.</exception>
    public BatchPartition(int samples, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Samples = samples;
        BatchSize = batchSize;
        int count = (int)(((long)samples + batchSize - 1) / batchSize);   // ⌈N/B⌉ without int overflow
        var batches = new BatchRange[count];
        for (int b = 0; b < count; b++)
        {
            int start = (int)((long)b * batchSize);
            int size = Math.Min(batchSize, samples - start);
            batches[b] = new BatchRange(b, start, size, (double)size / samples);
        }
        Batches = batches;
    }

    /// <summary>N, the number of examples partitioned.</summary>
    public int Samples { get; }

    /// <summary>B, the requested batch size (every batch has it except possibly the last, which may be shorter,
    /// and a single batch when B &gt; N, which has N).</summary>
    public int BatchSize { get; }

    /// <summary>The batches in order; together they cover every example 0..N−1 exactly once.</summary>
    public IReadOnlyList<BatchRange> Batches { get; }

    /// <summary>The number of batches, ⌈N/B⌉.</summary>
    public int Count => Batches.Count;
}
