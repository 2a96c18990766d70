using System.Globalization;
using System.Text.Json;
using Curvature.Analysis;
using Curvature.Study;
using Curvature.Theory;

namespace Curvature.Reporting.Study;

/// <summary>RFC 6901 pointers into the study's JSON record: the <see cref="StudyResult"/>'s fields at the top level,
/// plus <c>study</c> (the <see cref="StudyOptions"/>) and <c>summary</c> (the <see cref="StudySummary"/>), every
/// name in System.Text.Json's snake_case (the CLI's convention). Names are derived from the C# members with the same
/// naming policy, so a renamed field cannot leave a stale pointer behind.</summary>
public static class StudyPointers
{
    static string N(string member) => JsonNamingPolicy.SnakeCaseLower.ConvertName(member);
    static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

    /// <summary>/arms/{arm}.</summary>
    public static string Arm(int arm) => $"/{N(nameof(StudyResult.Arms))}/{I(arm)}";

    /// <summary>/arms/{arm}/{field} for a field of <see cref="ArmResult"/>.</summary>
    public static string ArmField(int arm, string member) => $"{Arm(arm)}/{N(member)}";

    /// <summary>/arms/{arm}/checkpoints/{checkpoint}.</summary>
    public static string Checkpoint(int arm, int checkpoint) => $"{Arm(arm)}/{N(nameof(ArmResult.Checkpoints))}/{I(checkpoint)}";

    /// <summary>/arms/{arm}/checkpoints/{checkpoint}/step.</summary>
    public static string Step(int arm, int checkpoint) => $"{Checkpoint(arm, checkpoint)}/{N(nameof(CheckpointResult.Step))}";

    /// <summary>A field of the checkpoint's <see cref="CurvatureReport"/> (e.g. nameof(CurvatureReport.Lambda1OverLambdak)).</summary>
    public static string Curvature(int arm, int checkpoint, string member) =>
        $"{Checkpoint(arm, checkpoint)}/{N(nameof(CheckpointResult.Curvature))}/{N(member)}";

    /// <summary>λ_{k+1} of the checkpoint's curvature (k zero-based).</summary>
    public static string TopEigenvalue(int arm, int checkpoint, int k) => $"{Curvature(arm, checkpoint, nameof(CurvatureReport.TopEigenvalues))}/{I(k)}";

    /// <summary>A field of the checkpoint's BatchNorm-mode report number <paramref name="mode"/>.</summary>
    public static string Mode(int arm, int checkpoint, int mode, string member) =>
        $"{Checkpoint(arm, checkpoint)}/{N(nameof(CheckpointResult.BatchNormModes))}/{I(mode)}/{N(member)}";

    /// <summary>λ_{k+1} of a BatchNorm-mode report.</summary>
    public static string ModeTopEigenvalue(int arm, int checkpoint, int mode, int k) => $"{Mode(arm, checkpoint, mode, nameof(CurvatureReport.TopEigenvalues))}/{I(k)}";

    /// <summary>A field of the checkpoint's <see cref="SmoothnessReport"/>.</summary>
    public static string Smoothness(int arm, int checkpoint, string member) =>
        $"{Checkpoint(arm, checkpoint)}/{N(nameof(CheckpointResult.Smoothness))}/{N(member)}";

    /// <summary>The top eigenvalue of layer block <paramref name="layer"/> at a checkpoint.</summary>
    public static string Layer(int arm, int checkpoint, int layer) =>
        $"{Checkpoint(arm, checkpoint)}/{N(nameof(CheckpointResult.Layers))}/{I(layer)}/{N(nameof(LayerCurvature.TopEigenvalue))}";

    /// <summary>/init_sweep/{run}/{field}/{index} for an array field of <see cref="SweepRun"/> (LambdaMax, Loss).</summary>
    public static string Sweep(int run, string member, int index) => $"/{N(nameof(StudyResult.InitSweep))}/{I(run)}/{N(member)}/{I(index)}";

    /// <summary>/init_sweep/{run}/{field} for a scalar field of <see cref="SweepRun"/>.</summary>
    public static string SweepField(int run, string member) => $"/{N(nameof(StudyResult.InitSweep))}/{I(run)}/{N(member)}";

    /// <summary>/linear/preprocessing/{mode}/{field} for a field of a <see cref="PreprocessingReport"/>.</summary>
    public static string Linear(int mode, string member) =>
        $"/{N(nameof(StudyResult.Linear))}/{N(nameof(LinearLabResult.Preprocessing))}/{I(mode)}/{N(member)}";

    /// <summary>/linear/preprocessing/{mode}/eigenvalues/{k}.</summary>
    public static string LinearEigenvalue(int mode, int k) => $"{Linear(mode, nameof(PreprocessingReport.Eigenvalues))}/{I(k)}";

    /// <summary>/matched_loss_target.</summary>
    public static string MatchedLossTarget => $"/{N(nameof(StudyResult.MatchedLossTarget))}";

    /// <summary>/matched/{i}/{field} for a field of <see cref="MatchedCheckpoint"/>.</summary>
    public static string Matched(int i, string member) => $"/{N(nameof(StudyResult.Matched))}/{I(i)}/{N(member)}";

    /// <summary>/wall_seconds.</summary>
    public static string WallSeconds => $"/{N(nameof(StudyResult.WallSeconds))}";

    /// <summary>/study/{field} for a field of <see cref="StudyOptions"/>.</summary>
    public static string Option(string member) => $"/study/{N(member)}";

    /// <summary>/study/training/{field} for a field of the shared <see cref="global::Curvature.Training.TrainingOptions"/>.</summary>
    public static string TrainingOption(string member) => $"/study/{N(nameof(StudyOptions.Training))}/{N(member)}";

    /// <summary>/study/{list}/{index} for a list field of <see cref="StudyOptions"/> (e.g. CheckpointSteps).</summary>
    public static string OptionItem(string member, int index) => $"/study/{N(member)}/{I(index)}";

    /// <summary>/summary/findings/{finding}/values/{value}/value: a number the report derived (a median, a ratio).</summary>
    public static string FindingValue(int finding, int value) =>
        $"/summary/{N(nameof(StudySummary.Findings))}/{I(finding)}/{N(nameof(Finding.Values))}/{I(value)}/{N(nameof(global::Curvature.Reporting.Study.FindingValue.Value))}";
}
