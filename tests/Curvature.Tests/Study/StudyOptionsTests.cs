using Curvature.Models;
using Curvature.Study;
using Curvature.Training;
using static TorchSharp.torch;

namespace Curvature.Tests.Study;

/// <summary><see cref="StudyOptions.Validate"/>, <see cref="StudyOptions.LogSpacedSteps"/> and <see cref="StudyArm.Standard"/>:
/// every bad setting is refused on its own (each case starts from a valid study and changes one thing) with a one-line
/// message that names it.</summary>
public sealed class StudyOptionsTests
{
    /// <summary>A valid study: the three standard arms plus population, 1,000 steps, the notes' checkpoints.</summary>
    static StudyOptions Valid() => new(
        [StudyArm.Standard("none"), StudyArm.Standard("batch"), StudyArm.Standard("centered"), StudyArm.Standard("population")],
        new TrainingOptions(0.05, 1000), [0, 10, 30, 100, 300, 1000]);

    static string Rejected(StudyOptions options, string named)
    {
        var e = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(named, e.Message);
        return e.Message;
    }

    [Fact]
    public void TheValidStudyAndItsDefaultsPass()
    {
        Valid().Validate();
        // Empty lists switch the sweep and the smoothness probe off; with no sweep, SweepArms is not checked.
        (Valid() with { InitScales = [], SmoothnessStepSizes = [], SweepArms = ["layer"] }).Validate();
        // Edges that are allowed: one checkpoint at 0, one at the last step, TopK 1, 4 products, 2 Lanczos steps, R 1.
        (Valid() with { CheckpointSteps = [0] }).Validate();
        (Valid() with { CheckpointSteps = [1000] }).Validate();
        (Valid() with { TopK = 1, TraceProducts = 4, DensityProbes = 1, DensitySteps = 2, PopulationRefreshEvery = 1 }).Validate();
    }

    [Fact]
    public void ArmsAreCheckedOneByOne()
    {
        Rejected(Valid() with { Arms = [] }, "at least one arm");
        Rejected(Valid() with { Arms = [StudyArm.Standard("batch"), StudyArm.Standard("none"), StudyArm.Standard("batch")] }, "arm 'batch' is given twice");
        // Two arms of the same name but different settings are still the same name twice.
        Rejected(Valid() with { Arms = [new StudyArm("x", NormKind.None, 0.1), new StudyArm("x", NormKind.Batch, 0.2)] }, "arm 'x' is given twice");
        foreach (double rate in new[] { 0.0, -0.1, double.NaN, double.PositiveInfinity })
        {
            string message = Rejected(Valid() with { Arms = [StudyArm.Standard("none"), new StudyArm("slow", NormKind.None, rate)] }, "learning rate of arm 'slow'");
            Assert.Contains(rate.ToString(), message);
        }
        foreach (var norm in new[] { NormKind.None, NormKind.Centered, NormKind.Layer })
            Rejected(Valid() with { Arms = [new StudyArm("p", norm, 0.1, PopulationStatistics: true)] }, "arm 'p' uses population statistics but has no BatchNorm");
    }

    [Theory]
    [InlineData(new int[0], "at least one checkpoint step")]
    [InlineData(new[] { 0, 1001 }, "checkpoint step 1001 is outside 0..1000")]
    [InlineData(new[] { -1, 10 }, "checkpoint step -1 is outside 0..1000")]
    [InlineData(new[] { 0, 30, 10 }, "strictly increasing")]
    [InlineData(new[] { 0, 10, 10 }, "strictly increasing")]
    public void CheckpointStepsAreWithinTheRunAndIncreasing(int[] steps, string named) =>
        Rejected(Valid() with { CheckpointSteps = steps }, named);

    [Fact]
    public void NullCheckpointStepsAreRefused() => Rejected(Valid() with { CheckpointSteps = null! }, "checkpoint step");

    [Fact]
    public void MeasurementSettingsAreChecked()
    {
        Assert.Contains("got 0", Rejected(Valid() with { TopK = 0 }, "--top"));
        foreach (double tolerance in new[] { 0.0, 1.0, -1e-6, 2.0, double.NaN })
        {
            Rejected(Valid() with { Tolerance = tolerance }, "the tolerance must be in (0, 1)");
            Rejected(Valid() with { LayerTolerance = tolerance }, "the layer tolerance must be in (0, 1)");
        }
        Assert.Contains("got 3", Rejected(Valid() with { TraceProducts = 3 }, "--trace-products"));
        Rejected(Valid() with { DensityProbes = 0 }, "--probes");
        Rejected(Valid() with { DensitySteps = 1 }, "--lanczos-steps");
        Rejected(Valid() with { PopulationRefreshEvery = 0 }, "--population-refresh");
        Rejected(Valid() with { PopulationRefreshEvery = -5 }, "--population-refresh");
    }

