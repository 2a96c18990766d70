namespace Curvature.Operators;

/// <summary>What the last product session of a network operator kept (see <see cref="NetworkOperator.GraphCacheBudget"/>).</summary>
/// <param name="Batches">Batches of the partition.</param>
/// <param name="CachedBatches">Batches whose gradient graph was built once and reused; the others were rebuilt per product.</param>
/// <param name="ResidentGrowthBytes">Growth of the process's resident memory while the graphs were held (measured).</param>
/// <param name="BudgetBytes">The memory the cache was allowed to take.</param>
/// <param name="Products">Vectors multiplied in the session.</param>
public sealed record GraphCacheReport(int Batches, int CachedBatches, long ResidentGrowthBytes, long BudgetBytes, long Products);
