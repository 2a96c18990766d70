using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Curvature.Models;

/// <summary>torchvision's <c>BasicBlock</c> (He et al. 2016, Fig. 2 left): two 3×3 convolutions without bias, each
/// followed by its norm, the shortcut added before the last activation. Submodules conv1, bn1, conv2, bn2 and
/// (where the shape changes) downsample = Sequential(1×1 conv, norm) — the names torchvision gives them.</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _conv1, _conv2, _activation;
    private readonly nn.Module<Tensor, Tensor>? _bn1, _bn2, _downsample;

    public BasicBlock(int inChannels, int outChannels, int stride, NormKind norm, Activation activation,
        ScalarType dtype, int maxGroups) : base(nameof(BasicBlock))
    {
        _conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false, dtype: dtype);
        _bn1 = ZooLayers.Norm2d(norm, outChannels, dtype, maxGroups);
        _conv2 = nn.Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false, dtype: dtype);
        _bn2 = ZooLayers.Norm2d(norm, outChannels, dtype, maxGroups);
        _activation = ZooLayers.Activation(activation);
        if (stride != 1 || inChannels != outChannels)
        {
            var shortcut = new List<nn.Module<Tensor, Tensor>>
            {
                nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false, dtype: dtype),
            };
            if (ZooLayers.Norm2d(norm, outChannels, dtype, maxGroups) is { } shortcutNorm) shortcut.Add(shortcutNorm);
            _downsample = nn.Sequential(shortcut);
        }
        register_module("conv1", _conv1);
        if (_bn1 is not null) register_module("bn1", _bn1);
        register_module("conv2", _conv2);
        if (_bn2 is not null) register_module("bn2", _bn2);
        register_module("activation", _activation);
        if (_downsample is not null) register_module("downsample", _downsample);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _conv1.forward(input);
        if (_bn1 is not null) x = _bn1.forward(x);
        x = _activation.forward(x);
        x = _conv2.forward(x);
        if (_bn2 is not null) x = _bn2.forward(x);
        var shortcut = _downsample is null ? input : _downsample.forward(input);
        return _activation.forward(x + shortcut).MoveToOuterDisposeScope();
    }
}

/// <summary>The CIFAR ResNet-(6n+2) of He et al. 2016 §4.2 with torchvision's module names: conv1, bn1, layer1–3
/// (Sequentials of <see cref="BasicBlock"/>), avgpool, fc.</summary>
internal sealed class CifarResNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _conv1, _activation, _layer1, _layer2, _layer3, _avgpool, _flatten, _fc;
    private readonly nn.Module<Tensor, Tensor>? _bn1;

    public CifarResNet(ResNetSpec spec, ScalarType dtype) : base(nameof(CifarResNet))
    {
        var widths = ResNetSpec.StageWidths;
        _conv1 = nn.Conv2d(spec.InputChannels, widths[0], 3, stride: 1, padding: 1, bias: false, dtype: dtype);
        _bn1 = ZooLayers.Norm2d(spec.Norm, widths[0], dtype, spec.GroupNormMaxGroups);
        _activation = ZooLayers.Activation(spec.Activation);
        _layer1 = Stage(spec, widths[0], widths[0], 1, dtype);
        _layer2 = Stage(spec, widths[0], widths[1], 2, dtype);
        _layer3 = Stage(spec, widths[1], widths[2], 2, dtype);
        _avgpool = nn.AdaptiveAvgPool2d(1);
        _flatten = nn.Flatten();
        _fc = nn.Linear(widths[2], spec.Classes, dtype: dtype);
        register_module("conv1", _conv1);
        if (_bn1 is not null) register_module("bn1", _bn1);
        register_module("activation", _activation);
        register_module("layer1", _layer1);
        register_module("layer2", _layer2);
        register_module("layer3", _layer3);
        register_module("avgpool", _avgpool);
        register_module("flatten", _flatten);
        register_module("fc", _fc);
    }

    private static Sequential Stage(ResNetSpec spec, int inChannels, int outChannels, int stride, ScalarType dtype)
    {
        var blocks = new List<nn.Module<Tensor, Tensor>>(spec.Depth);
        for (int b = 0; b < spec.Depth; b++)
            blocks.Add(new BasicBlock(b == 0 ? inChannels : outChannels, outChannels, b == 0 ? stride : 1,
                spec.Norm, spec.Activation, dtype, spec.GroupNormMaxGroups));
        return nn.Sequential(blocks);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _conv1.forward(input);
        if (_bn1 is not null) x = _bn1.forward(x);
        x = _activation.forward(x);
        x = _layer3.forward(_layer2.forward(_layer1.forward(x)));
        return _fc.forward(_flatten.forward(_avgpool.forward(x))).MoveToOuterDisposeScope();
    }
}
