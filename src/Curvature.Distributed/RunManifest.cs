using System.Text.Json;
using System.Text.Json.Serialization;
using Curvature.Models;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Distributed;

/// <summary>
/// Everything a shard needs to rebuild its part of a curvature operator from storage alone — so a shard that
/// re-activates on another worker after a crash computes exactly what it computed before: the model (spec, weights file
/// and its SHA-256), the data (file, SHA-256, the contiguous shard ranges), the batch size of the fixed partition, the
/// BatchNorm mode, the loss and the operator kind. Written once by the coordinator, read by every shard.
/// </summary>
/// <param name="RunId">Names the run; shards of different runs are different grains.</param>
/// <param name="Model">The network and its weights.</param>
/// <param name="Data">The data file and its shards.</param>
/// <param name="BatchSize">Samples per batch of the fixed partition (<see cref="NetworkData"/>); every shard but the last
/// starts on a batch boundary, so the shards' batches are exactly the single-process operator's batches.</param>
/// <param name="Mode">The BatchNorm mode of every product.</param>
/// <param name="Loss">The loss.</param>
/// <param name="Operator">Which operator the shards apply.</param>
/// <param name="DType">The dtype the model is built and the products computed in (vectors always travel as float64).</param>
public sealed record RunManifest(string RunId, ModelEntry Model, DataEntry Data, int BatchSize, BatchNormMode Mode,
    LossKind Loss, OperatorKind Operator, ScalarType DType)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistency: an empty run id, a bad spec, a
    /// missing hash, shards that do not cover [0, N) contiguously in order, or a shard that does not start on a batch
    /// boundary.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(RunId) || RunId.Any(c => char.IsControl(c) || c is '/' or '\\'))
            throw new ArgumentException($"run manifest: the run id must be a non-empty file-name-safe string; got '{RunId}'");
        ArgumentNullException.ThrowIfNull(Model);
        ArgumentNullException.ThrowIfNull(Data);
        Model.Validate();
        RequireHash(Model.WeightsSha256, "the weights");
        RequireHash(Data.Sha256, "the data");
        if (BatchSize < 1) throw new ArgumentException($"run manifest: the batch size must be at least 1; got {BatchSize}");
        if (!Enum.IsDefined(Mode) || !Enum.IsDefined(Loss) || !Enum.IsDefined(Operator))
            throw new ArgumentException($"run manifest: unknown mode, loss or operator ({Mode}, {Loss}, {Operator})");
        if (DType is not (ScalarType.Float64 or ScalarType.Float32))
            throw new ArgumentException($"run manifest: products run in float64 or float32; got {DType}");
        if (Data.Shards is null || Data.Shards.Count == 0) throw new ArgumentException("run manifest: no shards");
        long next = 0;
        for (int s = 0; s < Data.Shards.Count; s++)
        {
            var shard = Data.Shards[s];
            if (shard.Start != next || shard.Count < 1)
                throw new ArgumentException($"run manifest: shard {s} is [{shard.Start}, {shard.Start + shard.Count}); shards must be non-empty and cover [0, {Data.Count}) in order (expected start {next})");
            if (shard.Start % BatchSize != 0)
                throw new ArgumentException($"run manifest: shard {s} starts at {shard.Start}, not on a batch boundary (batch size {BatchSize}); the shards' batches would differ from the single-process partition");
            next += shard.Count;
        }
        if (next != Data.Count)
            throw new ArgumentException($"run manifest: the shards cover [0, {next}) but the data has {Data.Count} samples");
    }

    static void RequireHash(string hash, string what)
    {
        if (hash is null || hash.Length != 64 || !hash.All(Uri.IsHexDigit))
            throw new ArgumentException($"run manifest: the SHA-256 of {what} must be 64 hex digits; got '{hash}'");
    }

    /// <summary>Writes the manifest as JSON (enums by name) to <paramref name="path"/>, atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        Validate();
        string full = Path.GetFullPath(path);
        string temporary = full + $".{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>Reads and validates a manifest written by <see cref="Save"/>.</summary>
    /// <exception cref="ArgumentException">The file is not a valid manifest.</exception>
    public static RunManifest Load(string path)
    {
        RunManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not a run manifest ({e.Message})", e);
        }
        if (manifest is null) throw new ArgumentException($"{path}: empty run manifest");
        manifest.Validate();
        return manifest;
    }
}

/// <summary>The model of a run: exactly one of the zoo's specs (MLP, CNN or ResNet) and its weights.</summary>
/// <param name="Mlp">The architecture, when it is an MLP.</param>
/// <param name="Cnn">The architecture, when it is a plain CNN.</param>
/// <param name="ResNet">The architecture, when it is a CIFAR ResNet.</param>
/// <param name="WeightsPath">A .pt or .safetensors state dict (<see cref="Curvature.Checkpoints.Checkpoint"/>).</param>
/// <param name="WeightsSha256">SHA-256 of the weights file, lower-case hex.</param>
public sealed record ModelEntry(MlpSpec? Mlp, CnnSpec? Cnn, ResNetSpec? ResNet, string WeightsPath, string WeightsSha256)
{
    /// <summary>Throws <see cref="ArgumentException"/> unless exactly one spec is given and it is valid.</summary>
    public void Validate()
    {
        int given = (Mlp is null ? 0 : 1) + (Cnn is null ? 0 : 1) + (ResNet is null ? 0 : 1);
        if (given != 1) throw new ArgumentException($"run manifest: the model needs exactly one of mlp, cnn and resnet; got {given}");
        Mlp?.Validate();
        Cnn?.Validate();
    }

    /// <summary>The network with freshly initialised weights (seed 0; a checkpoint load then overwrites every one).</summary>
    public nn.Module<Tensor, Tensor> Build(ScalarType dtype) =>
        Mlp?.Build(dtype, seed: 0) ?? Cnn?.Build(dtype, seed: 0) ?? ResNet!.Build(dtype, seed: 0);
}

/// <summary>The data of a run: one file (<see cref="ShardDataFile"/>) split into contiguous shards.</summary>
/// <param name="Path">The data file.</param>
/// <param name="Sha256">SHA-256 of the data file, lower-case hex.</param>
/// <param name="Count">N, the number of samples.</param>
/// <param name="Shards">The shards in order; shard s is grain key s.</param>
public sealed record DataEntry(string Path, string Sha256, long Count, IReadOnlyList<ShardRange> Shards);

/// <summary>Samples [Start, Start + Count) of the data file.</summary>
/// <param name="Start">First sample.</param>
/// <param name="Count">Number of samples (≥ 1).</param>
public sealed record ShardRange(long Start, long Count);
