using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// The parameters an operator differentiates with respect to — all of a model's trainable parameters or a
/// subset chosen by name pattern (a parameter group: one layer, the weights only, …) — and the map between
/// that list of tensors and one flat vector θ ∈ ℝⁿ in the order of <c>named_parameters()</c>.
/// </summary>
public sealed class ParameterSet
{
    readonly List<(string Name, Tensor Parameter)> _entries;
    readonly long[] _offsets;

    ParameterSet(List<(string, Tensor)> entries)
    {
        _entries = entries;
        _offsets = new long[entries.Count + 1];
        for (int i = 0; i < entries.Count; i++) _offsets[i + 1] = _offsets[i] + entries[i].Item2.numel();
        var dtypes = entries.Select(e => e.Item2.dtype).Distinct().ToList();
        if (dtypes.Count != 1)
            throw new ArgumentException($"selected parameters have mixed dtypes ({string.Join(", ", dtypes)}); convert the model to one dtype first");
        DType = dtypes[0];
    }

    /// <summary>The parameters of <paramref name="model"/> that require gradients and whose names match
    /// <paramref name="pattern"/>: comma-separated globs where <c>*</c> matches any run of characters and
    /// <c>?</c> one (e.g. <c>"1.*"</c> for the first Linear of an MLP, <c>"*.weight"</c> for all weights,
    /// <c>"layer3.*,fc.*"</c>). Null or empty selects all.</summary>
    public static ParameterSet Select(nn.Module model, string? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var all = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, (Tensor)p.parameter)).ToList();
        if (all.Count == 0) throw new ArgumentException("the model has no trainable parameters");
        if (string.IsNullOrWhiteSpace(pattern)) return new ParameterSet(all);
        var globs = pattern.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                           .Select(g => new Regex("^" + Regex.Escape(g).Replace(@"\*", ".*").Replace(@"\?", ".") + "$")).ToList();
        var chosen = all.Where(e => globs.Any(g => g.IsMatch(e.Item1))).ToList();
        if (chosen.Count == 0)
            throw new ArgumentException($"parameter pattern '{pattern}' matches none of: {string.Join(", ", all.Select(e => e.Item1))}");
        return new ParameterSet(chosen);
    }

    /// <summary>n, the total number of selected scalars.</summary>
    public long Size => _offsets[^1];

    /// <summary>The parameters' dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>Selected parameter names, in order.</summary>
    public IReadOnlyList<string> Names => _entries.Select(e => e.Name).ToList();

    /// <summary>Selected parameters (the model's own tensors: never modify them).</summary>
    public IReadOnlyList<Tensor> Tensors => _entries.Select(e => e.Parameter).ToList();

    /// <summary>Start of each parameter in the flat vector, plus the total at the end.</summary>
    public IReadOnlyList<long> Offsets => _offsets;

    /// <summary>Concatenates per-parameter tensors (same shapes as the parameters, or invalid handles for
    /// "no dependence" as autograd returns with allow_unused) into one flat vector [n] in
    /// <paramref name="dtype"/>; invalid entries become zeros.</summary>
    public Tensor Flatten(IReadOnlyList<Tensor> parts, ScalarType dtype)
    {
        if (parts.Count != _entries.Count)
            throw new ArgumentException($"expected {_entries.Count} tensors, got {parts.Count}");
        using var scope = NewDisposeScope();
        var pieces = new Tensor[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            long count = _offsets[i + 1] - _offsets[i];
            pieces[i] = parts[i] is null || parts[i].IsInvalid
                ? zeros(count, dtype: dtype)
                : parts[i].detach().reshape(count).to_type(dtype);
        }
        return cat(pieces, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Views of a flat vector [n] shaped like each parameter (no copy).</summary>
    public Tensor[] Unflatten(Tensor vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if (vector.dim() != 1 || vector.shape[0] != Size)
            throw new ArgumentException($"expected a vector of {Size} parameters; got shape [{string.Join(", ", vector.shape)}]");
        var views = new Tensor[_entries.Count];
        for (int i = 0; i < _entries.Count; i++)
            views[i] = vector.narrow(0, _offsets[i], _offsets[i + 1] - _offsets[i]).view(_entries[i].Parameter.shape);
        return views;
    }

    /// <summary>The current parameter values as one flat vector (a copy).</summary>
    public Tensor Values(ScalarType dtype) => Flatten(_entries.Select(e => e.Parameter).ToList(), dtype);
}
