using Curvature.Checkpoints;
using Curvature.Cli.Output;
using Curvature.Models;
using Curvature.Reporting.Study;
using Curvature.Study;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Cli.Commands;

/// <summary>A study ready to run: the base model/data config (each arm overrides its norm and init scale), the data, the
/// options and where the report goes.</summary>
/// <param name="Config">Model and data as described by the user; Norm lists the arms.</param>
/// <param name="Data">Training, held-out, analysis and population data.</param>
/// <param name="Options">What is trained and measured.</param>
/// <param name="HeldOut">Held-out examples.</param>
/// <param name="Dtype">Precision of models and data.</param>
/// <param name="OutPath">Report directory.</param>
internal sealed record StudyJob(NetworkConfig Config, StudyData Data, StudyOptions Options, int HeldOut, ScalarType Dtype, string OutPath);

/// <summary>The data sizes of a study run, recorded in its JSON.</summary>
/// <param name="TrainSamples">N, the first N examples trained on.</param>
/// <param name="HeldOutSamples">The next M examples, evaluated in eval mode.</param>
/// <param name="AnalysisSamples">The first A training examples: the Hessian's data (one batch).</param>
/// <param name="PopulationSamples">The first P training examples: population BatchNorm statistics.</param>
public sealed record StudyDataSizes(int TrainSamples, int HeldOutSamples, int AnalysisSamples, int PopulationSamples);

/// <summary>Runs a study for <c>curvature study</c> and <c>curvature demo</c>: trains and measures with progress bars, builds
/// the report, writes everything at once (no partial output), prints the findings.</summary>
internal static class StudyExecution
{
    /// <summary>File names inside the report directory.</summary>
    public const string RecordFile = "study.json", ReportFile = "report.html";

    public static int Run(CommandContext context, RunInfo run, StudyJob job)
    {
        var sampleShape = job.Data.TrainInputs.shape.Skip(1).ToArray();
        nn.Module<Tensor, Tensor> Build(NormKind norm, double scale) =>
            NetworkSetup.BuildModel(job.Config with { Norm = norm.ToString().ToLowerInvariant(), InitScale = scale }, sampleShape, job.Dtype);

        var checkpoints = new List<(string Path, byte[] Bytes)>();
        var temporary = Directory.CreateTempSubdirectory("curvature-study-");
        StudyResult result;
        try
        {
            string file = Path.Combine(temporary.FullName, "checkpoint.safetensors");
            result = ProgressBars.Run(context, progress => BatchNormStudy.Run(job.Data, job.Options, Build, job.Config.Seed, progress, (arm, step, model) =>
            {
                Checkpoint.Save(model, file);
                checkpoints.Add((Path.Combine("checkpoints", arm, $"step-{step}.safetensors"), File.ReadAllBytes(file)));
            }));
        }
        finally
        {
            temporary.Delete(recursive: true);
        }

        var sizes = new StudyDataSizes((int)job.Data.TrainInputs.shape[0], job.HeldOut, job.Data.AnalysisSamples, job.Data.PopulationSamples);
        var description = new StudyDescription(ModelText(job.Config, sampleShape), job.Config.Dataset, sizes.TrainSamples, sizes.AnalysisSamples, job.Config.Dtype,
                                               "curvature " + string.Join(' ', context.Args), job.Options);
        var report = StudyReport.Build(result, description);
        string json = Json.Record("curvature.study", run, result, ("config", job.Config), ("data", sizes), ("study", job.Options),
                                  ("summary", report.Summary), ("figures", report.Figures.Select(f => f.Name).ToArray()));

        var plan = new OutputPlan();
        plan.AddText(Path.Combine(job.OutPath, RecordFile), json);
        plan.AddText(Path.Combine(job.OutPath, ReportFile), report.Html);
        foreach (var figure in report.Figures)
        {
            plan.Add(Path.Combine(job.OutPath, "figures", figure.Name + ".png"), figure.Png);
            plan.AddText(Path.Combine(job.OutPath, "figures", figure.Name + ".svg"), figure.Svg);
        }
        foreach (var table in report.Tables) plan.AddText(Path.Combine(job.OutPath, "tables", table.Name + ".csv"), table.Text);
        foreach (var (path, bytes) in checkpoints) plan.Add(Path.Combine(job.OutPath, path), bytes);
        plan.Commit();
        StudyTable.Write(LinearCommand.Console(context), result, report.Summary, Path.Combine(job.OutPath, ReportFile), plan.Paths.Count);
        return ExitCodes.Ok;
    }

    /// <summary>"MLP 784-100-100-10 relu" and the like, for captions.</summary>
    static string ModelText(NetworkConfig c, long[] sampleShape) => c.Model switch
    {
        "mlp" => $"MLP {sampleShape.Aggregate(1L, (a, b) => a * b)}-{string.Join("-", c.Hidden.Append(c.Classes))} {c.Activation}",
        "cnn" => $"CNN conv {string.Join("-", c.Channels)} (kernels {string.Join(",", c.Kernels)}, strides {string.Join(",", c.Strides)}) {c.Activation}",
        _ => $"ResNet-{6 * c.Depth + 2} {c.Activation}",
    };
}