    [Fact]
    public void SmoothnessStepsAndInitScalesMustBePositiveAndFinite()
    {
        foreach (double bad in new[] { 0.0, -0.1, double.NaN, double.PositiveInfinity })
        {
            Rejected(Valid() with { SmoothnessStepSizes = [0.1, bad] }, "smoothness step sizes must be positive");
            Rejected(Valid() with { InitScales = [1.0, bad] }, "init scales must be positive");
        }
    }

    [Fact]
    public void TheSweepVariesOnlyArmsOfTheStudy()
    {
        Rejected(Valid() with { SweepArms = ["none", "layer"] }, "the init sweep varies arm 'layer', which is not in the study");
        Rejected(Valid() with { Arms = [StudyArm.Standard("batch")] }, "the init sweep varies arm 'none'");   // default SweepArms none, batch
    }

    [Fact]
    public void TrainingSettingsAreCheckedToo()
    {
        Rejected(Valid() with { Training = new TrainingOptions(0.05, 0) }, "number of steps");
        Rejected(Valid() with { Training = new TrainingOptions(0.05, 1000) { Momentum = 1 } }, "momentum");
        Assert.ThrowsAny<ArgumentException>((Valid() with { Arms = null! }).Validate);
        Assert.ThrowsAny<ArgumentException>((Valid() with { Training = null! }).Validate);
    }

    [Theory]
    [InlineData(1000, new[] { 0, 10, 30, 100, 300, 1000 })]
    [InlineData(1, new[] { 0, 1 })]
    [InlineData(2, new[] { 0, 2 })]
    [InlineData(10, new[] { 0, 10 })]
    [InlineData(11, new[] { 0, 10, 11 })]
    [InlineData(30, new[] { 0, 10, 30 })]
    [InlineData(31, new[] { 0, 10, 30, 31 })]
    [InlineData(50, new[] { 0, 10, 30, 50 })]
    [InlineData(100, new[] { 0, 10, 30, 100 })]
    [InlineData(300, new[] { 0, 10, 30, 100, 300 })]
    [InlineData(3000, new[] { 0, 10, 30, 100, 300, 1000, 3000 })]
    [InlineData(5000, new[] { 0, 10, 30, 100, 300, 1000, 3000, 5000 })]
    public void LogSpacedStepsAreOneAndThreeTimesPowersOfTen(int steps, int[] expected) =>
        Assert.Equal(expected, StudyOptions.LogSpacedSteps(steps));

