using System.CommandLine;
using Curvature.Distributed;

namespace Curvature.Cli.Commands;

/// <summary>The options every cluster verb shares (<c>worker</c>, and <c>hessian --cluster</c>).</summary>
internal sealed class ClusterOptionSet
{
    /// <summary>Where run files go when --run-dir is not given: the same folder for a coordinator and its workers on one
    /// machine, so <c>curvature worker --cluster 127.0.0.1:11111</c> needs nothing else there.</summary>
    public static string DefaultRunDirectory => Path.Combine(Path.GetTempPath(), "curvature-cluster");

    public Option<string?> Cluster { get; }
    public Option<string?> RunDirectory { get; } = OptionFactory.OptionalText("--run-dir",
        "Folder of the run's manifest, weights and data, at the same path on every machine of the cluster (default: curvature-cluster in the system's temporary folder — right for one machine).");
    public Option<double> JoinTimeout { get; }
    public Option<double> ResponseTimeout { get; } = OptionFactory.Positive("--response-timeout", SiloSettings.DefaultResponseTimeout.TotalSeconds,
        "Seconds a shard's product may take before the call fails and the shard is retried (10 minutes: far above a shard's product in the benchmarks).");

    public ClusterOptionSet(string clusterDescription, string joinDescription)
    {
        Cluster = OptionFactory.OptionalText("--cluster", clusterDescription);
        JoinTimeout = OptionFactory.Positive("--join-timeout", 120.0, joinDescription);
    }

    public IEnumerable<Option> All => [Cluster, RunDirectory, JoinTimeout, ResponseTimeout];

    /// <summary>The parsed --cluster, or a one-line input error naming the accepted forms.</summary>
    public static ClusterAddress Address(string text)
    {
        try { return ClusterAddress.Parse(text); }
        catch (ArgumentException e) { throw new UserInputException($"--cluster {e.Message}"); }
    }

    /// <summary>--run-dir (or the default), created, as a full path.</summary>
    public string Directory(ParseResultView parse)
    {
        string path = Path.GetFullPath(parse.Get(RunDirectory) ?? DefaultRunDirectory);
        if (File.Exists(path)) throw new UserInputException($"--run-dir {path}: is a file; give a folder");
        try { System.IO.Directory.CreateDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserInputException($"--run-dir {path}: cannot create it ({e.Message})"); }
        return path;
    }
}

/// <summary>A parse result as the option sets read it.</summary>
internal readonly record struct ParseResultView(ParseResult Parse)
{
    public T? Get<T>(Option<T> option) => Parse.GetValue(option);
}
