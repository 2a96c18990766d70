namespace Curvature.Estimators;

/// <summary>
/// Where a long estimator keeps its resumable state. An estimator given a checkpoint first asks
/// <see cref="TryLoad"/> for its stage and continues from what it finds; then it saves when it starts, every
/// <see cref="Interval"/> products with the operator, when it is cancelled, and when it ends. States are plain data
/// (<see cref="EstimatorState"/>) that include the generator's state, so a resumed run draws exactly the random numbers
/// an uninterrupted one would and ends with bit-identical results.
/// </summary>
/// <remarks>Stage names are fixed per estimator (<see cref="TopEigenpairs.Stage"/>,
/// <see cref="StochasticLanczosQuadrature.Stage"/>, <see cref="HutchPlusPlus.Stage"/>); a caller composing stages passes
/// one checkpoint to all of them and they share its generator in order. <see cref="CheckpointDirectory"/> is the
/// file-backed implementation.</remarks>
public interface IEstimatorCheckpoint
{
    /// <summary>Products with the operator between two saves (≥ 1).</summary>
    int Interval { get; }

    /// <summary>Stores <paramref name="state"/> as the latest state of <paramref name="stage"/>, replacing the previous
    /// one atomically (a crash during the save leaves the previous state).</summary>
    void Save(string stage, EstimatorState state);

    /// <summary>The latest state saved for <paramref name="stage"/>, or null to start the stage afresh.</summary>
    EstimatorState? TryLoad(string stage);
}
