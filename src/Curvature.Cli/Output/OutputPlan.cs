namespace Curvature.Cli.Output;

/// <summary>
/// Everything a run will write, collected in memory first and written only after the whole computation
/// succeeded — so a failed run leaves no partial output. Targets are checked (directory creatable and
/// writable) before the computation starts, so a bad path fails in a second, not after the work; and
/// <see cref="Commit"/> is all-or-nothing, so a full disk at the last file leaves nothing either.
/// </summary>
public sealed class OutputPlan
{
    readonly List<(string Path, byte[] Content)> _files = new();

    /// <summary>Checks that <paramref name="directory"/> could be created and written — without creating it:
    /// the nearest existing ancestor must be a writable directory, and no part of the path may be a file — so
    /// a run that fails later leaves nothing behind.</summary>
    public static void CheckWritableDirectory(string directory, string optionName) => CheckWritable(directory, directory, optionName);

    /// <summary>Checks that the directory of <paramref name="file"/> is writable and the path is not a directory.</summary>
    public static void CheckWritableFile(string file, string optionName)
    {
        if (Directory.Exists(file)) throw new UserInputException($"{optionName} {file}: is a directory; give a file name");
        CheckWritable(Path.GetDirectoryName(Path.GetFullPath(file))!, file, optionName);
    }

    static void CheckWritable(string directory, string given, string optionName)
    {
        string? blocking = null;
        try
        {
            string full = Path.GetFullPath(directory);
            string? existing = full;
            while (existing is not null && !Directory.Exists(existing))
            {
                if (File.Exists(existing)) throw new IOException($"{existing} is a file, not a directory");
                existing = Path.GetDirectoryName(existing);
            }
            if (existing is null) throw new IOException("no part of the path exists");
            blocking = existing;
            // Permission bits do not stop root, and some file systems (/proc, /sys, read-only mounts) refuse
            // whatever the bits say: only a real write answers the question.
            string probe = Path.Combine(existing, $".curvature-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            string reason = blocking is null ? e.Message.TrimEnd('.') : $"{blocking} does not accept new files: {Reason(e)}";
            throw new UserInputException($"{optionName} {given}: cannot write there ({reason}); choose a writable location");
        }
    }

    /// <summary>The OS's reason without .NET's echo of the probe file's name.</summary>
    static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException { HResult: DiskFullErrno } => "no space left on device",
        _ => e.Message.Split(" : ", 2)[0].Split('\'', 2)[0].Trim().TrimEnd(':', '.').ToLowerInvariant() is { Length: > 0 } s ? s : "write failed",
    };

    /// <summary>Queues a file.</summary>
    public void Add(string path, byte[] content) => _files.Add((path, content));

    /// <summary>Queues a UTF-8 text file.</summary>
    public void AddText(string path, string content) => Add(path, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>The queued paths.</summary>
    public IReadOnlyList<string> Paths => _files.Select(f => f.Path).ToList();

    /// <summary>
    /// Writes every queued file, all or nothing: (1) every file is written in full to a temporary file next to its
    /// target and flushed to disk; (2) only when all are staged is each renamed over its target (an existing target is
    /// first moved aside, so it can be put back); (3) on any failure every temporary file is deleted, every replaced
    /// target restored, and every directory this call created removed — the output is then exactly as before.
    /// </summary>
    /// <exception cref="IOException">A file could not be written; the message names it and, for ENOSPC, says "disk full?".</exception>
    public void Commit()
    {
        var createdDirectories = new List<string>();
        var staged = new List<(string Target, string Temp)>();
        var replaced = new List<Replacement>();
        string current = "";
        try
        {
            long budget = DiskFullAfter.Value ?? long.MaxValue;
            foreach (var (path, content) in _files)
            {
                current = Path.GetFullPath(path);
                CreateDirectory(Path.GetDirectoryName(current)!, createdDirectories);
                string temp = TempName(current, "tmp");
                staged.Add((current, temp));
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                WriteLimited(stream, content, ref budget);
                stream.Flush(flushToDisk: true);
            }
            foreach (var (target, temp) in staged)
            {
                current = target;
                string? backup = null;
                if (File.Exists(target))
                {
                    backup = TempName(target, "old");
                    File.Move(target, backup);
                }
                var replacement = new Replacement(target, backup);
                replaced.Add(replacement);
                File.Move(temp, target);
                replacement.MovedIn = true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RollBack(staged, replaced, createdDirectories);
            throw new IOException(Describe(current, e), e);
        }
        foreach (var r in replaced)
            if (r.Backup is not null) TryDelete(r.Backup);
    }

    /// <summary>errno ENOSPC on Linux and macOS; .NET puts the raw errno in the HResult of the IOException.</summary>
    internal const int DiskFullErrno = 28;

    static string Describe(string path, Exception e)
    {
        string reason = e is IOException { HResult: DiskFullErrno } || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            ? "no space left on device (disk full?)"
            : Reason(e);
        return $"{path}: {reason}; nothing was written";
    }

    /// <summary>A target being replaced: where its old content was moved aside (null if it did not exist), and whether
    /// the new content has been renamed into place.</summary>
    sealed class Replacement(string target, string? backup)
    {
        public string Target { get; } = target;
        public string? Backup { get; } = backup;
        public bool MovedIn { get; set; }
    }

    static void RollBack(List<(string Target, string Temp)> staged, List<Replacement> replaced, List<string> createdDirectories)
    {
        // Undo the renames first (newest first), then drop what is still staged, then the directories made here.
        for (int i = replaced.Count - 1; i >= 0; i--)
        {
            var r = replaced[i];
            if (r.MovedIn) TryDelete(r.Target);
            if (r.Backup is not null)
                try { File.Move(r.Backup, r.Target, overwrite: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        foreach (var (_, temp) in staged) TryDelete(temp);
        for (int i = createdDirectories.Count - 1; i >= 0; i--)
            try { Directory.Delete(createdDirectories[i]); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Creates <paramref name="directory"/> and its missing ancestors, recording each one created (outermost first).</summary>
    static void CreateDirectory(string directory, List<string> created)
    {
        var missing = new Stack<string>();
        for (string? d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Push(d);
        while (missing.Count > 0)
        {
            string d = missing.Pop();
            Directory.CreateDirectory(d);
            created.Add(d);
        }
    }

    static string TempName(string target, string kind) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.{kind}");

    static void WriteLimited(Stream stream, byte[] content, ref long budget)
    {
        if (content.Length <= budget)
        {
            stream.Write(content);
            budget -= content.Length;
            return;
        }
        stream.Write(content, 0, (int)Math.Max(0, budget));
        budget = 0;
        throw new IOException("No space left on device", DiskFullErrno);
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Test seam: while the returned scope is open, <see cref="Commit"/> on this logical call chain behaves as if
    /// the disk filled up after <paramref name="bytes"/> bytes (an <see cref="IOException"/> with ENOSPC, like the OS's).
    /// Scoped with <see cref="AsyncLocal{T}"/>, so tests running in parallel are unaffected.</summary>
    internal static IDisposable SimulateDiskFull(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var previous = DiskFullAfter.Value;
        DiskFullAfter.Value = bytes;
        return new Restore(() => DiskFullAfter.Value = previous);
    }

    static readonly AsyncLocal<long?> DiskFullAfter = new();

    sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
