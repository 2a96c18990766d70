using Curvature.Checkpoints;
using Curvature.Data;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Training;

/// <summary>
/// Deterministic mini-batch SGD with momentum and weight decay, exactly PyTorch's <c>torch.optim.SGD</c>
/// (dampening 0, no Nesterov): for each parameter θ with gradient g of the mini-batch mean loss,
/// <code>d = g + wd·θ;  v ← μ·v + d;  θ ← θ − η_t·v</code>
/// with v = 0 before the first update (PyTorch starts v at d, the same value). Weight decay applies to every
/// parameter, as when <c>model.parameters()</c> is passed to the optimiser.
/// </summary>
/// <remarks>
/// <para>Data order: epoch e visits the training examples in the order <c>randperm(N)</c> drawn from a
/// <c>torch.Generator</c> seeded with a value derived from (seed, e) — never the global generator — in batches of B,
/// dropping the N mod B examples left over (PyTorch's <c>DataLoader(shuffle=True, drop_last=True)</c>), so every
/// update sees B examples and a BatchNorm never sees a batch of one. The batch of update t is therefore a function of
/// (seed, t) alone, which is what makes <see cref="Resume"/> exact: the state is the weights, the momentum buffers and t.</para>
/// <para>The model is in train mode during updates; held-out evaluation runs in eval mode under no_grad, and the mode the
/// model had before <see cref="Run"/> is restored when it returns.</para>
/// </remarks>
public sealed class Trainer : IDisposable
{
    readonly nn.Module<Tensor, Tensor> _model;
    readonly Tensor _inputs, _labels;
    readonly Tensor? _heldOutInputs, _heldOutLabels;
    readonly (string Name, Tensor Parameter)[] _parameters;
    readonly Tensor[] _velocity;
    readonly int _batchSize, _batchesPerEpoch;
    readonly List<double> _loss = new(), _accuracy = new(), _rate = new(), _heldOutLoss = new(), _heldOutAccuracy = new();
    readonly List<int> _evaluationSteps = new();
    readonly NetworkData? _population;
    readonly TorchSharp.Modules.NormBase[] _batchNorms;
    Tensor? _order;
    long _orderEpoch = -1;
    int _refreshedAt = -1;

