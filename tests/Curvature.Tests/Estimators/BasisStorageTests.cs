using Curvature.Estimators;
using Curvature.Operators;
using Curvature.Tests.Estimators.Resume;
using Curvature.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Curvature.Tests.Estimators;

/// <summary>Where the Lanczos basis lives (float64/float32, memory/disk) and the bounded selective window: bit-identity
/// where promised, accuracy against dense float64 spectra where not, resume, refusals and leaks.</summary>
public sealed class BasisStorageTests
{
    /// <summary>float32 rows hold each q to 2⁻²⁴ ≈ 6e-8, so orthogonality against the true q's is ~1e-7; eigenvalues
    /// come out of the float64 recurrence far below that (measured ≤ 3.9e-10·‖A‖ over 5 starts); 1e-8 is the float32 row
    /// precision divided by 6, tight enough to fail if the rows' error entered the eigenvalues at first order.</summary>
    const double Float32EigenvalueRelative = 1e-8;

    /// <summary>A Ritz vector formed from float32 rows carries their rounding, so ‖Ay − θy‖/‖A‖ is of the order of
    /// √m·2⁻²⁴ ≈ 7e-7 at most (measured ≤ 2.6e-8); 1e-6 is that bound with a little margin.</summary>
    const double Float32ResidualRelative = 1e-6;

    /// <summary>Gauss quadrature moments Σ τθᵖ against qᵀAᵖq (p ≤ 8), relative to ‖A‖ᵖ: float64 round-off accumulated over
    /// m steps and p products (measured ≤ 4e-17 for every float64 mode, 1.4e-12 with a float32 basis).</summary>
    const double MomentRelative64 = 1e-13;
    const double MomentRelative32 = 1e-10;

    /// <summary>Float64 eigenvalues with full reorthogonalization: round-off of m steps (measured 7e-16).</summary>
    const double EigenvalueRelative64 = 1e-13;

    const int N = 400, Steps = 120;
    static readonly double[] Spectrum = PlantedSpectrum.BulkWithOutliers(N, [3, 4, 5, 6, 8, 10, 13, 17, 22, 30], seed: 3);

    static DenseOperator Operator(int n = N, double[]? spectrum = null)
    {
        using var m = PlantedSpectrum.Matrix(spectrum ?? Spectrum, 7);
        return new DenseOperator(m);
    }

    static Tensor Start(long n, ulong seed)
    {
        using var gen = new Generator(seed);
        return randn(n, dtype: ScalarType.Float64, generator: gen);
    }

    static BasisStorage Disk(string dir, BasisPrecision precision = BasisPrecision.Float64, int chunk = 8) =>
        BasisStorage.OnDisk(precision, dir) with { ChunkRowsOverride = chunk };

