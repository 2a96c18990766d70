using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Curvature.Benchmarks.Config;

/// <summary>
/// The two jobs of the suite, chosen so the whole suite runs in under 10 minutes on 2 cores.
/// Both run in-process (<see cref="InProcessEmitToolchain"/>): BenchmarkDotNet's default toolchain generates and
/// builds a fresh project per benchmark type, which here re-copies and re-patches libtorch (~20 s each) for no gain
/// in accuracy on workloads this long; the price is that benchmarks share one process (and one libtorch heap).
/// </summary>
public static class BenchJobs
{
    /// <summary>Workloads of 10 ms to a minute (whole Lanczos/SLQ runs): one invocation per iteration, no pilot
    /// stage, 1 warm-up and 3 measured iterations (BenchmarkDotNet's <see cref="RunStrategy.Monitoring"/>; the
    /// mean of 3 is enough when the spread between iterations is a few per cent, which the tables show).</summary>
    public static readonly Job Macro = Job.Default
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3)
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true))
        .WithId("Macro");

    /// <summary>The Lanczos-overhead grid, whose n = 1e6 cases take up to a minute per invocation (Full, m = 200
    /// reads the basis 4·Σⱼ j ≈ 80 000 times n float64s): no warm-up iteration beyond BenchmarkDotNet's one
    /// jitting invocation, which already runs the whole workload once, and 2 measured iterations. The spread
    /// between them is shown; it is a few per cent on an idle machine.</summary>
    public static readonly Job Lanczos = Job.Default
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1).WithWarmupCount(0).WithIterationCount(2)
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true))
        .WithId("Lanczos");

    /// <summary>Sub-second kernels (single products, trace estimates): BenchmarkDotNet's throughput strategy with
    /// the iteration counts of its <c>ShortRun</c> job (3 warm-up, 3 measured iterations of ≥ 0.5 s each).</summary>
    public static readonly Job Micro = Job.Default
        .WithStrategy(RunStrategy.Throughput)
        .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(3)
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true))
        .WithId("Micro");

    /// <summary>The configuration Program passes to the switcher: default columns and exporters, managed
    /// allocations (<see cref="MemoryDiagnoser"/>; tensor memory is native and not counted), and a brief JSON
    /// export that the <c>report</c> verb reads.</summary>
    public static IConfig Suite() => DefaultConfig.Instance
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddExporter(JsonExporter.Brief)
        .WithOptions(ConfigOptions.DisableLogFile);
}

/// <summary>Attach with <c>[Config(typeof(MacroConfig))]</c>.</summary>
public sealed class MacroConfig : ManualConfig
{
    public MacroConfig() => AddJob(BenchJobs.Macro);
}

/// <summary>Attach with <c>[Config(typeof(LanczosConfig))]</c>.</summary>
public sealed class LanczosConfig : ManualConfig
{
    public LanczosConfig() => AddJob(BenchJobs.Lanczos);
}

/// <summary>Attach with <c>[Config(typeof(MicroConfig))]</c>.</summary>
public sealed class MicroConfig : ManualConfig
{
    public MicroConfig() => AddJob(BenchJobs.Micro);
}
