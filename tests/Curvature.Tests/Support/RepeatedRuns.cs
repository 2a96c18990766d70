using System.Text.Json.Nodes;

namespace Curvature.Tests.Support;

/// <summary>One run of the built <c>curvature</c> as a separate process.</summary>
public sealed record ProcessRun(int ExitCode, string Stdout, string Stderr, string WorkingDirectory)
{
    public override string ToString() => $"exit {ExitCode} in {WorkingDirectory}\n--- stderr ---\n{Stderr}\n--- stdout ---\n{Stdout}";

    /// <summary>A JSON record the run wrote, by path relative to its working directory.</summary>
    public JsonObject Record(string relativePath) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(WorkingDirectory, relativePath)))!.AsObject();
}

/// <summary>
/// Runs the command line as separate processes (<c>dotnet exec Curvature.Cli.dll</c>, the assembly the test
/// project copies next to itself), each in its own fresh working directory so that relative output paths — and
/// therefore the recorded command line — are the same for every run, and compares their JSON records field by field.
/// </summary>
public static class RepeatedRuns
{
    /// <summary>Guard against a hung child only.</summary>
    static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Fields that legitimately differ between two runs of the same command, by name at any depth: the clock.
    /// <list type="bullet">
    /// <item><c>started_utc</c> (run.started_utc): when the run started.</item>
    /// <item><c>wall_seconds</c> (top level, and each study checkpoint's curvature and BatchNorm-mode entries): elapsed
    /// time.</item>
    /// </list>
    /// Nothing else in any record is time- or machine-load-dependent.
    /// </summary>
    public static IReadOnlySet<string> TimingFields { get; } = new HashSet<string> { "started_utc", "wall_seconds" };

    /// <summary>Starts <paramref name="count"/> runs of the same arguments at once (concurrently: the result may depend
    /// on neither timing nor load), each in a new subdirectory of <paramref name="root"/>, with extra environment
    /// variables; waits for all.</summary>
    public static ProcessRun[] Run(string root, int count, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var runs = Enumerable.Range(0, count)
            .Select(i => Directory.CreateDirectory(Path.Combine(root, $"run{i}")).FullName)
            .Select(dir => Task.Run(() => Start(dir, environment, args)))
            .ToArray();
        Task.WaitAll(runs);
        return runs.Select(t => t.Result).ToArray();
    }

    static ProcessRun Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        using var process = CliProcess.Start(workingDirectory, args, environment);
        var outcome = CliProcess.Finish(process, args, HangLimit);
        return new ProcessRun(outcome.ExitCode, outcome.Stdout, outcome.Stderr, workingDirectory);
    }

    /// <summary>
    /// Every difference between two records as "/json/pointer: a ≠ b", skipping fields named in
    /// <paramref name="ignored"/> at any depth. Leaves are compared by their JSON text: numbers are written in the
    /// shortest form that round-trips (System.Text.Json), so equal text is equal bits — and −0 differs from 0.
    /// </summary>
    public static List<string> Differences(JsonNode? a, JsonNode? b, IReadOnlySet<string> ignored, string at = "")
    {
        var found = new List<string>();
        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                foreach (var key in x.Select(p => p.Key).Union(y.Select(p => p.Key)).Where(k => !ignored.Contains(k)))
                {
                    if (!x.ContainsKey(key) || !y.ContainsKey(key)) found.Add($"{at}/{key}: present in only one record");
                    else found.AddRange(Differences(x[key], y[key], ignored, $"{at}/{key}"));
                }
                break;
            case (JsonArray x, JsonArray y):
                if (x.Count != y.Count) found.Add($"{at}: {x.Count} ≠ {y.Count} elements");
                else for (int i = 0; i < x.Count; i++) found.AddRange(Differences(x[i], y[i], ignored, $"{at}/{i}"));
                break;
            default:
                string ta = a?.ToJsonString() ?? "null", tb = b?.ToJsonString() ?? "null";
                if (ta != tb) found.Add($"{at}: {ta} ≠ {tb}");
                break;
        }
        return found;
    }

    /// <summary>How many numbers (JSON number leaves, outside <paramref name="ignored"/>) a record holds.</summary>
    public static int CountNumbers(JsonNode? node, IReadOnlySet<string> ignored) => node switch
    {
        JsonObject o => o.Where(p => !ignored.Contains(p.Key)).Sum(p => CountNumbers(p.Value, ignored)),
        JsonArray a => a.Sum(e => CountNumbers(e, ignored)),
        JsonValue v => v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? 1 : 0,
        _ => 0,
    };

    /// <summary>Asserts the runs succeeded and their records at <paramref name="relativePath"/> agree exactly outside
    /// <see cref="TimingFields"/>; returns the first record.</summary>
    public static JsonObject AssertIdentical(ProcessRun[] runs, string relativePath)
    {
        foreach (var run in runs) Assert.True(run.ExitCode == 0, run.ToString());
        var first = runs[0].Record(relativePath);
        foreach (var run in runs.Skip(1))
        {
            var differences = Differences(first, run.Record(relativePath), TimingFields);
            Assert.True(differences.Count == 0, $"{relativePath}: {differences.Count} fields differ between runs of the same command:\n"
                                                + string.Join("\n", differences.Take(20)));
        }
        Assert.True(CountNumbers(first, TimingFields) > 10, "the record holds hardly any numbers: nothing was compared");
        return first;
    }
}
