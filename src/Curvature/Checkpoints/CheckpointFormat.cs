namespace Curvature.Checkpoints;

/// <summary>The two file formats of a state dict, chosen by the file's extension.</summary>
public enum CheckpointFormat
{
    /// <summary>PyTorch's <c>torch.save(model.state_dict(), path)</c> zip format (PyTorch ≥ 1.6), extensions .pt
    /// and .pth; the legacy non-zip format is not read.</summary>
    PyTorch,

    /// <summary>Hugging Face safetensors: an 8-byte little-endian header length, a JSON header
    /// {key: {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes; extension .safetensors.</summary>
    SafeTensors,
}
