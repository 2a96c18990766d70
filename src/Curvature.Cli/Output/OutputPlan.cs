namespace Curvature.Cli.Output;

/// <summary>
/// Everything a run will write, collected in memory first and written only after the whole computation
/// succeeded — so a failed run leaves no partial output. Targets are checked (directory creatable and
/// writable) before the computation starts, so a bad path fails in a second, not after the work.
/// </summary>
public sealed class OutputPlan
{
    readonly List<(string Path, byte[] Content)> _files = new();

    /// <summary>Checks that <paramref name="directory"/> could be created and written — without creating it:
    /// the nearest existing ancestor must be a writable directory, and no part of the path may be a file — so
    /// a run that fails later leaves nothing behind.</summary>
    public static void CheckWritableDirectory(string directory, string optionName)
    {
        try
        {
            string full = Path.GetFullPath(directory);
            if (File.Exists(full)) throw new IOException("a file with that name exists");
            string? existing = full;
            while (existing is not null && !Directory.Exists(existing))
            {
                if (File.Exists(existing)) throw new IOException($"{existing} is a file");
                existing = Path.GetDirectoryName(existing);
            }
            if (existing is null) throw new IOException("no part of the path exists");
            string probe = Path.Combine(existing, $".curvature-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UserInputException($"{optionName} {directory}: the directory cannot be created or written ({e.Message.TrimEnd('.')})");
        }
    }

    /// <summary>Checks that the directory of <paramref name="file"/> is writable and the path is not a directory.</summary>
    public static void CheckWritableFile(string file, string optionName)
    {
        if (Directory.Exists(file)) throw new UserInputException($"{optionName} {file}: is a directory; give a file name");
        string dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
        CheckWritableDirectory(dir, optionName);
    }

    /// <summary>Queues a file.</summary>
    public void Add(string path, byte[] content) => _files.Add((path, content));

    /// <summary>Queues a UTF-8 text file.</summary>
    public void AddText(string path, string content) => Add(path, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>The queued paths.</summary>
    public IReadOnlyList<string> Paths => _files.Select(f => f.Path).ToList();

    /// <summary>Writes every queued file atomically.</summary>
    public void Commit()
    {
        foreach (var (path, content) in _files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            AtomicFile.WriteAllBytes(path, content);
        }
    }
}
