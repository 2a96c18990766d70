namespace Curvature.Cli;

/// <summary>A problem with what the user asked for (an option value, a file, a combination): reported as
/// one line naming the problem, with exit code <see cref="ExitCodes.BadInput"/>.</summary>
public sealed class UserInputException(string message) : Exception(message);

/// <summary>The exit codes of <c>curvature</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>The run failed for a reason other than the input (e.g. an output file could not be written).</summary>
    public const int Failure = 1;
    /// <summary>Bad input: an unknown option or value, an out-of-range number, unreadable or corrupt data.</summary>
    public const int BadInput = 2;
    /// <summary>Interrupted by Ctrl-C (SIGINT; 128 + 2, the shell's convention): stopped cleanly, no output written,
    /// resumable with <c>--resume</c> when the run had <c>--checkpoint</c>.</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM (128 + 15), otherwise as <see cref="Interrupted"/>.</summary>
    public const int Terminated = 143;
    /// <summary>An internal error (a bug): please report it.</summary>
    public const int InternalError = 70;
}
