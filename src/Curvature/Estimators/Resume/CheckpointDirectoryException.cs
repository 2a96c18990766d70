namespace Curvature.Estimators;

/// <summary>Why a <see cref="CheckpointDirectory"/> could not be created or resumed.</summary>
public enum CheckpointProblem
{
    /// <summary>Resuming, but the directory holds no checkpoint.</summary>
    Missing,
    /// <summary>A file of the checkpoint is unreadable, truncated or damaged.</summary>
    Corrupt,
    /// <summary>The checkpoint was made with another configuration (see <see cref="CheckpointDirectoryException.Differences"/>).</summary>
    Mismatch,
    /// <summary>Starting afresh, but the directory already holds a checkpoint (it is never overwritten silently).</summary>
    AlreadyExists,
}

/// <summary>One configuration field that differs between a run and the checkpoint it tries to resume.</summary>
/// <param name="Field">The field's name as the caller gave it.</param>
/// <param name="Current">Its value in this run (null: this run has no such field).</param>
/// <param name="Saved">Its value in the checkpoint (null: the checkpoint has no such field).</param>
public sealed record ConfigurationDifference(string Field, string? Current, string? Saved);

/// <summary>A checkpoint directory cannot be used: the <see cref="Problem"/>, the file concerned and, for a mismatch,
/// every differing field — enough for a one-line message.</summary>
public sealed class CheckpointDirectoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointDirectoryException(CheckpointProblem problem, string path, string message, IReadOnlyList<ConfigurationDifference>? differences = null,
                                        Exception? inner = null)
        : base(message, inner)
    {
        Problem = problem;
        Path = path;
        Differences = differences ?? [];
    }

    /// <summary>What is wrong.</summary>
    public CheckpointProblem Problem { get; }
    /// <summary>The directory or file concerned.</summary>
    public string Path { get; }
    /// <summary>For <see cref="CheckpointProblem.Mismatch"/>: the fields that differ, in the caller's order.</summary>
    public IReadOnlyList<ConfigurationDifference> Differences { get; }
}
