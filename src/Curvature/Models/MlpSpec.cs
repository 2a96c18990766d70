using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>
/// A multilayer perceptron, built as the PyTorch module
/// <code>
/// nn.Sequential(nn.Flatten(), nn.Linear(d_in, h1), [norm(h1)], act(),
///               nn.Linear(h1, h2), [norm(h2)], act(), …, nn.Linear(h_last, classes))
/// </code>
/// The norm (if any) follows each hidden Linear and precedes the activation; the activation takes a Sequential
/// index like in PyTorch, so with batch norm the state keys are 1.weight, 1.bias, 2.weight, 2.bias,
/// 2.running_mean, 2.running_var, 2.num_batches_tracked, 4.weight, … and without a norm 1.weight, 1.bias,
/// 3.weight, …. See docs/MODELS.md.
/// </summary>
/// <param name="Inputs">d_in, the number of input features after flattening (≥ 1; 784 for 28×28 images).</param>
/// <param name="Hidden">Widths h1, …, h_last of the hidden layers (each ≥ 1; may be empty: a linear model).</param>
/// <param name="Classes">Number of outputs (≥ 1).</param>
/// <param name="Activation">Nonlinearity after each hidden layer.</param>
/// <param name="Norm">Normalisation after each hidden Linear (PyTorch equivalents in <see cref="NormKind"/>).</param>
public sealed record MlpSpec(int Inputs, IReadOnlyList<int> Hidden, int Classes,
    Activation Activation = Activation.Tanh, NormKind Norm = NormKind.None)
{
    /// <summary>s: every Linear weight is multiplied by s after the default initialisation (biases are not); 1
    /// (PyTorch's initialisation unchanged) by default.</summary>
    public double InitScale { get; init; } = 1.0;

    /// <summary>Upper bound on the number of groups of a <see cref="NormKind.Group"/> layer (rule in
    /// <see cref="GroupNormRule.Groups"/>); default <see cref="GroupNormRule.DefaultMaxGroups"/>.</summary>
    public int GroupNormMaxGroups { get; init; } = GroupNormRule.DefaultMaxGroups;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message naming the first bad setting.</summary>
    public void Validate()
    {
        if (Inputs < 1) throw new ArgumentException($"mlp: the number of inputs must be at least 1; got {Inputs}");
        if (Hidden is null) throw new ArgumentException("mlp: the hidden widths are missing (use an empty list for none)");
        for (int i = 0; i < Hidden.Count; i++)
            if (Hidden[i] < 1)
                throw new ArgumentException($"mlp: hidden width {i + 1} must be at least 1; got {Hidden[i]}");
        if (Classes < 1) throw new ArgumentException($"mlp: the number of classes must be at least 1; got {Classes}");
        if (!Enum.IsDefined(Activation)) throw new ArgumentException($"mlp: unknown activation {Activation}");
        if (!Enum.IsDefined(Norm)) throw new ArgumentException($"mlp: unknown norm {Norm}");
        ZooLayers.CheckInitScale(InitScale);
        ZooLayers.CheckMaxGroups(GroupNormMaxGroups);
    }

    /// <summary>The number of trainable parameters: Σ_layers (d_in + 1)·d_out, plus 2·h for each hidden layer with
    /// a batch, layer or group norm (its weight and bias); buffers are not parameters.</summary>
    public long ParameterCount
    {
        get
        {
            Validate();
            long count = 0, width = Inputs;
            foreach (int h in Hidden)
            {
                count += (width + 1) * h + (Norm is NormKind.Batch or NormKind.Layer or NormKind.Group ? 2L * h : 0);
                width = h;
            }
            return count + (width + 1) * Classes;
        }
    }

    /// <summary>Builds the network with a generator seeded by <paramref name="seed"/> (see
    /// <see cref="Build(ScalarType, Generator)"/>).</summary>
    public Sequential Build(ScalarType dtype, ulong seed)
    {
        using var generator = new Generator(seed);
        return Build(dtype, generator);
    }

    /// <summary>Builds the network in <paramref name="dtype"/> (Float32 or Float64), in train mode, with PyTorch's
    /// default initialisation drawn from <paramref name="generator"/> (details in docs/MODELS.md: Linear weight and
    /// bias ~ U(±1/√fan_in), norm layers weight 1, bias 0), then weights × <see cref="InitScale"/>.</summary>
    /// <exception cref="ArgumentException">An invalid spec or dtype.</exception>
    public Sequential Build(ScalarType dtype, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        // Frees the temporaries TorchSharp's constructors leave behind (Conv2d leaves one); module parameters and
        // buffers are never owned by a dispose scope, so the model survives it.
        using var scope = NewDisposeScope();
        Validate();
        ZooLayers.CheckDtype(dtype);
        var layers = new List<nn.Module<Tensor, Tensor>> { nn.Flatten() };
        int width = Inputs;
        foreach (int h in Hidden)
        {
            layers.Add(nn.Linear(width, h, dtype: dtype));
            if (ZooLayers.Norm1d(Norm, h, dtype, GroupNormMaxGroups) is { } norm) layers.Add(norm);
            layers.Add(ZooLayers.Activation(Activation));
            width = h;
        }
        layers.Add(nn.Linear(width, Classes, dtype: dtype));
        var model = nn.Sequential(layers);
        DefaultInit.Apply(model, generator, InitScale);
        model.train();
        return model;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="input"/> is a batch [B, …] whose trailing
    /// dimensions hold <see cref="Inputs"/> values in the given dtype — a check to run before a forward pass, since a
    /// shape error inside libtorch is reported by native code.</summary>
    public void ValidateInput(Tensor input, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(input);
        long features = input.dim() < 2 ? -1 : input.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        if (features != Inputs)
            throw new ArgumentException(
                $"mlp: expects input [B, …] with {Inputs} values per example; got [{string.Join(", ", input.shape)}]");
        if (input.dtype != dtype)
            throw new ArgumentException($"mlp: the model is {dtype}; got a {input.dtype} input");
    }

    /// <inheritdoc/>
    public bool Equals(MlpSpec? other) =>
        other is not null && Inputs == other.Inputs && Classes == other.Classes && Activation == other.Activation
        && Norm == other.Norm && InitScale.Equals(other.InitScale) && GroupNormMaxGroups == other.GroupNormMaxGroups
        && SpecText.SameList(Hidden, other.Hidden);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Inputs, Classes, Activation, Norm, InitScale, GroupNormMaxGroups, SpecText.ListHash(Hidden));
}
