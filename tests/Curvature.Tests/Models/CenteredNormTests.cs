using Curvature.Models;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Models;

public class CenteredNormTests
{
    /// <summary>Float64 round-off of a mean over a handful of values and one subtraction: a few ulps of O(1) values.</summary>
    private const double RoundOff = 1e-14;

    [Fact]
    public void Train_mode_subtracts_the_batch_mean_and_tracks_it()
    {
        using var scope = NewDisposeScope();
        using var norm = new CenteredNorm(3, ScalarType.Float64);
        norm.train();
        var x = tensor(new double[,] { { 1, 2, 3 }, { 3, 6, -3 } });
        var y = norm.forward(x);
        // Batch mean (2, 4, 0): rows become (−1, −2, 3) and (1, 2, −3).
        Assert.True(y.allclose(tensor(new double[,] { { -1, -2, 3 }, { 1, 2, -3 } }), rtol: 0, atol: RoundOff));
        // running_mean ← 0.9·0 + 0.1·(2, 4, 0), as PyTorch's BatchNorm updates it.
        Assert.True(norm.RunningMean.allclose(tensor(new[] { 0.2, 0.4, 0.0 }), rtol: 0, atol: RoundOff));
        Assert.Equal(1L, norm.NumBatchesTracked.item<long>());
        norm.forward(x);
        Assert.True(norm.RunningMean.allclose(tensor(new[] { 0.38, 0.76, 0.0 }), rtol: 0, atol: RoundOff));
        Assert.Equal(2L, norm.NumBatchesTracked.item<long>());
    }

    [Fact]
    public void Eval_mode_subtracts_the_running_mean_and_changes_nothing()
    {
        using var scope = NewDisposeScope();
        using var norm = new CenteredNorm(2, ScalarType.Float64);
        norm.train();
        norm.forward(tensor(new double[,] { { 10, -20 } }));   // running mean (1, −2)
        norm.eval();
        var y = norm.forward(tensor(new double[,] { { 1, 1 }, { 0, 0 } }));
        Assert.True(y.allclose(tensor(new double[,] { { 0, 3 }, { -1, 2 } }), rtol: 0, atol: RoundOff));
        Assert.True(norm.RunningMean.allclose(tensor(new[] { 1.0, -2.0 }), rtol: 0, atol: RoundOff));
        Assert.Equal(1L, norm.NumBatchesTracked.item<long>());
    }

    [Fact]
    public void Images_are_centred_per_channel_over_batch_and_space()
    {
        using var scope = NewDisposeScope();
        using var norm = new CenteredNorm(4, ScalarType.Float64);
        var x = randn(3, 4, 5, 6, dtype: ScalarType.Float64, generator: new Generator(1)).add_(2);
        var y = norm.forward(x);
        var channelMeans = y.mean([0, 2, 3]);
        Assert.True(channelMeans.abs().max().item<double>() < RoundOff * 10);
        Assert.True((y - x).std([0, 2, 3]).abs().max().item<double>() < RoundOff, "the shift is one constant per channel");
        Assert.True(norm.RunningMean.allclose(x.mean([0, 2, 3]) * 0.1, rtol: 0, atol: RoundOff));
    }

    [Fact]
    public void It_matches_batch_norm_without_its_scaling()
    {
        using var scope = NewDisposeScope();
        var x = randn(8, 3, dtype: ScalarType.Float64, generator: new Generator(2)) * 3 + 1;
        using var centred = new CenteredNorm(3, ScalarType.Float64);
        using var batch = nn.BatchNorm1d(3, affine: false, dtype: ScalarType.Float64);
        var c = centred.forward(x);
        var b = batch.forward(x);
        var std = (x.var(0, unbiased: false) + 1e-5).sqrt();
        Assert.True(c.allclose(b * std, rtol: 0, atol: 1e-12));
        Assert.True(centred.RunningMean.allclose(batch.running_mean!, rtol: 0, atol: RoundOff));
    }

    [Fact]
    public void The_gradient_flows_through_the_batch_mean()
    {
        using var scope = NewDisposeScope();
        using var norm = new CenteredNorm(2, ScalarType.Float64);
        var x = randn(4, 2, dtype: ScalarType.Float64, generator: new Generator(3)).requires_grad_();
        var w = tensor(new[] { 1.0, -2.0 });
        (norm.forward(x) * w).sum().backward();
        // Σ_i (x_i − mean)·w has zero derivative in every x: the centring removes the constant direction.
        Assert.True(x.grad!.abs().max().item<double>() < RoundOff);
    }

    [Fact]
    public void Wrong_inputs_are_rejected_before_libtorch()
    {
        using var norm = new CenteredNorm(3, ScalarType.Float64);
        using var wide = zeros(2, 4, dtype: ScalarType.Float64);
        Assert.Contains("[2, 4]", Assert.Throws<ArgumentException>(() => norm.forward(wide)).Message);
        using var single = zeros(2, 3);
        Assert.Contains("Float32", Assert.Throws<ArgumentException>(() => norm.forward(single)).Message);
        Assert.Throws<ArgumentException>(() => new CenteredNorm(3, ScalarType.Int64));
    }

    [Fact]
    public void Forward_in_both_modes_leaks_nothing()
    {
        using var x = randn(4, 3, 2, 2, dtype: ScalarType.Float64);
        using var norm = new CenteredNorm(3, ScalarType.Float64);
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            norm.train();
            using (norm.forward(x)) { }
            norm.eval();
            using (norm.forward(x)) { }
        }));
    }
}
