using System.CommandLine;
using Curvature.Operators;
using Curvature.Training;

namespace Curvature.Cli.Commands;

/// <summary>The SGD options shared by <c>train</c> and <c>study</c> (defaults from the study notes: momentum 0.9, batch
/// 128, 1,000 steps), declared once and turned into <see cref="TrainingOptions"/> the same way.</summary>
internal sealed class TrainingOptionSet
{
    public Option<double> Momentum { get; } = OptionFactory.NonNegative("--momentum", 0.9, "SGD momentum μ (0.9: the study notes).");
    public Option<double> WeightDecay { get; } = OptionFactory.NonNegative("--weight-decay", 0.0, "L2 weight decay added to the gradient (PyTorch's weight_decay).");
    public Option<int> BatchSize { get; } = OptionFactory.Positive("--batch-size", 128, "Mini-batch size (128: the study notes; capped at N).");
    public Option<int> Steps { get; }
    public Option<string> Schedule { get; } = OptionFactory.Choice("--schedule", "constant", "Learning-rate schedule.", "constant", "step", "cosine");
    public Option<double> Gamma { get; } = OptionFactory.Positive("--gamma", 0.1, "Step schedule: multiply the rate by γ every --step-every steps.");
    public Option<int> StepEvery { get; } = OptionFactory.Positive("--step-every", 300, "Step schedule: steps between drops.");

    /// <summary>Declares the options with the given default number of steps.</summary>
    public TrainingOptionSet(int steps = 1000) =>
        Steps = OptionFactory.Positive("--steps", steps, $"Number of SGD updates ({steps:N0}{(steps == 1000 ? ": the study notes" : "")}).");

    /// <summary>All of them, for <c>Command.Options</c>.</summary>
    public IEnumerable<Option> All => [Momentum, WeightDecay, BatchSize, Steps, Schedule, Gamma, StepEvery];

    /// <summary>The options as given, with the checks the parser cannot make.</summary>
    public TrainingOptions Build(ParseResult parse, double learningRate, ulong seed, LossKind loss)
    {
        if (parse.GetValue(Gamma) > 1) throw new UserInputException($"--gamma must be at most 1; got {parse.GetValue(Gamma)}");
        if (parse.GetValue(Momentum) >= 1) throw new UserInputException($"--momentum must be below 1; got {parse.GetValue(Momentum)}");
        return new TrainingOptions(learningRate, parse.GetValue(Steps))
        {
            Momentum = parse.GetValue(Momentum), WeightDecay = parse.GetValue(WeightDecay), BatchSize = parse.GetValue(BatchSize), Seed = seed, Loss = loss,
            Schedule = parse.GetValue(Schedule) switch
            {
                "step" => LearningRateSchedule.StepDecay(parse.GetValue(Gamma), parse.GetValue(StepEvery)),
                "cosine" => LearningRateSchedule.Cosine,
                _ => LearningRateSchedule.Constant,
            },
        };
    }
}
