namespace Curvature.Data;

/// <summary>The one error Curvature raises for data it cannot use: a missing, unreadable, corrupt or
/// inconsistent file, or a request the data cannot satisfy. The message is one line that names the file
/// (or directory) and the problem, so a command-line front end can print it as it is.</summary>
public sealed class CurvatureDataException : Exception
{
    /// <summary>Creates the error with its one-line message.</summary>
    public CurvatureDataException(string message) : base(message) { }

    /// <summary>Creates the error with its one-line message and the lower-level cause (an I/O or gzip error).</summary>
    public CurvatureDataException(string message, Exception innerException) : base(message, innerException) { }
}
