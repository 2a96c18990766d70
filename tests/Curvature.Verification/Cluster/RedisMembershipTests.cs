using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Curvature.Cli;
using Curvature.Tests.Support;

namespace Curvature.Verification.Cluster;

/// <summary>
/// The multi-machine membership, for real: a Redis server (Debian's <c>redis-server</c>, which <c>.ci/run</c> installs)
/// on a free port of 127.0.0.1, a coordinator and two workers joined through it. The record's numbers must be those of
/// the same command under development membership, bit for bit (membership decides who computes, never what), and the
/// workers must stop by themselves after the run.
/// </summary>
public sealed class RedisMembershipTests : IDisposable
{
    static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(4);
    readonly string _directory = Directory.CreateTempSubdirectory("curvature-redis-test-").FullName;

    [Fact]
    public void ACoordinatorAndTwoWorkersJoinedThroughRedisGiveTheDevelopmentClustersNumbers()
    {
        string server = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server not found: install Debian's redis-server (apt-get install redis-server), as .ci/run does");
        int redisPort = FreePort();
        using var redis = Process.Start(new ProcessStartInfo(server, ["--port", redisPort.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            WaitUntilListening(redisPort);
            var viaRedis = RunCluster($"redis://127.0.0.1:{redisPort}", "redis.json");
            int port = FreePort();
            var viaDevelopment = RunCluster($"127.0.0.1:{port}", "development.json");

            Assert.Equal($"redis://127.0.0.1:{redisPort}", viaRedis["cluster"]!["address"]!.GetValue<string>());
            foreach (var key in new[] { "top_eigenvalues", "residuals", "gradient_overlap_topk", "gradient_curvature", "hvp_count", "loss" })
                Assert.True(JsonNode.DeepEquals(viaDevelopment[key], viaRedis[key]), $"'{key}': {viaDevelopment[key]?.ToJsonString()} vs {viaRedis[key]?.ToJsonString()}");
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
        }
    }

    JsonObject RunCluster(string cluster, string json)
    {
        string runDirectory = Path.Combine(_directory, "run");
        string[] worker = ["worker", "--cluster", cluster, "--run-dir", runDirectory, "--join-timeout", "120"];
        using var first = CliProcess.Start(_directory, worker);
        using var second = CliProcess.Start(_directory, worker);
        string[] args = ["hessian", "--cluster", cluster, "--workers", "2", "--run-dir", runDirectory, "--batch-size", "250", "--top", "5",
                         "--json", Path.Combine(_directory, json)];
        var outcome = CliProcess.Run(_directory, args, HangLimit);
        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        foreach (var w in new[] { first, second })
        {
            var ended = CliProcess.Finish(w, worker, TimeSpan.FromSeconds(60));
            Assert.True(ended.ExitCode == ExitCodes.Ok, ended.ToString());
            Assert.Contains("the coordinator has gone", ended.Stdout);
        }
        return JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, json)))!.AsObject();
    }

    static void WaitUntilListening(int port)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        Assert.Fail($"redis-server did not listen on port {port} within 20 s");
    }

    static int FreePort() => Curvature.Distributed.CurvatureSilo.FreePort(System.Net.IPAddress.Loopback);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
