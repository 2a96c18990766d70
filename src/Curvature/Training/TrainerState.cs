using System.Text.Json;
using Curvature.Checkpoints;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Curvature.Training;

/// <summary>The sidecar of a training checkpoint (<see cref="StateFile"/>, JSON): the step, the options that determine
/// the rest of the run, and the history so far. Doubles round-trip exactly through JSON (shortest round-trip form).</summary>
/// <param name="Format">File format tag, <see cref="FormatTag"/>.</param>
/// <param name="Step">Updates done.</param>
/// <param name="LearningRate">η₀.</param>
/// <param name="Steps">T.</param>
/// <param name="Momentum">μ.</param>
/// <param name="WeightDecay">wd.</param>
/// <param name="BatchSize">B as requested.</param>
/// <param name="Schedule">Schedule kind.</param>
/// <param name="Gamma">Step-schedule γ.</param>
/// <param name="Every">Step-schedule k.</param>
/// <param name="Seed">Data-order seed.</param>
/// <param name="Loss">Loss kind.</param>
/// <param name="PopulationRefreshEvery">R of population BatchNorm statistics (0: batch statistics).</param>
/// <param name="History">The history up to <paramref name="Step"/>.</param>
public sealed record TrainerState(string Format, int Step, double LearningRate, int Steps, double Momentum, double WeightDecay,
                                  int BatchSize, string Schedule, double Gamma, int Every, ulong Seed, string Loss, TrainingHistory History,
                                  int PopulationRefreshEvery = 0)
{
    /// <summary>Weights file in a checkpoint directory.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>Momentum buffers file in a checkpoint directory.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>Sidecar JSON file in a checkpoint directory.</summary>
    public const string StateFile = "trainer.json";

    /// <summary>The format tag written and required.</summary>
    public const string FormatTag = "curvature.trainer-state/1";

    /// <summary>NaN and ±∞ are written as the strings "NaN", "Infinity", "-Infinity": a diverged mini-batch loss must
    /// round-trip exactly (resuming reproduces the history bit for bit), and plain JSON numbers cannot hold it.</summary>
    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    internal static TrainerState Of(Trainer t)
    {
        var o = t.Options;
        return new TrainerState(FormatTag, t.Step, o.LearningRate, o.Steps, o.Momentum, o.WeightDecay, o.BatchSize,
                                o.Schedule.Kind.ToString(), o.Schedule.Gamma, o.Schedule.Every, o.Seed, o.Loss.ToString(), t.History,
                                o.PopulationRefreshEvery);
    }

    /// <summary>Writes the sidecar atomically (temporary file, flushed, renamed), so a killed run never leaves a
    /// checkpoint directory whose trainer.json is half written; it is written last, so its presence marks a complete
    /// checkpoint.</summary>
    internal void Write(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string temporary = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, JsonOptions)));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    internal static TrainerState Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, null, $"{path}: file not found (not a training checkpoint directory)");
        TrainerState? state;
        try { state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), JsonOptions); }
        catch (JsonException e) { throw new CheckpointException(path, $"{path}: not a trainer state file ({e.Message})", e); }
        if (state is null || state.Format != FormatTag || state.History is null)
            throw new CheckpointException(path, null, $"{path}: not a trainer state file (expected format {FormatTag})");
        return state;
    }

    /// <summary>Resuming with other options would not continue the same run; names the first difference.</summary>
    internal void RequireSameOptions(TrainingOptions o, string path)
    {
        void Same<T>(string name, T saved, T given)
        {
            if (!EqualityComparer<T>.Default.Equals(saved, given))
                throw new CheckpointException(path, null, $"{path}: the checkpoint was trained with {name} {saved}, not {given}");
        }
        Same("learning rate", LearningRate, o.LearningRate);
        Same("steps", Steps, o.Steps);
        Same("momentum", Momentum, o.Momentum);
        Same("weight decay", WeightDecay, o.WeightDecay);
        Same("batch size", BatchSize, o.BatchSize);
        Same("schedule", Schedule, o.Schedule.Kind.ToString());
        if (o.Schedule.Kind == ScheduleKind.Step)
        {
            Same("schedule gamma", Gamma, o.Schedule.Gamma);
            Same("schedule interval", Every, o.Schedule.Every);
        }
        Same("seed", Seed, o.Seed);
        Same("loss", Loss, o.Loss.ToString());
        Same("population refresh interval", PopulationRefreshEvery, o.PopulationRefreshEvery);
        if (Step < 0 || Step > Steps || History.Loss.Length != Step)
            throw new CheckpointException(path, null, $"{path}: inconsistent state (step {Step}, {History.Loss.Length} losses)");
    }

    internal static void WriteBuffers(string path, IEnumerable<(string Name, Tensor Buffer)> buffers)
    {
        var dict = buffers.ToDictionary(b => b.Name, b => b.Buffer, StringComparer.Ordinal);
        string temporary = path + $".{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            Safetensors.SaveStateDict(stream, dict, leaveOpen: true);
        File.Move(temporary, path, overwrite: true);
    }

    internal static void ReadBuffers(string path, (string Name, Tensor Buffer)[] targets)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, null, $"{path}: file not found");
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> file;
        try
        {
            using var stream = File.OpenRead(path);
            file = Safetensors.LoadStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException(path, $"{path}: not a readable safetensors file: {e.Message.Split('\n')[0]}", e);
        }
        if (file.Count != targets.Length) throw new CheckpointException(path, null, $"{path}: {file.Count} momentum buffers for {targets.Length} parameters");
        foreach (var (name, buffer) in targets)
        {
            if (!file.TryGetValue(name, out var t)) throw new CheckpointException(path, name, $"{path}: no momentum buffer for parameter {name}");
            if (!t.shape.SequenceEqual(buffer.shape) || t.dtype != buffer.dtype)
                throw new CheckpointException(path, name, $"{path}: momentum buffer {name} is {t.dtype} [{string.Join(", ", t.shape)}], expected {buffer.dtype} [{string.Join(", ", buffer.shape)}]");
        }
        using var noGrad = no_grad();
        foreach (var (name, buffer) in targets) buffer.copy_(file[name]);
    }
}
