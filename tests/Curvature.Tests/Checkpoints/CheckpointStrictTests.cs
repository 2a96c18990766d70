using Curvature.Checkpoints;
using Curvature.Models;
using Curvature.Tests.Models;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static Curvature.Tests.Models.PyTorchLayouts;

namespace Curvature.Tests.Checkpoints;

/// <summary>Every mismatch between file and model is one <see cref="CheckpointException"/> naming the key, and the
/// model is left as it was.</summary>
public class CheckpointStrictTests
{
    /// <summary>Sequential(Flatten, Linear(6, 4), BatchNorm1d(4), Tanh, Linear(4, 3)).</summary>
    private static readonly MlpSpec Spec = new(6, [4], 3, Activation.Tanh, NormKind.Batch);

    private static List<LayoutEntry> Layout(ScalarType dtype) => [.. Linear("1", 4, 6, dtype), .. BatchNorm("2", 4, dtype), .. Linear("4", 3, 4, dtype)];

    public static TheoryData<string> Extensions() => new() { ".pt", ".safetensors" };

    /// <summary>Writes the layout (edited by <paramref name="edit"/>) to a file, loads it into a fresh float64 model and
    /// returns the error, after checking the model is unchanged.</summary>
    private static CheckpointException LoadEdited(string extension, Action<Dictionary<string, Tensor>> edit)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var stateDict = RandomStateDict(Layout(ScalarType.Float32), generator);
        edit(stateDict);
        string path = dir.File("weights" + extension);
        ForeignFiles.Write(path, stateDict);
        using var model = Spec.Build(ScalarType.Float64, 1);
        using var untouched = Spec.Build(ScalarType.Float64, 1);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path));
        Assert.True(ModelAssertions.SameState(untouched, model), "a failed load must leave the model unchanged");
        Assert.Equal(path, error.Path);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void A_missing_key_is_named(string extension)
    {
        var e = LoadEdited(extension, sd => { sd["2.running_var"].Dispose(); sd.Remove("2.running_var"); });
        Assert.Equal("2.running_var", e.Key);
        Assert.EndsWith("key '2.running_var' ([4], float64) is in the model but not in the file", e.Message);
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void An_unexpected_key_is_named(string extension)
    {
        var e = LoadEdited(extension, sd => sd.Add("5.weight", zeros(3, 3)));
        Assert.Equal("5.weight", e.Key);
        Assert.EndsWith("key '5.weight' ([3, 3], float32) is in the file but not in the model", e.Message);
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void A_misshaped_tensor_is_named_with_both_shapes(string extension)
    {
        var e = LoadEdited(extension, sd => { sd["4.weight"].Dispose(); sd["4.weight"] = zeros(3, 5); });
        Assert.Equal("4.weight", e.Key);
        Assert.EndsWith("weights" + extension + ": key '4.weight' has shape [3, 5] in the file but [3, 4] in the model", e.Message);
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void A_transposed_weight_is_a_shape_error(string extension)
    {
        var e = LoadEdited(extension, sd => { var w = sd["1.weight"]; sd["1.weight"] = w.t().contiguous(); w.Dispose(); });
        Assert.Equal("1.weight", e.Key);
        Assert.Contains("has shape [6, 4] in the file but [4, 6] in the model", e.Message);
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void A_non_float_dtype_mismatch_is_named_with_both_dtypes(string extension)
    {
        var e = LoadEdited(extension, sd => { sd["2.num_batches_tracked"].Dispose(); sd["2.num_batches_tracked"] = tensor(7.0f); });
        Assert.Equal("2.num_batches_tracked", e.Key);
        Assert.Contains("key '2.num_batches_tracked' has dtype float32 in the file but int64 in the model", e.Message);
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void An_integer_tensor_for_a_float_parameter_is_rejected(string extension)
    {
        var e = LoadEdited(extension, sd => { sd["1.bias"].Dispose(); sd["1.bias"] = zeros(4, dtype: ScalarType.Int32); });
        Assert.Contains("key '1.bias' has dtype int32 in the file but float64 in the model", e.Message);
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void Several_problems_report_the_first_and_count_the_rest(string extension)
    {
        var e = LoadEdited(extension, sd =>
        {
            sd["1.bias"].Dispose();
            sd.Remove("1.bias");
            sd.Add("extra", zeros(1));
            sd.Add("more", zeros(1));
        });
        Assert.Equal("1.bias", e.Key);
        Assert.EndsWith("(and 2 more mismatched keys)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void A_float64_checkpoint_loads_into_a_float32_model_rounded(string extension)
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var stateDict = RandomStateDict(Layout(ScalarType.Float64), generator);
        ForeignFiles.Write(dir.File("w" + extension), stateDict);
        using var model = Spec.Build(ScalarType.Float32, 1);
        Checkpoint.Load(model, dir.File("w" + extension));
        var state = model.state_dict();
        foreach (var (key, value) in stateDict)
            ModelAssertions.AssertBitwiseEqual(value.dtype == ScalarType.Float64 ? value.to(ScalarType.Float32) : value, state[key]);
    }

    [Fact]
    public void Failed_loads_leak_nothing()
    {
        Assert.Equal(0, LiveTensors.LeakedBy(() => LoadEdited(".pt", sd => { sd["4.weight"].Dispose(); sd["4.weight"] = zeros(3, 5); })));
        Assert.Equal(0, LiveTensors.LeakedBy(() => LoadEdited(".safetensors", sd => sd.Add("5.weight", zeros(3, 3)))));
    }
}
