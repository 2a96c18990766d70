namespace Curvature.Estimators;

/// <summary>When a stage saves and stops: a save every <see cref="IEstimatorCheckpoint.Interval"/> products, at stage
/// boundaries, and on cancellation (save first, then throw <see cref="OperationCanceledException"/>). States are built
/// lazily, only when saved. Without a checkpoint only cancellation remains.</summary>
internal sealed class CheckpointSchedule(IEstimatorCheckpoint? checkpoint, string stage, CancellationToken cancellation)
{
    int _sinceSave;
    bool _savedHere;

    public EstimatorState? Load() => checkpoint?.TryLoad(stage);

    /// <summary>At a boundary where <paramref name="capture"/> is consistent: on cancellation save (unless the state
    /// was just saved) and throw.</summary>
    public void StopIfCancelled(Func<EstimatorState> capture)
    {
        if (!cancellation.IsCancellationRequested) return;
        if (!_savedHere) Save(capture);
        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>After <paramref name="products"/> more products: save when the interval is reached.</summary>
    public void Count(int products, Func<EstimatorState> capture)
    {
        _sinceSave += products;
        _savedHere = false;
        if (checkpoint is not null && _sinceSave >= checkpoint.Interval) Save(capture);
    }

    /// <summary>Saves now (stage start and end).</summary>
    public void Save(Func<EstimatorState> capture)
    {
        if (checkpoint is null) return;
        checkpoint.Save(stage, capture());
        _sinceSave = 0;
        _savedHere = true;
    }

    /// <summary>The saved state as the stage's type, or an <see cref="ArgumentException"/> naming what was found.</summary>
    public static T As<T>(EstimatorState state, string stage) where T : EstimatorState =>
        state as T ?? throw new ArgumentException($"the checkpoint's '{stage}' state is a {state.GetType().Name}, not a {typeof(T).Name}");

    /// <summary>Throws an <see cref="ArgumentException"/> when a saved state was made by a differently configured run.</summary>
    public static void RequireSame<T>(string stage, string what, T saved, T current)
    {
        if (!EqualityComparer<T>.Default.Equals(saved, current))
            throw new ArgumentException($"the checkpoint's '{stage}' state was made with {what} = {saved}; this run has {what} = {current}");
    }
}
