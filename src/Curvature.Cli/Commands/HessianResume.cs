using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Curvature.Cli.Output;
using Curvature.Estimators;

namespace Curvature.Cli.Commands;

/// <summary><c>curvature hessian --checkpoint DIR [--resume]</c>: the configuration a checkpoint is tied to, opening the
/// directory with one-line refusals, and the interrupt signals that stop a run cleanly.</summary>
internal static class HessianResume
{
    /// <summary>Default of --checkpoint-every: 10 products, so a kill loses at most 10 products of work (a tenth of a
    /// 90-step SLQ probe). Each save rewrites the Lanczos basis (m·n·8 bytes); raise it when products are cheap next to that.</summary>
    public const int DefaultInterval = 10;

    /// <summary>Every field that determines the run's numbers, as text, named as the user knows it (mostly by option):
    /// the model and data config (the data by the SHA-256 of the analysed examples, not by path), the weights by the
    /// SHA-256 of the file's bytes, the analysis options, and what could change round-off — the Curvature and TorchSharp
    /// versions and libtorch's thread count.</summary>
    public static List<KeyValuePair<string, string>> Configuration(NetworkConfig config, RunInfo run, IEnumerable<(string Name, object? Value)> analysis)
    {
        var fields = new List<KeyValuePair<string, string>>();
        void Add(string name, object? value) => fields.Add(KeyValuePair.Create(name, Text(value)));
        foreach (var property in typeof(NetworkConfig).GetProperties())
        {
            switch (property.Name)
            {
                case nameof(NetworkConfig.Data) or nameof(NetworkConfig.Weights): break;   // paths: identified by content below
                case nameof(NetworkConfig.Split): Add("data split", config.Split); break;
                case nameof(NetworkConfig.DataSha256): Add("data (SHA-256 of the analysed examples)", config.DataSha256); break;
                default: Add(OptionName(property.Name), property.GetValue(config)); break;
            }
        }
        Add("--weights (SHA-256 of the file)", config.Weights is null ? "none (seeded initialisation)" : FileSha256(config.Weights));
        foreach (var (name, value) in analysis) Add(name, value);
        Add("Curvature version", run.CurvatureVersion);
        Add("TorchSharp version", run.TorchSharpVersion);
        Add("libtorch threads", run.TorchThreads);
        return fields;
    }

    /// <summary>Creates (fresh run) or opens (<c>--resume</c>) the checkpoint; every refusal is one line, exit code 2.</summary>
    public static CheckpointDirectory Open(string directory, bool resume, List<KeyValuePair<string, string>> configuration, int interval)
    {
        try
        {
            if (resume) return CheckpointDirectory.Open(directory, configuration, interval);
            OutputPlan.CheckWritableDirectory(directory, "--checkpoint");
            return CheckpointDirectory.Create(directory, configuration, interval);
        }
        catch (CheckpointDirectoryException e)
        {
            throw new UserInputException(Describe(e));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--checkpoint {directory}: the checkpoint cannot be written ({e.Message.TrimEnd('.')})");
        }
    }

    /// <summary>One line for a refused checkpoint, naming the problem and the fix.</summary>
    public static string Describe(CheckpointDirectoryException e) => e.Problem switch
    {
        CheckpointProblem.Missing => $"--resume: {e.Path} holds no checkpoint to resume; run without --resume to start one there",
        CheckpointProblem.AlreadyExists => $"--checkpoint {e.Path} already holds a checkpoint; add --resume to continue it, or choose another directory to start afresh",
        CheckpointProblem.Mismatch => $"--resume: the checkpoint in {e.Path} was made with a different configuration: "
                                      + string.Join("; ", e.Differences.Select(d => $"{d.Field} is {Short(d.Current)} now but {Short(d.Saved)} in the checkpoint"))
                                      + "; rerun with the checkpoint's options, or start afresh in another directory",
        _ => $"--resume: the checkpoint file {e.Path} is damaged or unreadable ({e.Message}); start afresh in another directory",
    };

    /// <summary>The interrupted run's one line.</summary>
    public static string Interrupted(string? checkpoint) => checkpoint is null
        ? "curvature: interrupted; nothing written"
        : $"curvature: interrupted; resume with --resume and the same options (the state is saved in {checkpoint})";

    static string Short(string? value) => value is null ? "(absent)" : value.Length == 64 && value.All(char.IsAsciiHexDigitLower) ? value[..12] + "…" : value;

    static string OptionName(string property) =>
        "--" + string.Concat(property.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));

    static string Text(object? value) => value switch
    {
        null => "default",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int[] list => string.Join(",", list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>SIGINT (Ctrl-C) and SIGTERM turned into a cancellation request the run honours between products (saving its
/// state when checkpointed); a second signal terminates at once as usual.</summary>
internal sealed class InterruptSignal : IDisposable
{
    readonly CancellationTokenSource _source = new();
    readonly PosixSignalRegistration[] _registrations;

    public InterruptSignal()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _source.Token;

    /// <summary>128 + the signal's number, the shell's convention: 130 for SIGINT, 143 for SIGTERM.</summary>
    public int ExitCode { get; private set; } = ExitCodes.Interrupted;

    void Handle(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return;   // second signal: default action (terminate)
        context.Cancel = true;
        ExitCode = context.Signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}
