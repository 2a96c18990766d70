namespace Curvature.Training;

/// <summary>What a training run measured, as plain arrays. Index i of the per-step arrays is update i + 1 (the loss
/// and accuracy of its mini-batch, computed before the update, in train mode); the evaluation arrays are the held-out
/// loss and accuracy (eval mode) after <see cref="EvaluationSteps"/>[j] updates.</summary>
/// <param name="Loss">Mini-batch loss of each update.</param>
/// <param name="Accuracy">Mini-batch accuracy (fraction of argmax = label) of each update.</param>
/// <param name="LearningRate">The rate each update used.</param>
/// <param name="EvaluationSteps">Steps at which the held-out data was evaluated.</param>
/// <param name="HeldOutLoss">Held-out mean loss at those steps.</param>
/// <param name="HeldOutAccuracy">Held-out accuracy at those steps.</param>
public sealed record TrainingHistory(double[] Loss, double[] Accuracy, double[] LearningRate,
                                     int[] EvaluationSteps, double[] HeldOutLoss, double[] HeldOutAccuracy)
{
    /// <summary>The empty history (before any update).</summary>
    public static TrainingHistory Empty { get; } = new([], [], [], [], [], []);
}

/// <summary>Progress of a run: <see cref="Step"/> updates of <see cref="Steps"/> done, the last mini-batch loss.</summary>
/// <param name="Step">Updates done.</param>
/// <param name="Steps">Total updates.</param>
/// <param name="Loss">The last mini-batch loss.</param>
public readonly record struct TrainingProgress(int Step, int Steps, double Loss);
