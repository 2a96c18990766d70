using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Curvature.Tests.Operators.Network;

/// <summary>Small float64 networks and data sets for exact checks of the network operators.</summary>
internal static class TinyNetworks
{
    /// <summary>Seeds torch's parameter initialisation through fixed values instead of the global generator:
    /// every parameter is overwritten from <paramref name="seed"/>.</summary>
    public static T Seeded<T>(T model, ulong seed, double scale = 0.5) where T : nn.Module
    {
        using var gen = new Generator(seed);
        using (no_grad())
            foreach (var (_, p) in model.named_parameters())
                p.copy_(randn(p.shape, dtype: p.dtype, generator: gen).mul_(scale));
        return model;
    }

    public static TorchSharp.Modules.Sequential Mlp(int inputs, int hidden, int classes, bool batchNorm, ulong seed)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)> { ("0", Flatten()), ("1", Linear(inputs, hidden)) };
        if (batchNorm) layers.Add(("2", BatchNorm1d(hidden)));
        layers.Add(((batchNorm ? 3 : 2).ToString(), Tanh()));
        layers.Add(((batchNorm ? 4 : 3).ToString(), Linear(hidden, classes)));
        var model = Sequential(layers);
        model.to(ScalarType.Float64);
        return Seeded(model, seed);
    }

    public static TorchSharp.Modules.Sequential Cnn(bool batchNorm, ulong seed)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)> { ("0", Conv2d(1, 3, 3, stride: 2)) };
        if (batchNorm) layers.Add(("bn", BatchNorm2d(3)));
        layers.Add(("act", Tanh()));
        layers.Add(("flat", Flatten()));
        layers.Add(("fc", Linear(3 * 3 * 3, 4)));
        var model = Sequential(layers);
        model.to(ScalarType.Float64);
        return Seeded(model, seed);
    }

    /// <summary>x ↦ fc(x + tanh(bn(lin(x)))): a residual block.</summary>
    public sealed class Residual : Module<Tensor, Tensor>
    {
        readonly Module<Tensor, Tensor> lin, bn, fc;
        public Residual(int width, int classes) : base("residual")
        {
            lin = Linear(width, width);
            bn = BatchNorm1d(width);
            fc = Linear(width, classes);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x) => fc.call(x + bn.call(lin.call(x)).tanh());
    }

    public static Residual ResidualNet(int width, int classes, ulong seed)
    {
        var model = new Residual(width, classes);
        model.to(ScalarType.Float64);
        return Seeded(model, seed);
    }

    public static NetworkData Classification(int count, long[] inputShape, int classes, ulong seed, int? batchSize = null)
    {
        using var gen = new Generator(seed);
        var shape = new[] { (long)count }.Concat(inputShape).ToArray();
        using var x = randn(shape, dtype: ScalarType.Float64, generator: gen);
        using var y = randint(0, classes, [count], generator: gen);
        return new NetworkData(x, y, batchSize);
    }

    /// <summary>Byte image of a model: every parameter and buffer (with num_batches_tracked), gradients and
    /// training flags.</summary>
    public static string Fingerprint(nn.Module model)
    {
        var parts = new List<string>();
        foreach (var (name, t) in model.state_dict())
            parts.Add(name + ":" + Convert.ToHexString(t.contiguous().bytes));
        foreach (var (name, p) in model.named_parameters())
            parts.Add(name + ".grad:" + (p.grad is null ? "none" : Convert.ToHexString(p.grad.contiguous().bytes)));
        parts.Add("training:" + string.Join(",", model.named_modules().Select(m => m.module.training)) + model.training);
        return string.Join("|", parts);
    }
}
