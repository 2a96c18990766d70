using Curvature.Distributed;
using Orleans.TestingHost;

namespace Curvature.Tests.Distributed;

/// <summary>An in-process Orleans cluster of two silos hosting shard grains, with a temporary folder for run manifests,
/// weights and data; shared by the tests of a class and torn down after them.</summary>
public sealed class ShardClusterFixture : IAsyncLifetime
{
    const string ManifestDirectoryKey = "Curvature:ManifestDirectory";

    /// <summary>The folder of manifests, weights and data files.</summary>
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("curvature-distributed-").FullName;

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.Properties[ManifestDirectoryKey] = Directory;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddOutgoingGrainCallFilter(FaultInjection.Filter);
    }

    sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddCurvatureShards(siloBuilder.Configuration[ManifestDirectoryKey]
                                           ?? throw new InvalidOperationException("the test cluster has no manifest directory"));
    }
}
