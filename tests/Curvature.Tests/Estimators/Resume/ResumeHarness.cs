using Curvature.Estimators;
using Curvature.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators.Resume;

/// <summary>Thrown by <see cref="CrashingCheckpoint"/> in place of a save: the process "dies" there, as under SIGKILL,
/// with every earlier save on disk and nothing after it.</summary>
public sealed class SimulatedCrash : Exception
{
    public SimulatedCrash(int save) : base($"simulated crash at save {save}") { }
}

/// <summary>Forwards saves to a real checkpoint and dies (throws <see cref="SimulatedCrash"/>) instead of performing
/// save number <c>crashAt</c> (1-based); counts saves, so a run without a crash tells how many crash points exist.</summary>
public sealed class CrashingCheckpoint(IEstimatorCheckpoint inner, int crashAt = int.MaxValue) : IEstimatorCheckpoint
{
    public int Saves { get; private set; }
    public int Interval => inner.Interval;

    public void Save(string stage, EstimatorState state)
    {
        if (++Saves == crashAt) throw new SimulatedCrash(Saves);
        inner.Save(stage, state);
    }

    public EstimatorState? TryLoad(string stage) => inner.TryLoad(stage);
}

/// <summary>Passes products through and requests cancellation once <c>after</c> vectors have been multiplied (the
/// product that reaches the count completes): a Ctrl-C after exactly that many products.</summary>
public sealed class CancelAfter(ILinearOperator inner, int after, CancellationTokenSource source) : ILinearOperator
{
    public long Count { get; private set; }
    public long Size => inner.Size;
    public torch.ScalarType DType => inner.DType;

    public torch.Tensor Multiply(torch.Tensor x)
    {
        var y = inner.Multiply(x);
        Count += x.dim() == 1 ? 1 : x.shape[1];
        if (Count >= after) source.Cancel();
        return y;
    }
}

/// <summary>
/// The resume experiment for one estimator: an uninterrupted run without any checkpoint is the reference; then for
/// each crash point the run dies at that save, and a new run — a new operator, a new checkpoint object reading the
/// files, a generator with another seed (the saved state must overwrite it) — resumes and must give the same result
/// bit for bit.
/// </summary>
/// <param name="Run">Runs the estimator on the operator with a checkpoint (or null), a cancellation token and a
/// generator; returns the result as comparable text (see <see cref="Bits"/>).</param>
/// <param name="NewOperator">Builds the operator afresh (the same matrix or network each time).</param>
/// <param name="Seed">Seed of the reference and interrupted runs.</param>
/// <param name="Interval">Products between saves.</param>
public sealed record ResumeHarness(Func<ILinearOperator, IEstimatorCheckpoint?, CancellationToken, Generator, string> Run,
                                   Func<ILinearOperator> NewOperator, ulong Seed, int Interval)
{
    /// <summary>Seed of the resumed runs' generators: anything but <see cref="Seed"/>, to prove the state is restored.</summary>
    public const ulong OtherSeed = 987654321;

    public static readonly IReadOnlyList<KeyValuePair<string, string>> Config = [KeyValuePair.Create("test", "resume")];

    public string Reference()
    {
        using var gen = new Generator(Seed);
        return Run(NewOperator(), null, default, gen);
    }

    /// <summary>Runs with a checkpoint in <paramref name="directory"/> to the end; returns the result and the number of saves.</summary>
    public (string Result, int Saves) Checkpointed(string directory)
    {
        var counting = new CrashingCheckpoint(CheckpointDirectory.Create(directory, Config, Interval));
        using var gen = new Generator(Seed);
        return (Run(NewOperator(), counting, default, gen), counting.Saves);
    }

    /// <summary>Dies at save <paramref name="crashAt"/>, then resumes from the files.</summary>
    public string CrashAndResume(string directory, int crashAt)
    {
        var crashing = new CrashingCheckpoint(CheckpointDirectory.Create(directory, Config, Interval), crashAt);
        using (var gen = new Generator(Seed))
            Assert.Throws<SimulatedCrash>(() => Run(NewOperator(), crashing, default, gen));
        return Resume(directory);
    }

    /// <summary>Cancelled after <paramref name="products"/> products (must throw after saving), then resumed. Returns the
    /// resumed result and the products the saved state stands for.</summary>
    public (string Result, long SavedProducts) CancelAndResume(string directory, int products, string stage)
    {
        var checkpoint = CheckpointDirectory.Create(directory, Config, Interval);
        using var source = new CancellationTokenSource();
        using (var gen = new Generator(Seed))
            Assert.ThrowsAny<OperationCanceledException>(() => Run(new CancelAfter(NewOperator(), products, source), checkpoint, source.Token, gen));
        long saved = checkpoint.TryLoad(stage)!.Products;
        return (Resume(directory), saved);
    }

    /// <summary>Resumes from the files. A crash before the first save left no state: that resume is a fresh start and, like
    /// the command line, seeds as the original run did; every other resume gets <see cref="OtherSeed"/>.</summary>
    public string Resume(string directory)
    {
        bool anyState = Directory.GetFiles(directory, "*.safetensors").Length > 0;
        using var gen = new Generator(anyState ? OtherSeed : Seed);
        return Run(NewOperator(), CheckpointDirectory.Open(directory, Config, Interval), default, gen);
    }

    /// <summary>Doubles as their bit patterns (so −0 ≠ +0 and NaN payloads count), for exact comparison in one string.</summary>
    public static string Bits(IEnumerable<double> values) => string.Join(",", values.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16")));
}

/// <summary>A private temporary directory per test case.</summary>
public sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory() => Path = Directory.CreateTempSubdirectory("curvature-resume-").FullName;
    public string Path { get; }
    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
