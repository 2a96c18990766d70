using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Estimators;

/// <summary>A <see cref="Generator"/>'s state as bytes (<c>get_state</c>/<c>set_state</c>: the Mersenne-Twister state
/// and the cached normal sample), checked in C# before it reaches libtorch.</summary>
internal static class GeneratorStates
{
    public static byte[] Capture(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    public static void Restore(Generator generator, byte[] saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        // A state of another size is not this generator's kind; set_state would fail natively (and abort the process).
        int expected = Capture(generator).Length;
        if (saved.Length != expected)
            throw new ArgumentException($"the saved generator state has {saved.Length} bytes; this generator's has {expected}");
        using var state = tensor(saved, dtype: ScalarType.Byte);
        generator.set_state(state);
    }
}
