namespace Curvature.Checkpoints;

/// <summary>The one error <see cref="Checkpoint"/> raises: a checkpoint file that is missing, unreadable, truncated,
/// not a state dict, or does not match the model (a missing, unexpected or misshaped key, or an incompatible dtype).
/// The message is one line naming the file and, for a mismatch, the key with both shapes or dtypes, so a
/// command-line front end can print it as it is.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the error for <paramref name="path"/> (and <paramref name="key"/>, if one key is at fault).</summary>
    public CheckpointException(string path, string? key, string message) : base(message)
    {
        Path = path;
        Key = key;
    }

    /// <summary>Creates the error for <paramref name="path"/> with the lower-level cause (an I/O, zip or format error).</summary>
    public CheckpointException(string path, string message, Exception innerException) : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The checkpoint file, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>The state-dict key at fault, or null when the file as a whole is.</summary>
    public string? Key { get; }
}