    static void AssertSameBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                        $"{what}[{i}]: {expected[i]:R} vs {actual[i]:R}");
    }

    [Theory]
    [InlineData(Reorthogonalization.Full, null, 8)]
    [InlineData(Reorthogonalization.Full, null, 16)]
    [InlineData(Reorthogonalization.Selective, null, 8)]
    [InlineData(Reorthogonalization.Selective, 10, 8)]
    [InlineData(Reorthogonalization.None, null, 8)]
    public void Float64OnDiskIsBitIdenticalToFloat64InMemory(Reorthogonalization mode, int? window, int chunk)
    {
        using var scope = NewDisposeScope();
        using var dir = new ScratchDirectory();
        using var a = Operator();
        var start = Start(N, 5);
        bool keep = mode == Reorthogonalization.None;
        using var memory = Lanczos.Run(a, start, new LanczosOptions(Steps, mode, KeepBasis: keep, MaxStoredVectors: window));
        using var disk = Lanczos.Run(a, start, new LanczosOptions(Steps, mode, KeepBasis: keep, Basis: Disk(dir.Path, chunk: chunk), MaxStoredVectors: window));
        AssertSameBits(memory.Alpha, disk.Alpha, "α");
        AssertSameBits(memory.Beta, disk.Beta, "β");
        Assert.Equal(memory.Basis is null, disk.Basis is null);
        if (memory.Basis is not null) AssertSameBits(memory.Basis.data<double>().ToArray(), disk.Basis!.data<double>().ToArray(), "Q");
    }

    [Fact]
    public void TopEigenpairsOnDiskAreBitIdenticalToInMemory()
    {
        using var scope = NewDisposeScope();
        using var dir = new ScratchDirectory();
        using var a = Operator();
        using var memory = TopEigenpairs.Compute(a, 5, EigenvalueOrder.LargestAlgebraic, new Generator(4));
        using var disk = TopEigenpairs.Compute(a, 5, EigenvalueOrder.LargestAlgebraic, new Generator(4), basis: Disk(dir.Path));
        AssertSameBits(memory.Values, disk.Values, "λ");
        AssertSameBits(memory.Residuals, disk.Residuals, "residual");
        AssertSameBits(memory.Vectors!.data<double>().ToArray(), disk.Vectors!.data<double>().ToArray(), "vectors");
    }

    [Fact]
    public void Float32OnDiskIsBitIdenticalToFloat32InMemory()
    {
        using var scope = NewDisposeScope();
        using var dir = new ScratchDirectory();
        using var a = Operator();
        var start = Start(N, 6);
        using var memory = Lanczos.Run(a, start, new LanczosOptions(Steps, Basis: new BasisStorage(BasisPrecision.Float32) { ChunkRowsOverride = 8 }));
        using var disk = Lanczos.Run(a, start, new LanczosOptions(Steps, Basis: Disk(dir.Path, BasisPrecision.Float32)));
        AssertSameBits(memory.Alpha, disk.Alpha, "α");
        AssertSameBits(memory.Beta, disk.Beta, "β");
    }

    /// <summary>The float32 basis against the exact spectrum (dense float64 eigh of the planted matrix) and the exact
    /// moments qᵀAᵖq, next to the float64 basis as control, over 5 start vectors.</summary>
    [Fact]
    public void Float32BasisCostsEigenvectorDigitsNotEigenvaluesOrMoments()
    {
        using var scope = NewDisposeScope();
        using var a = Operator();
        var exact = linalg.eigvalsh(a.Matrix).data<double>().ToArray().OrderByDescending(x => x).ToArray();
        double norm = exact.Max(Math.Abs);
        foreach (var (precision, eigenTol, momentTol, residualTol) in new[]
                 { (BasisPrecision.Float64, EigenvalueRelative64, MomentRelative64, EigenvalueRelative64),
                   (BasisPrecision.Float32, Float32EigenvalueRelative, MomentRelative32, Float32ResidualRelative) })
        {
            for (ulong seed = 0; seed < 5; seed++)
            {
                using var inner = NewDisposeScope();
                var start = Start(N, seed);
                var options = new LanczosOptions(Steps, Basis: new BasisStorage(precision));
                using var process = new LanczosProcess(a, start, options, null);
                process.Extend(Steps);
                using var run = Lanczos.Snapshot(process, N, Reorthogonalization.Full, copyBasis: false);
                var top = TopEigenpairs.Select(run.RitzValues, 10, EigenvalueOrder.LargestAlgebraic);
                for (int i = 0; i < 10; i++)
                    Assert.True(Math.Abs(run.RitzValues[top[i]] - exact[i]) <= eigenTol * norm,
                                $"{precision}, start {seed}: θ{i} = {run.RitzValues[top[i]]:R}, λ = {exact[i]:R}");
                var (_, residuals) = run.RitzVectors(a, top, process.CombineBasis);
                Assert.True(residuals.Max() <= residualTol * norm, $"{precision}, start {seed}: Ritz residual {residuals.Max() / norm:E2}·‖A‖");
                AssertMoments(a.Matrix, start, run, momentTol, norm, $"{precision}, start {seed}");
            }
        }
    }

    static void AssertMoments(Tensor matrix, Tensor start, LanczosResult run, double tolerance, double norm, string what)
    {
        using var scope = NewDisposeScope();
        var q = start / start.norm();
        var v = q.clone();
        for (int p = 1; p <= 8; p++)
        {
            v = matrix.matmul(v);
            double exact = q.dot(v).item<double>();
            double quadrature = run.RitzValues.Select((t, i) => run.Weights[i] * Math.Pow(t, p)).Sum();
            Assert.True(Math.Abs(quadrature - exact) <= tolerance * Math.Pow(norm, p), $"{what}: moment {p}: {quadrature:R} vs {exact:R}");
        }
    }

    [Fact]
    public void AWindowHoldingEveryVectorIsUnboundedSelective()
    {
        using var scope = NewDisposeScope();
        using var a = Operator();
        var start = Start(N, 8);
        using var unbounded = Lanczos.Run(a, start, new LanczosOptions(Steps, Reorthogonalization.Selective));
        using var window = Lanczos.Run(a, start, new LanczosOptions(Steps, Reorthogonalization.Selective, MaxStoredVectors: Steps + 1));
        Assert.True(unbounded.Reorthogonalizations > 0, "the comparison needs selective reorthogonalization to trigger");
        AssertSameBits(unbounded.Alpha, window.Alpha, "α");
        AssertSameBits(unbounded.Beta, window.Beta, "β");
    }

    /// <summary>A small window cannot keep orthogonality to converged Ritz vectors (they live in the early, evicted
    /// vectors: Paige 1971), so ghosts appear as without reorthogonalization; what must hold is Paige's stability — every
    /// Ritz value inside the spectrum's range — and Gauss quadrature's accuracy (Greenbaum 1989; Knizhnerman 1996).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(30)]
    public void ABoundedWindowStaysStableAndKeepsQuadratureExact(int window)
    {
        using var scope = NewDisposeScope();
        using var a = Operator();
        var exact = Spectrum.OrderBy(x => x).ToArray();
        double norm = exact.Max(Math.Abs);
        bool lost = false;
        for (ulong seed = 0; seed < 5; seed++)
        {
            var start = Start(N, seed);
            var options = new LanczosOptions(Steps, Reorthogonalization.Selective, MaxStoredVectors: window);
            using var process = new LanczosProcess(a, start, options, null);
            process.Extend(Steps);
            lost |= process.LostSemiOrthogonalityAt is not null;
            Assert.Equal(Math.Min(window, Steps + 1) * (long)N * 8, process.BasisBytes);
            using var run = Lanczos.Snapshot(process, N, Reorthogonalization.Selective, copyBasis: false);
            Assert.All(run.RitzValues, t => Assert.InRange(t, exact[0] - EigenvalueRelative64 * norm, exact[^1] + EigenvalueRelative64 * norm));
            AssertMoments(a.Matrix, start, run, MomentRelative64, norm, $"window {window}, start {seed}");
            Assert.Null(process.CopyBasis());
        }
        Assert.True(lost, "120 steps with 10 outliers must converge some and lose orthogonality to evicted vectors");
    }

    public static TheoryData<string, int?> Storages => new()
    {
        { "memory64", null }, { "disk64", null }, { "memory32", null }, { "disk32", null }, { "memory64", 10 }, { "disk64", 10 },
    };

    static BasisStorage Storage(string kind, string dir) => kind switch
    {
        "memory64" => BasisStorage.Default,
        "disk64" => Disk(dir),
        "memory32" => new BasisStorage(BasisPrecision.Float32),
        _ => Disk(dir, BasisPrecision.Float32),
    };

    /// <summary>Capture after 37 steps, through the file codec, restore (also in the other place: memory ↔ disk), run on:
    /// the same bits as an uninterrupted run.</summary>
    [Theory]
    [MemberData(nameof(Storages))]
    public void ResumeIsBitIdenticalForEveryStorage(string kind, int? window)
    {
        using var scope = NewDisposeScope();
        using var dir = new ScratchDirectory();
        using var a = Operator();
        var start = Start(N, 9);
        var mode = window is null ? Reorthogonalization.Full : Reorthogonalization.Selective;
        var options = new LanczosOptions(Steps, mode, Basis: Storage(kind, dir.Path), MaxStoredVectors: window);
        using var whole = Lanczos.Run(a, start, options);

        LanczosState saved;
        using (var first = new LanczosProcess(a, start, options, null))
        {
            first.Extend(37);
            var state = new TopEigenpairsState(N, 1, EigenvalueOrder.LargestAlgebraic, 1e-8, Steps, 40, first.Capture(), null, 37, []);
            saved = ((TopEigenpairsState)StateCodec.Decode(StateCodec.Encode(state))).Lanczos!;
        }
        string other = kind.StartsWith("memory") ? kind.Replace("memory", "disk") : kind.Replace("disk", "memory");
        foreach (var place in new[] { kind, other })
        {
            using var resumed = new LanczosProcess(a, saved, options with { Basis = Storage(place, dir.Path) }, null);
            resumed.Extend(Steps - 37);
            AssertSameBits(whole.Alpha, resumed.Alpha.ToArray(), $"{place} α");
            AssertSameBits(whole.Beta, resumed.Beta.ToArray(), $"{place} β");
        }
    }

    [Fact]
    public void AResumeWithAnotherPrecisionOrWindowIsRefused()
    {
        using var scope = NewDisposeScope();
        using var a = Operator();
        var start = Start(N, 10);
        LanczosState float32, window;
        using (var p = new LanczosProcess(a, start, new LanczosOptions(20, Basis: new BasisStorage(BasisPrecision.Float32)), null)) { p.Extend(5); float32 = p.Capture(); }
        using (var p = new LanczosProcess(a, start, new LanczosOptions(20, Reorthogonalization.Selective, MaxStoredVectors: 10), null)) { p.Extend(5); window = p.Capture(); }
        var e = Assert.Throws<ArgumentException>(() => new LanczosProcess(a, float32, new LanczosOptions(20), null));
        Assert.Contains("its basis was stored in Float32, this run stores it in Float64", e.Message);
        e = Assert.Throws<ArgumentException>(() => new LanczosProcess(a, window, new LanczosOptions(20, Reorthogonalization.Selective), null));
        Assert.Contains("it kept a window of 10 vectors, this run keeps the whole basis", e.Message);
        e = Assert.Throws<ArgumentException>(() => new LanczosProcess(a, window, new LanczosOptions(20, Reorthogonalization.Selective, MaxStoredVectors: 12), null));
        Assert.Contains("a window of 12 vectors", e.Message);
    }

    [Fact]
    public void TheBasisFileIsGoneWhileRunningAndAfterwards()
    {
        using var scope = NewDisposeScope();
        using var dir = new ScratchDirectory();
        using var a = Operator();
        var start = Start(N, 11);
        using (var process = new LanczosProcess(a, start, new LanczosOptions(50, Basis: BasisStorage.OnDisk(directory: dir.Path)), null))
        {
            process.Extend(10, afterStep: () => Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)));
            Assert.Equal(51L * N * 8, process.BasisBytes);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        var missing = Path.Combine(dir.Path, "missing");
        var e = Assert.Throws<ArgumentException>(() => Lanczos.Run(a, start, new LanczosOptions(5, Basis: BasisStorage.OnDisk(directory: missing))));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void MeaninglessCombinationsAreRefused()
    {
        using var scope = NewDisposeScope();
        using var a = Operator();
        var start = Start(N, 12);
        Assert.Contains("bounds selective", Assert.Throws<ArgumentException>(() => Lanczos.Run(a, start, new LanczosOptions(5, Reorthogonalization.Full, MaxStoredVectors: 4))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Lanczos.Run(a, start, new LanczosOptions(5, Reorthogonalization.Selective, MaxStoredVectors: 1)));
        Assert.Throws<ArgumentException>(() => Lanczos.Run(a, start, new LanczosOptions(5, Reorthogonalization.Selective, KeepBasis: true, MaxStoredVectors: 4)));
        Assert.Contains("float64 basis rows", Assert.Throws<ArgumentException>(() =>
            Lanczos.Run(a, start, new LanczosOptions(5, Reorthogonalization.Selective, Basis: new BasisStorage(BasisPrecision.Float32)))).Message);
    }

    [Fact]
    public void LeaveNoLiveTensors()
    {
        using var dir = new ScratchDirectory();
        using var a = Operator();
        using var start = Start(N, 13);
        foreach (var kind in new[] { "memory64", "disk64", "memory32", "disk32" })
        {
            var storage = Storage(kind, dir.Path);
            Assert.Equal(0, LiveTensors.LeakedBy(() => { using var r = Lanczos.Run(a, start, new LanczosOptions(30, Basis: storage)); }));
            Assert.Equal(0, LiveTensors.LeakedBy(() => { using var p = TopEigenpairs.Compute(a, 3, EigenvalueOrder.LargestAlgebraic, new Generator(1), basis: storage); }));
            Assert.Equal(0, LiveTensors.LeakedBy(() =>
            {
                var options = new LanczosOptions(30, Basis: storage);
                LanczosState state;
                using (var p = new LanczosProcess(a, start, options, null)) { p.Extend(10); state = p.Capture(); }
                using var q = new LanczosProcess(a, state, options, null);
                q.Extend(5);
            }));
        }
        Assert.Equal(0, LiveTensors.LeakedBy(() =>
        {
            using var r = Lanczos.Run(a, start, new LanczosOptions(60, Reorthogonalization.Selective, MaxStoredVectors: 10));
        }));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