    /// <summary>A trainer at step 0 (zero momentum) for <paramref name="model"/> on the training examples
    /// <paramref name="inputs"/> [N, …] with int64 labels [N], evaluating on the optional held-out pair. The tensors are
    /// borrowed (not copied, not disposed); the model's dtype must match the inputs'.
    /// <paramref name="population"/> is the subset whose statistics the BatchNorm layers use when
    /// <see cref="TrainingOptions.PopulationRefreshEvery"/> &gt; 0 (borrowed; ignored otherwise).</summary>
    /// <exception cref="ArgumentException">Invalid options or mismatched data.</exception>
    public Trainer(nn.Module<Tensor, Tensor> model, TrainingOptions options, Tensor inputs, Tensor labels,
                   Tensor? heldOutInputs = null, Tensor? heldOutLabels = null, NetworkData? population = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckData(inputs, labels, "training");
        if ((heldOutInputs is null) != (heldOutLabels is null)) throw new ArgumentException("training: held-out inputs and labels must be given together");
        if (heldOutInputs is not null) CheckData(heldOutInputs, heldOutLabels!, "held-out");
        _model = model;
        Options = options;
        _inputs = inputs;
        _labels = labels;
        _heldOutInputs = heldOutInputs;
        _heldOutLabels = heldOutLabels;
        _parameters = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, (Tensor)p.parameter)).ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("training: the model has no trainable parameters");
        foreach (var (name, p) in _parameters)
            if (p.dtype != inputs.dtype) throw new ArgumentException($"training: parameter {name} is {p.dtype} but the inputs are {inputs.dtype}");
        // A wrong-shaped input or an out-of-range label inside libtorch can abort the process: check them in C# first.
        try
        {
            long? outputs = Models.ModelChecks.RequireInputShape(model, inputs.shape[1..]);
            Losses.RequireTargets(options.Loss, labels, outputs);
            if (heldOutInputs is not null)
            {
                Models.ModelChecks.RequireInputShape(model, heldOutInputs.shape[1..]);
                Losses.RequireTargets(options.Loss, heldOutLabels!, outputs);
            }
            Models.ModelChecks.RequireFinite(model, "the initial weights");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"training: {e.Message}", e);
        }
        _batchNorms = model.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.NormBase>().Where(m => m.track_running_stats).ToArray();
        if (options.PopulationRefreshEvery > 0)
        {
            if (population is null) throw new ArgumentException("training: population BatchNorm statistics need the population data");
            if (_batchNorms.Length == 0) throw new ArgumentException("training: population statistics are for BatchNorm layers; the model has none");
            _population = population;
        }
        int n = (int)inputs.shape[0];
        _batchSize = Math.Min(options.BatchSize, n);
        _batchesPerEpoch = n / _batchSize;
        _velocity = _parameters.Select(p => zeros_like(p.Parameter).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>The options the trainer runs with.</summary>
    public TrainingOptions Options { get; }

    /// <summary>t, the number of updates done.</summary>
    public int Step { get; private set; }

    /// <summary>The batch size used: min(B, N).</summary>
    public int BatchSize => _batchSize;

    /// <summary>Everything measured so far (including before a <see cref="Resume"/>).</summary>
    public TrainingHistory History => new(_loss.ToArray(), _accuracy.ToArray(), _rate.ToArray(),
                                          _evaluationSteps.ToArray(), _heldOutLoss.ToArray(), _heldOutAccuracy.ToArray());

    /// <summary>Trains from the current step up to <paramref name="stopAt"/> (default: <see cref="TrainingOptions.Steps"/>).
    /// At each step s in <see cref="TrainingOptions.CheckpointSteps"/> reached (including the current one, e.g. 0 at the
    /// start) <paramref name="onCheckpoint"/> is called with s and the model (do not keep the model's tensors beyond the
    /// call; save or measure them there). Held-out evaluation happens at step 0, every
    /// <see cref="TrainingOptions.EvaluateEvery"/> steps and at the last step.</summary>
    /// <returns>The history so far.</returns>
    public TrainingHistory Run(int? stopAt = null, Action<int, nn.Module<Tensor, Tensor>>? onCheckpoint = null,
                               IProgress<TrainingProgress>? progress = null)
    {
        ObjectDisposedException.ThrowIf(_velocity[0].IsInvalid, this);
        int end = stopAt ?? Options.Steps;
        if (end < Step || end > Options.Steps) throw new ArgumentOutOfRangeException(nameof(stopAt), $"training: stop step {end} is outside {Step}..{Options.Steps}");
        bool wasTraining = _model.training;
        try
        {
            Visit(onCheckpoint);
            while (Step < end)
            {
                Update();
                Visit(onCheckpoint);
                progress?.Report(new TrainingProgress(Step, Options.Steps, _loss[^1]));
            }
        }
        finally
        {
            _model.train(wasTraining);
        }
        return History;
    }

    void Visit(Action<int, nn.Module<Tensor, Tensor>>? onCheckpoint)
    {
        // Refreshed here, not in Update, so the held-out evaluation and the checkpoint at a refresh step see the statistics
        // the next updates use; after Resume the refresh at the same step recomputes the same values.
        if (_population is not null && Step % Options.PopulationRefreshEvery == 0 && _refreshedAt != Step)
        {
            PopulationStatistics.Apply(_model, _population);
            _refreshedAt = Step;
        }
        bool evaluate = Step == 0 || Step == Options.Steps || (Options.EvaluateEvery > 0 && Step % Options.EvaluateEvery == 0);
        if (evaluate && _heldOutInputs is not null && !_evaluationSteps.Contains(Step))
        {
            var (loss, accuracy) = Evaluate(_heldOutInputs, _heldOutLabels!);
            _evaluationSteps.Add(Step);
            _heldOutLoss.Add(loss);
            _heldOutAccuracy.Add(accuracy);
        }
        if (onCheckpoint is not null && Options.CheckpointSteps.Contains(Step))
        {
            _model.train();
            onCheckpoint(Step, _model);
        }
    }

    /// <summary>One SGD update on the batch of step t.</summary>
    void Update()
    {
        using var scope = NewDisposeScope();
        int epoch = Step / _batchesPerEpoch, position = Step % _batchesPerEpoch;
        var order = OrderOf(epoch);
        var index = order.narrow(0, (long)position * _batchSize, _batchSize);
        var x = _inputs.index_select(0, index);
        var y = _labels.index_select(0, index);
        _model.train();
        if (_population is not null)
            foreach (var norm in _batchNorms) norm.eval();
        var output = _model.call(x);
        var loss = Losses.Mean(Options.Loss, output, y);
        var gradients = autograd.grad([loss], _parameters.Select(p => p.Parameter).ToList(), allow_unused: true);
        double rate = Options.Schedule.RateAt(Options.LearningRate, Step, Options.Steps);
        using (no_grad())
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                var p = _parameters[i].Parameter;
                var d = gradients[i] is null || gradients[i].IsInvalid ? zeros_like(p) : gradients[i];
                if (Options.WeightDecay != 0) d = d.add(p, alpha: Options.WeightDecay);
                _velocity[i].mul_(Options.Momentum).add_(d);
                p.add_(_velocity[i], alpha: -rate);
            }
        }
        _loss.Add(loss.to_type(ScalarType.Float64).item<double>());
        _accuracy.Add(output.argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>());
        _rate.Add(rate);
        Step++;
    }

    /// <summary>randperm(N) of epoch e from its own generator; cached for the epoch in progress.</summary>
    Tensor OrderOf(int epoch)
    {
        if (_orderEpoch != epoch)
        {
            _order?.Dispose();
            using var generator = new Generator(EpochSeed(Options.Seed, epoch));
            _order = randperm(_inputs.shape[0], generator: generator, dtype: ScalarType.Int64).DetachFromDisposeScope();
            _orderEpoch = epoch;
        }
        return _order!;
    }

    /// <summary>SplitMix64 of (seed, epoch): nearby seeds and epochs give unrelated generators (Steele et al. 2014).</summary>
    internal static ulong EpochSeed(ulong seed, int epoch)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(epoch + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Mean loss and accuracy over all examples in eval mode under no_grad, in batches of B (each batch
    /// weighted |b|/N, <see cref="BatchPartition"/>); the model's mode is restored.</summary>
    public (double Loss, double Accuracy) Evaluate(Tensor inputs, Tensor labels)
    {
        CheckData(inputs, labels, "evaluation");
        bool wasTraining = _model.training;
        _model.eval();
        try
        {
            using var noGrad = no_grad();
            double lossSum = 0;
            long correct = 0;
            var partition = new BatchPartition((int)inputs.shape[0], _batchSize);
            foreach (var b in partition.Batches)
            {
                using var scope = NewDisposeScope();
                var x = inputs.narrow(0, b.Start, b.Size);
                var y = labels.narrow(0, b.Start, b.Size);
                var output = _model.call(x);
                lossSum += Losses.Mean(Options.Loss, output, y).to_type(ScalarType.Float64).item<double>() * b.Size;
                correct += output.argmax(1).eq(y).sum().item<long>();
            }
            return (lossSum / partition.Samples, (double)correct / partition.Samples);
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    /// <summary>Writes the state to <paramref name="directory"/> (created if needed): the model's state dict as
    /// <see cref="TrainerState.ModelFile"/> (<see cref="Checkpoint.Save"/>, loadable by <c>curvature hessian --weights</c>),
    /// the momentum buffers as <see cref="TrainerState.OptimizerFile"/> (keyed by parameter name) and the step, options
    /// and history as <see cref="TrainerState.StateFile"/>.</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        Checkpoint.Save(_model, Path.Combine(directory, TrainerState.ModelFile));
        TrainerState.WriteBuffers(Path.Combine(directory, TrainerState.OptimizerFile),
                                  _parameters.Select((p, i) => (p.Name, _velocity[i])));
        TrainerState.Of(this).Write(Path.Combine(directory, TrainerState.StateFile));
    }

    /// <summary>A trainer that continues exactly where the one saved in <paramref name="directory"/> stopped: loads the
    /// weights into <paramref name="model"/>, the momentum buffers, the step and the history. Running it to step 2N gives
    /// bit-identical losses and weights to an uninterrupted run.</summary>
    /// <exception cref="CheckpointException">Missing or mismatched files, or options that differ from the saved ones.</exception>
    public static Trainer Resume(nn.Module<Tensor, Tensor> model, TrainingOptions options, Tensor inputs, Tensor labels, string directory,
                                 Tensor? heldOutInputs = null, Tensor? heldOutLabels = null, NetworkData? population = null)
    {
        var state = TrainerState.Read(Path.Combine(directory, TrainerState.StateFile));
        state.RequireSameOptions(options, Path.Combine(directory, TrainerState.StateFile));
        Checkpoint.Load(model, Path.Combine(directory, TrainerState.ModelFile));
        var trainer = new Trainer(model, options, inputs, labels, heldOutInputs, heldOutLabels, population);
        try
        {
            TrainerState.ReadBuffers(Path.Combine(directory, TrainerState.OptimizerFile),
                                     trainer._parameters.Select((p, i) => (p.Name, trainer._velocity[i])).ToArray());
            trainer.Step = state.Step;
            trainer._loss.AddRange(state.History.Loss);
            trainer._accuracy.AddRange(state.History.Accuracy);
            trainer._rate.AddRange(state.History.LearningRate);
            trainer._evaluationSteps.AddRange(state.History.EvaluationSteps);
            trainer._heldOutLoss.AddRange(state.History.HeldOutLoss);
            trainer._heldOutAccuracy.AddRange(state.History.HeldOutAccuracy);
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    static void CheckData(Tensor inputs, Tensor labels, string what)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (inputs.dim() < 2 || inputs.shape[0] < 1) throw new ArgumentException($"{what}: inputs must be [N, …] with N ≥ 1");
        if (labels.dim() != 1 || labels.dtype != ScalarType.Int64 || labels.shape[0] != inputs.shape[0])
            throw new ArgumentException($"{what}: labels must be int64 [N] with N = {inputs.shape[0]}");
    }

    /// <summary>Releases the momentum buffers and the cached data order.</summary>
    public void Dispose()
    {
        foreach (var v in _velocity) v.Dispose();
        _order?.Dispose();
        _order = null;
    }
}
