using Curvature.Data;

namespace Curvature.Tests.Data;

/// <summary>The contiguous batch partition: coverage of every index exactly once, exact |b|/N weights, and why
/// they are the right ones.</summary>
public sealed class BatchPartitionTests
{
    /// <summary>u = 2⁻⁵³, the unit round-off of float64.</summary>
    const double UnitRoundoff = 1.0 / (1L << 53);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 5)]          // B > N: one full batch
    [InlineData(10, 10)]        // B = N
    [InlineData(10, 1)]         // ten batches of 0.1, whose float sum is not 1
    [InlineData(10, 3)]         // short last batch
    [InlineData(10, 4)]
    [InlineData(97, 8)]         // prime N
    [InlineData(1000, 7)]
    [InlineData(60000, 128)]
    [InlineData(int.MaxValue, int.MaxValue - 1)]   // no overflow in ⌈N/B⌉ or the starts
    public void BatchesCoverEveryIndexOnceWithWeightsSizeOverN(int n, int b)
    {
        var partition = new BatchPartition(n, b);
        var batches = partition.Batches;
        Assert.Equal((n, b), (partition.Samples, partition.BatchSize));
        Assert.Equal((int)(((long)n + b - 1) / b), partition.Count);

        long next = 0, sizes = 0;
        for (int i = 0; i < batches.Count; i++)
        {
            var batch = batches[i];
            Assert.Equal(i, batch.Index);
            Assert.Equal(next, batch.Start);                  // contiguous: each starts where the previous ended
            Assert.Equal(i < batches.Count - 1 ? b : n - (long)b * (batches.Count - 1), batch.Size);
            Assert.True(batch.Size >= 1);
            Assert.Equal((double)batch.Size / n, batch.Weight);   // the correctly rounded |b|/N, bit for bit
            Assert.Equal(batch.Start + batch.Size, batch.End);
            next = batch.End;
            sizes += batch.Size;
        }
        Assert.Equal(n, next);                                // ... and the last ends at N: every index exactly once
        Assert.Equal(n, sizes);                               // Σ|b| = N: as rationals the weights sum to exactly 1
        // As doubles: each weight is within u relative of |b|/N and the m-term float sum adds at most (m−1)u more.
        double sum = batches.Sum(x => x.Weight);
        Assert.True(Math.Abs(sum - 1) <= batches.Count * UnitRoundoff, $"Σ weights − 1 = {sum - 1:E3}");
    }

    [Theory]
    [InlineData(64, 10)]
    [InlineData(1024, 3)]
    [InlineData(8, 8)]
    public void WithAPowerOfTwoNTheFloatingSumIsExactlyOne(int n, int b)
    {
        // Every |b|/N is then a dyadic fraction with at most log2 N bits, so the weights and all partial sums are exact.
        Assert.Equal(1.0, new BatchPartition(n, b).Batches.Sum(x => x.Weight));
    }

    /// <summary>The weights reproduce the data-set mean from the batch means; equal weights 1/(number of batches) do
    /// not when the last batch is short — the reason the partition uses |b|/N.</summary>
    [Fact]
    public void WeightedBatchMeansAreTheDataSetMean()
    {
        var losses = Enumerable.Range(0, 10).Select(i => (double)i).ToArray();   // batch means 1.5, 5.5, 8.5
        var partition = new BatchPartition(10, 4);            // batches of 4, 4, 2
        Assert.Equal(new[] { 0.4, 0.4, 0.2 }, partition.Batches.Select(x => x.Weight));

        double mean = losses.Average();
        double weighted = partition.Batches.Sum(x => x.Weight * losses[x.Start..x.End].Average());
        double equal = partition.Batches.Sum(x => losses[x.Start..x.End].Average() / partition.Count);
        Assert.Equal(4.5, mean);
        Assert.Equal(4.5, weighted, 1e-14);                   // 0.4·1.5 + 0.4·5.5 + 0.2·8.5, a few roundings of values below 10
        Assert.Equal(15.5 / 3, equal, 1e-14);                 // the equal-weight "mean" is off by 2/3
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(-1, 4)]
    [InlineData(10, 0)]
    [InlineData(10, -3)]
    public void SizesBelowOneAreRejected(int n, int b)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new BatchPartition(n, b));
        Assert.Equal(n <= 0 ? "samples" : "batchSize", e.ParamName);
    }
}
