using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// A byte-exact copy of everything analysis could disturb — every buffer (BatchNorm running statistics,
/// num_batches_tracked), every module's train/eval flag, BatchNorm momenta, and optionally the parameters —
/// restored with <see cref="Restore"/>. This is how "analysis never changes the model" is kept while
/// train-mode forwards update running statistics and finite differences move the weights.
/// </summary>
internal sealed class ModelSnapshot : IDisposable
{
    readonly nn.Module _model;
    readonly List<(Tensor Target, Tensor Copy)> _tensors = new();
    readonly List<(nn.Module Module, bool Training)> _flags = new();
    readonly List<(TorchSharp.Modules.NormBase Module, double? Momentum)> _momenta = new();

    ModelSnapshot(nn.Module model, bool includeParameters)
    {
        _model = model;
        using var noGrad = no_grad();
        foreach (var (_, buffer) in model.named_buffers())
            _tensors.Add((buffer, buffer.detach().clone().DetachFromDisposeScope()));
        if (includeParameters)
            foreach (var (_, parameter) in model.named_parameters())
                _tensors.Add((parameter, parameter.detach().clone().DetachFromDisposeScope()));
        _flags.Add((model, model.training));
        foreach (var (_, module) in model.named_modules())
        {
            _flags.Add((module, module.training));
            if (module is TorchSharp.Modules.NormBase norm) _momenta.Add((norm, norm.momentum));
        }
    }

    /// <summary>Captures buffers, flags and momenta (and parameters when <paramref name="includeParameters"/>).</summary>
    public static ModelSnapshot Capture(nn.Module model, bool includeParameters = false) => new(model, includeParameters);

    /// <summary>Puts every captured value back, bit for bit.</summary>
    public void Restore()
    {
        using (no_grad())
            foreach (var (target, copy) in _tensors) target.copy_(copy);
        foreach (var (module, training) in _flags) module.train(training);   // pre-order: parents first, then children
        foreach (var (norm, momentum) in _momenta) norm.momentum = momentum;
    }

    public void Dispose()
    {
        foreach (var (_, copy) in _tensors) copy.Dispose();
        _tensors.Clear();
    }

    /// <summary>Restores and disposes: the usual end of an analysis block.</summary>
    public static void RestoreAndDispose(ModelSnapshot snapshot)
    {
        snapshot.Restore();
        snapshot.Dispose();
    }

    internal nn.Module Model => _model;
}
