using static TorchSharp.torch;

namespace Curvature.Study;

/// <summary>The data of a study (borrowed tensors, never copied or disposed): the training examples, optional held-out
/// examples, and how many of the first training examples form the fixed analysis subset and the population subset.</summary>
/// <param name="TrainInputs">Training inputs [N, …] in the models' dtype.</param>
/// <param name="TrainLabels">int64 labels [N].</param>
/// <param name="HeldOutInputs">Held-out inputs, or null.</param>
/// <param name="HeldOutLabels">Held-out labels, or null.</param>
/// <param name="AnalysisSamples">A: the Hessian is that of the mean loss over the first A training examples, as one batch
/// (1,000 in the study notes).</param>
/// <param name="PopulationSamples">P ≥ A: population BatchNorm statistics come from the first P training examples.</param>
public sealed record StudyData(Tensor TrainInputs, Tensor TrainLabels, Tensor? HeldOutInputs, Tensor? HeldOutLabels, int AnalysisSamples, int PopulationSamples)
{
    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first problem.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(TrainInputs);
        ArgumentNullException.ThrowIfNull(TrainLabels);
        long n = TrainInputs.shape[0];
        if (TrainLabels.dim() != 1 || TrainLabels.dtype != ScalarType.Int64 || TrainLabels.shape[0] != n)
            throw new ArgumentException($"study: labels must be int64 [N] with N = {n}");
        if (AnalysisSamples < 2 || AnalysisSamples > n) throw new ArgumentException($"study: the analysis subset must have between 2 and {n} examples; got {AnalysisSamples}");
        if (PopulationSamples < AnalysisSamples || PopulationSamples > n)
            throw new ArgumentException($"study: the population subset must have between {AnalysisSamples} (the analysis subset) and {n} examples; got {PopulationSamples}");
        if ((HeldOutInputs is null) != (HeldOutLabels is null)) throw new ArgumentException("study: held-out inputs and labels must be given together");
    }
}
