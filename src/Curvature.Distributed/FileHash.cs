using System.Security.Cryptography;

namespace Curvature.Distributed;

/// <summary>SHA-256 of files named in a run manifest: a shard refuses weights or data that are not the ones the
/// coordinator described.</summary>
public static class FileHash
{
    /// <summary>The SHA-256 of the file's bytes as 64 lower-case hex digits.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Throws <see cref="InvalidDataException"/> unless the file's SHA-256 is <paramref name="expected"/>.</summary>
    public static void Require(string path, string expected, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} file {path} not found", path);
        string actual = Sha256(path);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{what} file {path} has SHA-256 {actual}, but the run manifest says {expected}: the file changed since the run was set up");
    }
}
