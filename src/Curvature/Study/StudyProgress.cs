namespace Curvature.Study;

/// <summary>Units of progress the study reports per stage (<see cref="Analysis.ProbeProgress"/>): a run's training counts
/// as one checkpoint analysis, spread over its steps, so a stage's bar advances roughly with time.</summary>
internal static class StudyProgress
{
    /// <summary>Units per checkpoint analysis (and per run's whole training).</summary>
    public const int UnitsPerAnalysis = 100;

    /// <summary>Units of a run with <paramref name="checkpoints"/> analyses.</summary>
    public static int RunUnits(int checkpoints) => (checkpoints + 1) * UnitsPerAnalysis;

    /// <summary>Units done after <paramref name="step"/> of <paramref name="steps"/> with <paramref name="analysed"/> analyses finished.</summary>
    public static int Done(int step, int steps, int analysed) => (int)((long)UnitsPerAnalysis * step / Math.Max(1, steps)) + analysed * UnitsPerAnalysis;
}
