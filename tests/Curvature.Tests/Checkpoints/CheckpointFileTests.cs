using System.IO.Compression;
using Curvature.Checkpoints;
using Curvature.Models;
using Curvature.Tests.Models;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Checkpoints;

/// <summary>Saving, round trips, and files that are missing, truncated or not checkpoints at all.</summary>
public class CheckpointFileTests
{
    private static readonly ResNetSpec Spec = new(1, 4, NormKind.Batch, InputChannels: 2);

    public static TheoryData<string> Extensions() => new() { ".pt", ".pth", ".safetensors" };

    /// <summary>A model whose buffers have moved away from their defaults (two train-mode batches).</summary>
    private static nn.Module<Tensor, Tensor> TrainedModel(ulong seed)
    {
        var model = Spec.Build(ScalarType.Float64, seed);
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed + 100);
        model.train();
        for (int i = 0; i < 2; i++) model.forward(randn(3, 2, 6, 6, dtype: ScalarType.Float64, generator: generator));
        return model;
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void Save_then_load_reproduces_the_model_bit_for_bit(string extension)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var original = TrainedModel(1);
        using var copy = Spec.Build(ScalarType.Float64, 2);
        Assert.False(ModelAssertions.SameState(original, copy));
        string path = dir.File("model" + extension);
        Checkpoint.Save(original, path);
        Checkpoint.Load(copy, path);
        Assert.True(ModelAssertions.SameState(original, copy));
        original.eval();
        copy.eval();
        var x = rand(2, 2, 6, 6, dtype: ScalarType.Float64, generator: new Generator(5));
        ModelAssertions.AssertBitwiseEqual(original.forward(x), copy.forward(x));
    }

    [Fact]
    public void Files_of_either_format_carry_the_same_state()
    {
        using var dir = new TempDirectory();
        using var original = TrainedModel(3);
        Checkpoint.Save(original, dir.File("a.pt"));
        Checkpoint.Save(original, dir.File("a.safetensors"));
        using var fromPt = Spec.Build(ScalarType.Float64, 4);
        using var fromSafetensors = Spec.Build(ScalarType.Float64, 5);
        Checkpoint.Load(fromPt, dir.File("a.pt"));
        Checkpoint.Load(fromSafetensors, dir.File("a.safetensors"));
        Assert.True(ModelAssertions.SameState(fromPt, fromSafetensors));
    }

    [Fact]
    public void Save_replaces_an_existing_file_and_leaves_no_temporary_behind()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.pt");
        File.WriteAllText(path, "old contents");
        using var model = TrainedModel(6);
        Checkpoint.Save(model, path);
        Assert.Equal(["model.pt"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        using var copy = Spec.Build(ScalarType.Float64, 7);
        Checkpoint.Load(copy, path);
        Assert.True(ModelAssertions.SameState(model, copy));
    }

    [Fact]
    public void Saving_into_a_missing_directory_names_the_file()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "no-such-dir", "model.safetensors");
        using var model = Spec.Build(ScalarType.Float64, 1);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Save(model, path));
        Assert.StartsWith(path + ": cannot write", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        using var dir = new TempDirectory();
        using var model = Spec.Build(ScalarType.Float64, 1);
        string path = dir.File("absent.pt");
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path));
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void An_unknown_extension_is_named()
    {
        using var model = Spec.Build(ScalarType.Float64, 1);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, "weights.ckpt"));
        Assert.Contains("weights.ckpt: unknown checkpoint format", e.Message);
        Assert.Throws<CheckpointException>(() => Checkpoint.Save(model, "weights.onnx"));
        Assert.Equal(CheckpointFormat.PyTorch, Checkpoint.FormatOf("a/b/W.PTH"));
        Assert.Equal(CheckpointFormat.SafeTensors, Checkpoint.FormatOf("w.SafeTensors"));
    }

    public static TheoryData<string, string> BrokenFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var extension in new[] { ".pt", ".safetensors" })
            foreach (var kind in new[] { "empty", "garbage", "truncated", "tail-cut", "text" })
                data.Add(extension, kind);
        data.Add(".pt", "foreign-zip");
        data.Add(".safetensors", "bad-json");
        data.Add(".safetensors", "bad-offsets");
        return data;
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void A_broken_file_fails_cleanly_naming_the_file(string extension, string kind)
    {
        using var dir = new TempDirectory();
        using var model = Spec.Build(ScalarType.Float64, 1);
        using var untouched = Spec.Build(ScalarType.Float64, 1);
        string good = dir.File("good" + extension);
        Checkpoint.Save(TrainedModelOnce, good);
        byte[] bytes = File.ReadAllBytes(good);
        string path = dir.File("broken" + extension);
        switch (kind)
        {
            case "empty": File.WriteAllBytes(path, []); break;
            case "garbage":
                var random = new Random(1);
                var noise = new byte[4096];
                random.NextBytes(noise);
                File.WriteAllBytes(path, noise);
                break;
            case "truncated": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            case "tail-cut": File.WriteAllBytes(path, bytes[..^16]); break;
            case "text": File.WriteAllText(path, "this is not a checkpoint\n"); break;
            case "foreign-zip":
                using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
                using (var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
                    writer.Write("hello");
                break;
            case "bad-json": WriteSafetensorsHeader(path, "{\"a\": [1, 2"u8.ToArray(), 0); break;
            case "bad-offsets":
                WriteSafetensorsHeader(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}"u8.ToArray(), 8);
                break;
        }
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Null(e.Key);
        string expected = (extension, kind) switch
        {
            (".pt", "empty") => "the file is empty",
            (".pt", "garbage" or "text") => "not a zip archive",
            (".pt", "truncated" or "tail-cut") => "truncated or corrupt zip archive",
            (".pt", _) => "a zip archive without data.pkl",
            (_, "empty") => "shorter than the 8-byte header length",
            (_, "bad-json") => "the header is not JSON",
            (_, "bad-offsets") => "entry 'a' (float32 [4]) needs bytes 0..8",
            (_, "tail-cut") => "(truncated?)",
            _ => "not a valid safetensors file",
        };
        Assert.Contains(expected, e.Message);
        Assert.True(ModelAssertions.SameState(untouched, model));
    }

    private static readonly nn.Module<Tensor, Tensor> TrainedModelOnce = TrainedModel(11);

    private static void WriteSafetensorsHeader(string path, byte[] header, int dataBytes)
    {
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)header.Length));
        stream.Write(header);
        stream.Write(new byte[dataBytes]);
    }

    [Fact]
    public void Save_and_load_leak_nothing()
    {
        using var dir = new TempDirectory();
        using var model = Spec.Build(ScalarType.Float64, 1);
        foreach (var extension in new[] { ".pt", ".safetensors" })
        {
            string path = dir.File("m" + extension);
            Assert.Equal(0, LiveTensors.LeakedBy(() => Checkpoint.Save(model, path)));
            Assert.Equal(0, LiveTensors.LeakedBy(() => Checkpoint.Load(model, path)));
            File.WriteAllBytes(path, [1, 2, 3]);
            Assert.Equal(0, LiveTensors.LeakedBy(() => Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path))));
        }
    }
}
