using TorchSharp;

namespace Curvature.Tests.Support;

/// <summary>Counts tensors created and not disposed inside a block, via a dispose scope's statistics:
/// an estimator that leaves nothing behind shows zero.</summary>
public static class LiveTensors
{
    /// <summary>Runs <paramref name="action"/> and returns how many tensors it created that are still alive
    /// when it returns (the action must dispose what it keeps; tensors left to the finalizer count as leaked).</summary>
    public static long LeakedBy(Action action)
    {
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        action();
        return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
    }
}