    [Fact]
    public void LogSpacedStepsHoldTheirRuleForEveryLengthAndDoNotOverflow()
    {
        // The rule: 0, every 10^k and 3·10^k (k ≥ 1) below T, and T itself; strictly increasing.
        static bool OneOrThreeTimesAPowerOfTen(int s)
        {
            if (s % 3 == 0 && s / 3 >= 10 && IsPowerOfTen(s / 3)) return true;
            return s >= 10 && IsPowerOfTen(s);
        }
        static bool IsPowerOfTen(int s) { while (s % 10 == 0) s /= 10; return s == 1; }
        foreach (int t in Enumerable.Range(1, 3000).Append(int.MaxValue))
        {
            var steps = StudyOptions.LogSpacedSteps(t);
            Assert.Equal(0, steps[0]);
            Assert.Equal(t, steps[^1]);
            for (int i = 1; i < steps.Length; i++) Assert.True(steps[i] > steps[i - 1], $"T = {t}: not increasing");
            Assert.All(steps[1..^1], s => Assert.True(OneOrThreeTimesAPowerOfTen(s), $"T = {t}: {s} is not 10^k or 3·10^k"));
            foreach (long p in new long[] { 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000 })
            {
                if (p < t) Assert.Contains((int)p, steps);
                if (3 * p < t) Assert.Contains((int)(3 * p), steps);
            }
        }
        Assert.Equal(2 + 9 + 8, StudyOptions.LogSpacedSteps(int.MaxValue).Length);   // 0, T, 10…1e9, 30…3e8
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    public void LogSpacedStepsNeedAtLeastOneStep(int steps)
    {
        var e = Assert.Throws<ArgumentException>(() => StudyOptions.LogSpacedSteps(steps));
        Assert.Contains($"got {steps}", e.Message);
    }

    [Theory]
    [InlineData("none", NormKind.None, 0.05, false)]
    [InlineData("batch", NormKind.Batch, 0.1, false)]
    [InlineData("centered", NormKind.Centered, 0.05, false)]
    [InlineData("layer", NormKind.Layer, 0.05, false)]
    [InlineData("population", NormKind.Batch, 0.1, true)]
    public void StandardArmsHaveTheirNormRateAndStatistics(string name, NormKind norm, double rate, bool population)
    {
        Assert.Equal(new StudyArm(name, norm, rate, population), StudyArm.Standard(name));
        // The two rates given by the caller go to the arms without and with BatchNorm respectively.
        double custom = norm == NormKind.Batch ? 0.7 : 0.3;
        Assert.Equal(new StudyArm(name, norm, custom, population), StudyArm.Standard(name, rateWithoutBatchNorm: 0.3, rateWithBatchNorm: 0.7));
    }

    [Fact]
    public void StandardNamesAreExactlyTheNamesStandardAccepts()
    {
        Assert.Equal(["none", "batch", "centered", "layer", "population"], StudyArm.StandardNames);
        Assert.All(StudyArm.StandardNames, n => Assert.Equal(n, StudyArm.Standard(n).Name));
    }

    [Theory]
    [InlineData("bn")]
    [InlineData("Batch")]
    [InlineData("")]
    [InlineData(" none")]
    public void UnknownArmNamesAreRefused(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => StudyArm.Standard(name));
        Assert.Contains($"unknown arm '{name}'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}

/// <summary><see cref="StudyData.Validate"/>: each case changes one thing of a valid data set.</summary>
public sealed class StudyDataTests
{
    const int N = 20;

    static void Check(Func<Tensor, Tensor, StudyData> make, string? named)
    {
        using var scope = NewDisposeScope();
        var x = zeros(N, 3, dtype: ScalarType.Float64);
        var y = zeros(N, dtype: ScalarType.Int64);
        var data = make(x, y);
        if (named is null) { data.Validate(); return; }
        var e = Assert.ThrowsAny<ArgumentException>(data.Validate);
        Assert.Contains(named, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ValidDataPasses()
    {
        Check((x, y) => new StudyData(x, y, null, null, 10, 15), null);
        Check((x, y) => new StudyData(x, y, x, y, 2, 2), null);          // the smallest analysis subset
        Check((x, y) => new StudyData(x, y, x, y, N, N), null);          // analysis = population = all
    }

    [Fact]
    public void LabelsMustBeInt64VectorsOfN()
    {
        Check((x, y) => new StudyData(x, y.to_type(ScalarType.Int32), null, null, 10, 10), "labels must be int64 [N] with N = 20");
        Check((x, y) => new StudyData(x, y.narrow(0, 0, N - 1), null, null, 10, 10), "labels must be int64 [N] with N = 20");
        Check((x, y) => new StudyData(x, y.reshape(N, 1), null, null, 10, 10), "labels must be int64 [N] with N = 20");
    }

    [Theory]
    [InlineData(1, 10, "the analysis subset must have between 2 and 20 examples; got 1")]
    [InlineData(0, 10, "the analysis subset must have between 2 and 20 examples; got 0")]
    [InlineData(21, 21, "the analysis subset must have between 2 and 20 examples; got 21")]
    [InlineData(10, 9, "the population subset must have between 10 (the analysis subset) and 20 examples; got 9")]
    [InlineData(10, 21, "the population subset must have between 10 (the analysis subset) and 20 examples; got 21")]
    public void SubsetsFitTheTrainingData(int analysis, int population, string named) =>
        Check((x, y) => new StudyData(x, y, null, null, analysis, population), named);

    [Fact]
    public void HeldOutInputsAndLabelsComeTogether()
    {
        Check((x, y) => new StudyData(x, y, x, null, 10, 10), "held-out inputs and labels must be given together");
        Check((x, y) => new StudyData(x, y, null, y, 10, 10), "held-out inputs and labels must be given together");
    }

    [Fact]
    public void MissingTensorsAreRefused()
    {
        Check((x, y) => new StudyData(null!, y, null, null, 10, 10), "TrainInputs");
        Check((x, y) => new StudyData(x, null!, null, null, 10, 10), "TrainLabels");
    }
}
