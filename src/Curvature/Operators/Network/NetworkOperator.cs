using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Operators;

/// <summary>
/// Base of the curvature operators of a network's mean loss L(θ) = (1/N) Σᵢ ℓ(f(xᵢ; θ), yᵢ) over a fixed data
/// set: it sets the BatchNorm mode, walks the fixed partition with weights |b|/N, differentiates only the
/// selected parameters, and restores every buffer and flag afterwards (<see cref="ModelSnapshot"/>), so
/// analysis never changes the model. Products run in the parameters' dtype; the caller's vectors may be any
/// floating dtype (the estimators use float64).
/// </summary>
public abstract partial class NetworkOperator : LinearOperator
{
    readonly List<(Tensor Buffer, Tensor Value)> _population = new();

    /// <summary>Population statistics are computed in chunks of at most this many samples
    /// (<see cref="PopulationStatistics.Chunk"/>); one chunk gives exact statistics, several give PyTorch's cumulative
    /// average of chunk statistics (momentum = None).</summary>
    public const int PopulationChunk = PopulationStatistics.Chunk;

    /// <summary>Creates the operator; <paramref name="population"/> is required for
    /// <see cref="BatchNormMode.Population"/> and ignored otherwise.</summary>
    protected NetworkOperator(nn.Module<Tensor, Tensor> model, LossKind loss, NetworkData data, BatchNormMode mode, ParameterSet parameters,
                              NetworkData? population)
        : base(CheckArguments(model, data, parameters), parameters.DType)
    {
        Model = model;
        Loss = loss;
        Data = data;
        Mode = mode;
        Parameters = parameters;
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "unknown loss");
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown BatchNorm mode");
        if (loss == LossKind.CrossEntropy && (data.Targets.dim() != 1 || data.Targets.dtype != ScalarType.Int64))
            throw new ArgumentException($"cross-entropy needs int64 class labels [N]; got {data.Targets.dtype} [{string.Join(", ", data.Targets.shape)}]");
        // Everything a libtorch call would reject (possibly by aborting the process) is checked here, before the first
        // forward pass: the model must fit the data's sample shape, labels must be in range, weights and inputs finite.
        long? outputs = Models.ModelChecks.RequireInputShape(model, data.Inputs.shape[1..]);
        if (population is not null && mode == BatchNormMode.Population)
            Models.ModelChecks.RequireInputShape(model, population.Inputs.shape[1..]);
        Losses.RequireTargets(loss, data.Targets, outputs);
        Models.ModelChecks.RequireFinite(model);
        RequireFiniteInputs(data, "the inputs");
        if (population is not null && mode == BatchNormMode.Population) RequireFiniteInputs(population, "the population inputs");
        if (mode == BatchNormMode.Train && HasBatchStatistics && data.Batches().Any(b => b.Length < 2))
            throw new ArgumentException($"BatchNorm in train mode normalises each batch by its own statistics and needs at least 2 samples per batch; "
                                        + $"the partition of {data.Count} samples into batches of {data.BatchSize} has a batch of 1 (choose another batch size or BatchNorm mode eval)");
        if (mode == BatchNormMode.Population)
        {
            if (population is null) throw new ArgumentException("BatchNorm mode 'population' needs a population subset to take statistics from");
            ComputePopulationStatistics(population);
        }
    }

    /// <summary>The model (never modified).</summary>
    public nn.Module<Tensor, Tensor> Model { get; }
    /// <summary>The loss.</summary>
    public LossKind Loss { get; }
    /// <summary>The data and its partition.</summary>
    public NetworkData Data { get; }
    /// <summary>The BatchNorm mode of every product.</summary>
    public BatchNormMode Mode { get; }
    /// <summary>The parameters differentiated.</summary>
    public ParameterSet Parameters { get; }
    /// <summary>Operator–vector products computed so far (a block of k counts k).</summary>
    public long Products { get; private set; }

    /// <summary>
    /// Two products with the same vectors must agree bit for bit, and uᵀAv must equal vᵀAu up to round-off
    /// (<see cref="Tolerances.ProductSymmetryRelative64"/>, <see cref="Tolerances.ProductSymmetryRelative32"/>); if
    /// not (dropout or another random layer active, a data pipeline that changes between calls, a non-differentiable
    /// or custom layer that breaks the symmetry of second derivatives), every estimate built on the operator would be
    /// wrong, so this throws with a readable message instead. Derived constructors call it last; it costs four products.
    /// </summary>
    protected void VerifyDeterminism()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(DeterminismSeed);
        var block = rand(Size, 2, dtype: ScalarType.Float64, generator: generator).lt(0.5).to_type(ScalarType.Float64).mul_(2).sub_(1);
        var first = Multiply(block);
        if (!first.isfinite().all().item<bool>())
        {
            Products -= 2;
            throw new ArgumentException(NonFiniteProduct(first));
        }
        var second = Multiply(block);
        Products -= 4;
        double difference = (first - second).abs().max().item<double>();
        if (difference != 0)
            throw new InvalidOperationException(
                $"{GetType().Name}: two products with the same vector differ (max |Δ| = {difference:G3}); the model or data is not deterministic — disable dropout and other random layers, and fix the data order");
        if (SymmetryTolerance is not { } tolerance) return;
        double asymmetry = SymmetryProbe.RelativeAsymmetry(block[.., 0], first[.., 0], block[.., 1], first[.., 1]);
        if (!(asymmetry <= tolerance))
            throw new InvalidOperationException(
                $"{GetType().Name}: the operator is not symmetric (|uᵀAv − vᵀAu| / (‖u‖‖Av‖) = {asymmetry:G3} > {tolerance:G1}); a layer breaks the "
                + "symmetry of second derivatives (a custom autograd function or a non-differentiable operation) — its spectrum would be meaningless");
    }

    /// <summary>The relative asymmetry the construction check accepts: round-off of exact second derivatives in the operator's
    /// dtype (<see cref="Tolerances.ProductSymmetryRelative64"/>, <see cref="Tolerances.ProductSymmetryRelative32"/>); null
    /// skips the symmetry part of the check (for approximations that are symmetric only up to their own error).</summary>
    protected virtual double? SymmetryTolerance => DType == ScalarType.Float64 ? Tolerances.ProductSymmetryRelative64 : Tolerances.ProductSymmetryRelative32;

    /// <summary>Where a non-finite product came from, in the order it is computed: the loss, its gradient, or only
    /// the second-order product (weights and inputs are finite: the constructor checked them).</summary>
    string NonFiniteProduct(Tensor product)
    {
        using var scope = NewDisposeScope();
        string what = Name(product);
        var (loss, gradient) = LossAndGradient();
        string dtype = DType == ScalarType.Float32 ? "float32" : DType == ScalarType.Float64 ? "float64" : DType.ToString();
        if (!double.IsFinite(loss))
            return $"the loss is {Name(loss)} at these weights on these data ({dtype}), so every curvature product is {what}; the weights are too large "
                   + "(a diverged training run, too large an init scale) or the model overflows this dtype";
        if (!gradient.isfinite().all().item<bool>())
            return $"the gradient of the loss contains {Name(gradient)} at these weights (the loss is finite, {loss:G4}; {dtype}); the weights are too large for this dtype";
        return $"the {Describe()} product contains {what} although the loss ({loss:G4}) and its gradient are finite ({dtype}); the curvature overflows this dtype — try float64 or smaller weights";
    }

    static string Name(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "+∞" : "−∞";

    static string Name(Tensor values) => values.isnan().any().item<bool>() ? "NaN" : "∞";

    string Describe() => this switch
    {
        HessianOperator => "Hessian",
        GaussNewtonOperator => "Gauss–Newton",
        EmpiricalFisherOperator => "empirical Fisher",
        _ => GetType().Name,
    };

    static void RequireFiniteInputs(NetworkData data, string what)
    {
        using var scope = NewDisposeScope();
        var finite = data.Inputs.isfinite().reshape(data.Count, -1).all(1);
        if (finite.all().item<bool>()) return;
        long first = finite.logical_not().nonzero()[0, 0].item<long>();
        throw new ArgumentException($"{what} contain NaN or ∞ (first in sample {first}); clean or standardise the data first");
    }

    /// <summary>Seed of the determinism probe vector (any fixed value: it checks repeatability, not a statistic).</summary>
    const ulong DeterminismSeed = 20240229;

    /// <summary>Whether the model has any layer with batch statistics (BatchNorm), i.e. whether the mode matters.</summary>
    public bool HasBatchStatistics => Model.named_modules().Any(m => m.module is TorchSharp.Modules.NormBase { track_running_stats: true } or TorchSharp.Modules.BatchNorm);

    /// <inheritdoc/>
    protected sealed override Tensor MultiplyCore(Tensor block)
    {
        Products += block.shape[1];
        return _session is not null ? SessionProduct(block) : WithModel(() => Product(block));
    }

    /// <summary>A·block in the configured mode (the model is prepared and restored by the caller).</summary>
    protected virtual Tensor Product(Tensor block)
    {
        var result = zeros(Size, block.shape[1], dtype: DType);
        foreach (var (x, y, weight) in BatchTensors())
        {
            using var scope = NewDisposeScope();
            result.add_(BatchProduct(x, y, block).mul_(weight));
        }
        return result;
    }

    /// <summary>The product for one batch's mean loss, [n, k]; runs with autograd enabled. By default the batch's graph is
    /// built for this product only.</summary>
    protected virtual Tensor BatchProduct(Tensor inputs, Tensor targets, Tensor block) => BuildBatchGraph(inputs, targets).Apply(block);

    /// <summary>The mean loss L and its gradient ∇L over all data (flat, float64) in the operator's mode.</summary>
    public (double Loss, Tensor Gradient) LossAndGradient()
    {
        using var outer = NewDisposeScope();
        var (loss, gradient) = WithModel(() =>
        {
            var sum = zeros(Size, dtype: ScalarType.Float64);
            double total = 0;
            foreach (var (x, y, weight) in BatchTensors())
            {
                using var scope = NewDisposeScope();
                var (l, g) = BatchGradient(x, y);
                total += weight * l;
                sum.add_(g.mul_(weight));
            }
            return (total, sum);
        });
        return (loss, gradient.MoveToOuterDisposeScope());
    }

    /// <summary>The fraction of samples whose largest output is the label (classification data: int64 labels), over
    /// all data in the operator's BatchNorm mode and partition — the accuracy that goes with <see cref="LossAndGradient"/>.</summary>
    public double Accuracy()
    {
        if (Data.Targets.dtype != ScalarType.Int64) throw new InvalidOperationException("accuracy needs int64 class labels");
        return WithModel(() =>
        {
            using var noGrad = no_grad();
            long correct = 0;
            foreach (var (x, y, _) in BatchTensors())
            {
                using var scope = NewDisposeScope();
                correct += Model.call(x).argmax(1).eq(y).sum().item<long>();
            }
            return (double)correct / Data.Count;
        });
    }

    /// <summary>Per-batch mean-loss gradients (flat, float64), in partition order: the mini-batch gradients of SGD on
    /// this operator's partition, or on the partition of the same data into batches of <paramref name="batchSize"/>
    /// (consecutive, the last one shorter; a BatchNorm in train mode then normalises each by its own statistics, as SGD does).</summary>
    public IReadOnlyList<Tensor> BatchGradients(int? batchSize = null)
    {
        if (batchSize is < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"the mini-batch size must be at least 1; got {batchSize}");
        var partition = batchSize is { } b ? new Data.BatchPartition((int)Data.Count, b).Batches.Select(r => ((long)r.Start, (long)r.Size, r.Weight))
                                           : Data.Batches();
        using var outer = NewDisposeScope();
        var list = WithModel(() =>
        {
            var gradients = new List<Tensor>();
            foreach (var (x, y, _) in BatchTensors(partition))
            {
                using var scope = NewDisposeScope();
                gradients.Add(BatchGradient(x, y).Gradient.MoveToOuterDisposeScope());
            }
            return gradients;
        });
        return list.Select(g => g.MoveToOuterDisposeScope()).ToList();
    }

    (double Loss, Tensor Gradient) BatchGradient(Tensor x, Tensor y)
    {
        var output = Model.call(x);
        var loss = Losses.Mean(Loss, output, y);
        var grads = autograd.grad([loss], Parameters.Tensors.ToList(), allow_unused: true);
        // item<double> requires a float64 tensor; a float32 model gives a float32 loss.
        return (loss.to_type(ScalarType.Float64).item<double>(), Parameters.Flatten(grads.ToList(), ScalarType.Float64));
    }

    /// <summary>The batches as tensors in the operator's dtype (views; disposed with the caller's scope).</summary>
    protected IEnumerable<(Tensor Inputs, Tensor Targets, double Weight)> BatchTensors() => BatchTensors(Data.Batches());

    IEnumerable<(Tensor Inputs, Tensor Targets, double Weight)> BatchTensors(IEnumerable<(long Start, long Length, double Weight)> batches)
    {
        foreach (var (start, length, weight) in batches)
        {
            var x = Data.Inputs.narrow(0, start, length).to_type(DType);
            var y = Data.Targets.narrow(0, start, length);
            if (y.is_floating_point()) y = y.to_type(DType);
            yield return (x, y, weight);
        }
    }

    /// <summary>Runs <paramref name="body"/> with the model in this operator's BatchNorm mode and gradients on,
    /// then restores every buffer and flag, whatever happens.</summary>
    protected T WithModel<T>(Func<T> body)
    {
        ReleaseOtherSession(Model, except: null);
        var snapshot = ModelSnapshot.Capture(Model);
        try
        {
            Configure();
            using var grad = enable_grad();
            return body();
        }
        finally
        {
            ModelSnapshot.RestoreAndDispose(snapshot);
        }
    }

    void Configure()
    {
        switch (Mode)
        {
            case BatchNormMode.Train:
                Model.train();
                break;
            case BatchNormMode.Eval:
                Model.eval();
                break;
            case BatchNormMode.Population:
                Model.eval();
                using (no_grad())
                    foreach (var (buffer, value) in _population) buffer.copy_(value);
                break;
        }
    }

    /// <summary>Statistics of the population subset for every BatchNorm layer (<see cref="PopulationStatistics"/>),
    /// kept to be copied into the running buffers for each product; the model is left unchanged.</summary>
    void ComputePopulationStatistics(NetworkData population) =>
        _population.AddRange(PopulationStatistics.Compute(Model, population, DType));

    static long CheckArguments(nn.Module<Tensor, Tensor> model, NetworkData data, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!IsFloatingPoint(parameters.DType))
            throw new ArgumentException($"parameters must be floating point; got {parameters.DType}");
        return parameters.Size;
    }

    /// <summary>
    /// Jᵀ W(J v) for every column v of a block, with J = ∂outputs/∂θ — the shape shared by the Gauss–Newton (outputs z,
    /// W = H_ℓ) and the empirical Fisher (outputs ℓᵢ, W = 1/B). Without forward mode, J v comes from the double-vjp trick:
    /// for a dummy u, Jᵀu = ∇θ⟨outputs, u⟩ is linear in u, so J v = ∇_u⟨Jᵀu, v⟩; Jᵀ(·) is one more vector–Jacobian
    /// product. The graph of Jᵀu is built once; each column costs the two vector-dependent passes.
    /// </summary>
    protected BatchGraph JacobianSandwich(Tensor outputs, Func<Tensor, Tensor> weigh)
    {
        var parameters = Parameters.Tensors.ToList();
        var u = zeros_like(outputs).requires_grad_(true);
        var jtu = autograd.grad([outputs], parameters, [u], create_graph: true, retain_graph: true, allow_unused: true);
        var live = Enumerable.Range(0, jtu.Count).Where(i => !jtu[i].IsInvalid && jtu[i].requires_grad).ToArray();
        Tensor Apply(Tensor block)
        {
            var columns = new Tensor[block.shape[1]];
            for (int j = 0; j < columns.Length; j++)
            {
                if (live.Length == 0) { columns[j] = zeros(Size, dtype: DType); continue; }
                var v = Parameters.Unflatten(block[.., j].contiguous());
                var jv = autograd.grad(live.Select(i => jtu[i]).ToList(), [u], live.Select(i => v[i]).ToList(), retain_graph: true)[0];
                columns[j] = Parameters.Flatten(autograd.grad([outputs], parameters, [weigh(jv)], retain_graph: true, allow_unused: true).ToList(), DType);
            }
            return stack(columns, 1);
        }
        return new BatchGraph([outputs, u, .. live.Select(i => jtu[i])], Apply);
    }

    /// <summary>Σᵢ ⟨gᵢ, vᵢ⟩ over parameters whose entry depends on θ (others contribute nothing), or null.</summary>
    protected static Tensor? InnerProduct(IList<Tensor> grads, Tensor[] v)
    {
        Tensor? dot = null;
        for (int i = 0; i < grads.Count; i++)
        {
            if (grads[i] is null || grads[i].IsInvalid || !grads[i].requires_grad) continue;
            var term = grads[i].mul(v[i]).sum();
            dot = dot is null ? term : dot.add(term);
        }
        return dot;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        foreach (var (_, value) in _population) value.Dispose();
        _population.Clear();
    }
}
