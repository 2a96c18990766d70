using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Curvature.Estimators;

/// <summary>
/// An <see cref="IEstimatorCheckpoint"/> in one directory: <c>manifest.json</c> holds the configuration the run was
/// started with (every field that determines its numbers, as text, and their SHA-256), and each stage's latest state is
/// one <c>&lt;stage&gt;.safetensors</c> file (see <see cref="StateBag"/> for the layout). Every file is written to a
/// temporary file, flushed to disk and renamed over the old one, so a crash at any moment — even SIGKILL during a
/// save — leaves the previous complete state.
/// </summary>
/// <remarks>Resuming compares the configuration field by field, so a refusal can name what differs. The whole Lanczos
/// basis is rewritten at each save (m rows of n float64): choose <see cref="Interval"/> so that writing m·n·8 bytes is
/// small next to that many products.</remarks>
public sealed class CheckpointDirectory : IEstimatorCheckpoint
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "manifest.json";

    /// <summary>The manifest's format tag.</summary>
    public const string Format = "curvature-checkpoint/1";

    const string StateExtension = ".safetensors";

    CheckpointDirectory(string directory, int interval)
    {
        Directory = directory;
        Interval = interval;
    }

    /// <summary>The directory.</summary>
    public string Directory { get; }

    /// <inheritdoc/>
    public int Interval { get; }

    /// <summary>Starts a checkpoint in <paramref name="directory"/> (created if needed) for a run with this
    /// <paramref name="configuration"/>. Refuses (<see cref="CheckpointProblem.AlreadyExists"/>) if the directory already
    /// holds one, so hours of saved work are never overwritten by accident.</summary>
    public static CheckpointDirectory Create(string directory, IReadOnlyList<KeyValuePair<string, string>> configuration, int interval)
    {
        Check(directory, configuration, interval);
        string manifest = System.IO.Path.Combine(directory, ManifestName);
        if (File.Exists(manifest))
            throw new CheckpointDirectoryException(CheckpointProblem.AlreadyExists, directory, $"{directory} already holds a checkpoint");
        System.IO.Directory.CreateDirectory(directory);
        var config = new JsonObject();
        foreach (var (key, value) in configuration) config[key] = value;
        var json = new JsonObject { ["format"] = Format, ["config_sha256"] = Hash(configuration), ["config"] = config };
        WriteAtomically(manifest, stream => stream.Write(Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))));
        return new CheckpointDirectory(directory, interval);
    }

    /// <summary>Opens the checkpoint in <paramref name="directory"/> to resume a run with this
    /// <paramref name="configuration"/>: refuses when there is none (<see cref="CheckpointProblem.Missing"/>), when a file
    /// is damaged (<see cref="CheckpointProblem.Corrupt"/>; every stage file is read and checked now, before any work), or
    /// when a field differs (<see cref="CheckpointProblem.Mismatch"/>, naming all of them).</summary>
    public static CheckpointDirectory Open(string directory, IReadOnlyList<KeyValuePair<string, string>> configuration, int interval)
    {
        Check(directory, configuration, interval);
        string manifest = System.IO.Path.Combine(directory, ManifestName);
        if (!File.Exists(manifest))
            throw new CheckpointDirectoryException(CheckpointProblem.Missing, directory, $"{directory} holds no checkpoint ({ManifestName} not found)");
        var saved = new List<KeyValuePair<string, string>>();
        try
        {
            var json = JsonNode.Parse(File.ReadAllBytes(manifest))?.AsObject() ?? throw new InvalidDataException("empty");
            if ((string?)json["format"] != Format) throw new InvalidDataException($"format '{(string?)json["format"]}', expected '{Format}'");
            foreach (var (key, value) in json["config"]?.AsObject() ?? throw new InvalidDataException("no config"))
                saved.Add(KeyValuePair.Create(key, value?.GetValue<string>() ?? throw new InvalidDataException($"config field '{key}' is empty")));
            if ((string?)json["config_sha256"] != Hash(saved)) throw new InvalidDataException("the configuration does not match its SHA-256");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new CheckpointDirectoryException(CheckpointProblem.Corrupt, manifest, $"{manifest} is damaged ({e.Message})", inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointDirectoryException(CheckpointProblem.Corrupt, manifest, $"{manifest} cannot be read ({e.Message})", inner: e);
        }

        var savedMap = saved.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var currentMap = configuration.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var differences = configuration.Where(kv => !savedMap.TryGetValue(kv.Key, out var v) || v != kv.Value)
                                       .Select(kv => new ConfigurationDifference(kv.Key, kv.Value, savedMap.GetValueOrDefault(kv.Key)))
                                       .Concat(saved.Where(kv => !currentMap.ContainsKey(kv.Key)).Select(kv => new ConfigurationDifference(kv.Key, null, kv.Value)))
                                       .ToList();
        if (differences.Count > 0)
            throw new CheckpointDirectoryException(CheckpointProblem.Mismatch, directory,
                $"{directory} was made with another configuration: " + string.Join("; ", differences.Select(d => $"{d.Field} is {d.Current ?? "(absent)"} here, {d.Saved ?? "(absent)"} in the checkpoint")),
                differences);

        var checkpoint = new CheckpointDirectory(directory, interval);
        // A save cut short (SIGKILL, power loss) leaves its temporary file; the state it was replacing is intact.
        foreach (var stale in System.IO.Directory.GetFiles(directory, ".*" + StateExtension + ".*.tmp"))
            try { File.Delete(stale); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        foreach (var file in System.IO.Directory.GetFiles(directory, "*" + StateExtension).Order(StringComparer.Ordinal))
            checkpoint.Read(file);
        return checkpoint;
    }

    /// <inheritdoc/>
    public void Save(string stage, EstimatorState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bag = StateCodec.Encode(state);
        WriteAtomically(StatePath(stage), bag.Write);
    }

    /// <inheritdoc/>
    /// <exception cref="CheckpointDirectoryException">The stage's file is damaged.</exception>
    public EstimatorState? TryLoad(string stage)
    {
        string path = StatePath(stage);
        return File.Exists(path) ? Read(path) : null;
    }

    EstimatorState Read(string path)
    {
        try { return StateCodec.Decode(StateBag.Read(path)); }
        catch (Exception e) when (e is InvalidDataException or OverflowException)
        {
            throw new CheckpointDirectoryException(CheckpointProblem.Corrupt, path, $"{path} is damaged ({e.Message})", inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointDirectoryException(CheckpointProblem.Corrupt, path, $"{path} cannot be read ({e.Message})", inner: e);
        }
    }

    string StatePath(string stage)
    {
        ArgumentException.ThrowIfNullOrEmpty(stage);
        if (!stage.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            throw new ArgumentException($"a stage name is lower-case letters, digits and '-'; got '{stage}'", nameof(stage));
        return System.IO.Path.Combine(Directory, stage + StateExtension);
    }

    static void Check(string directory, IReadOnlyList<KeyValuePair<string, string>> configuration, int interval)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interval);
        if (configuration.Select(kv => kv.Key).Distinct(StringComparer.Ordinal).Count() != configuration.Count)
            throw new ArgumentException("configuration fields must have distinct names", nameof(configuration));
    }

    /// <summary>SHA-256 of the fields in order, each as name and value with their lengths (unambiguous).</summary>
    static string Hash(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in fields) text.Append(key.Length).Append(':').Append(key).Append(value.Length).Append(':').Append(value).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Temporary file in the same directory, flushed to disk, renamed over the target (atomic on one file
    /// system); the temporary file is removed if anything fails.</summary>
    static void WriteAtomically(string path, Action<Stream> write)
    {
        string temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!,
                                             $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
