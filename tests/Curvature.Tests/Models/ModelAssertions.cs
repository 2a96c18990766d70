using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Models;

/// <summary>Helpers shared by the zoo tests.</summary>
public static class ModelAssertions
{
    /// <summary>Trainable parameter count of a built module.</summary>
    public static long ParameterCount(nn.Module model) => model.parameters().Sum(p => p.numel());

    /// <summary>True when both modules hold bit-identical state (same keys, dtypes, shapes and bytes).</summary>
    public static bool SameState(nn.Module a, nn.Module b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        return sa.Count == sb.Count && sa.All(kv => sb.TryGetValue(kv.Key, out var t)
            && t.dtype == kv.Value.dtype && t.shape.SequenceEqual(kv.Value.shape) && t.bytes.SequenceEqual(kv.Value.bytes));
    }

    /// <summary>The state dict copied (detached, cloned) so later changes to the model do not show.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    public static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    /// <summary>Bitwise equality of two tensors (dtype, shape and bytes).</summary>
    public static void AssertBitwiseEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.bytes.SequenceEqual(actual.bytes), "tensors differ in at least one bit");
    }
}
