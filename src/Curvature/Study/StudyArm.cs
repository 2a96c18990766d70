using Curvature.Models;

namespace Curvature.Study;

/// <summary>One arm of a paired study: the same architecture, seed, data order and schedule as its partners, differing
/// only in the normalisation (and in the learning rate, which each arm needs at a stable value).</summary>
/// <param name="Name">Name in the record and the report ("none", "batch", "centered", "layer", "population").</param>
/// <param name="Norm">The normalisation layers the model has.</param>
/// <param name="LearningRate">η for this arm.</param>
/// <param name="PopulationStatistics">BatchNorm trained with the statistics of a fixed population subset refreshed every
/// <see cref="StudyOptions.PopulationRefreshEvery"/> steps instead of each mini-batch's, and analysed the same way.</param>
public sealed record StudyArm(string Name, NormKind Norm, double LearningRate, bool PopulationStatistics = false)
{
    /// <summary>The standard arm for a name: none, batch, centered (mean-only BN), layer, population (BN with population
    /// statistics); learning rates from the study notes (0.05 without BN, 0.1 with BN; centring and layer norm at the
    /// un-normalised rate, population BN at the BN rate).</summary>
    public static StudyArm Standard(string name, double rateWithoutBatchNorm = 0.05, double rateWithBatchNorm = 0.1) => name switch
    {
        "none" => new StudyArm(name, NormKind.None, rateWithoutBatchNorm),
        "batch" => new StudyArm(name, NormKind.Batch, rateWithBatchNorm),
        "centered" => new StudyArm(name, NormKind.Centered, rateWithoutBatchNorm),
        "layer" => new StudyArm(name, NormKind.Layer, rateWithoutBatchNorm),
        "population" => new StudyArm(name, NormKind.Batch, rateWithBatchNorm, PopulationStatistics: true),
        _ => throw new ArgumentException($"study: unknown arm '{name}'; expected none, batch, centered, layer or population"),
    };

    /// <summary>The names <see cref="Standard"/> accepts.</summary>
    public static IReadOnlyList<string> StandardNames { get; } = ["none", "batch", "centered", "layer", "population"];
}
