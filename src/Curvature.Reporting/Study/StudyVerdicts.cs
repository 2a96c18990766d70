using Curvature.Analysis;
using Curvature.Study;
using Curvature.Theory;
using static Curvature.Reporting.Study.StudyLookup;
using P = Curvature.Reporting.Study.StudyPointers;

namespace Curvature.Reporting.Study;

/// <summary>
/// The study's findings, one per claim of the background text, each computed from the record's numbers with the
/// named thresholds below (never written in advance): outliers (Ghorbani et al. 2019, §3), gradient concentration
/// (Gur-Ari et al. 2018; Ghorbani et al. 2019, §3), eval-mode BN (Ghorbani et al. 2019, §4), centring only (LeCun et al.
/// 1991 / Efficient BackProp §4.3 suggest it), init-scale invariance, equal rates across layers, smoothness (Santurkar
/// et al. 2018, §3.1) and the linear neuron's mean outlier (LeCun, Kanter &amp; Solla 1991). Arm "none" is compared with
/// arm "batch" (and "centered", "layer", "population" where present).
/// </summary>
public static class StudyVerdicts
{
    /// <summary>A factor above 1.5 between the arms counts as an effect. The study notes' BN effect is 3–8× (λ₁/λ₁₀ 8.5–21.8
    /// without BN, 2.7–3.6 with); one arm's spread over seeds at a fixed step is about 1.3× (2.7–3.6), so 1.5 sits above
    /// seed noise and well below the effect. Lanczos noise (residual 1e-6·‖H‖) is negligible next to it.</summary>
    public const double EffectRatio = 1.5;

    /// <summary>A difference of f_K (a fraction in [0, 1]) above 0.15 counts as an effect: the notes' BN effect is
    /// 0.2–0.3 (0.94–0.97 against 0.64–0.76), the spread of one arm across seeds and late steps at most 0.12.</summary>
    public const double OverlapDifference = 0.15;

    /// <summary>A difference of mini-batch averages counts only beyond 2 standard errors of the difference (√(s₁² + s₂²)):
    /// about 95 % two-sided under normality, so a difference inside it is not distinguishable from batch sampling.</summary>
    public const double StandardErrors = 2.0;

    /// <summary>Late checkpoints start at 3 % of training (step 30 of 1,000): the study notes find steps 0 and 10 of
    /// 1,000 uninformative (BN nets' start-up spectrum collapses within ~10 steps; no-BN outliers form from step 10–30).</summary>
    public const double LateFraction = 0.03;

    /// <summary>A quantity depends on the init scale when its max/min across scales exceeds 1.1: differences below 10 %
    /// are within the run-to-run variation of a loss or λmax late in training, so "nearly coincide" means below it.</summary>
    public const double InitSpread = 0.1;

    /// <summary>The findings of a study record.</summary>
    public static StudySummary Summarise(StudyResult result) => new(Draft(result).Select(d => d.Finding).ToArray());

    /// <summary>The findings with their statements in pieces (for the HTML), in claim order.</summary>
    internal static IReadOnlyList<DraftFinding> Draft(StudyResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var claims = new Func<StudyResult, int, DraftFinding>[]
        {
            Outliers, GradientConcentration, BatchNormMode, Centering, InitInvariance, LayerRates, Smoothness, LinearNeuron,
        };
        return claims.Select((claim, i) => claim(result, i)).ToArray();
    }

    static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>true: a exceeds b by more than <see cref="EffectRatio"/>; false: it does not; null: not comparable.</summary>
    static bool? Larger(double a, double b)
    {
        if (!double.IsFinite(a) || !double.IsFinite(b) || a < 0 || b < 0) return null;
        // A zero is a measurement too (a dead network has no curvature): 0 against b > 0 is no effect, a > 0 against 0 is one.
        if (b == 0) return a > 0 ? true : null;
        return a / b > EffectRatio;
    }

    static bool Reversed(double a, double b) => Larger(b, a) == true;

    /// <summary>Whether a − b exceeds <see cref="OverlapDifference"/> and, when standard errors are given,
    /// <see cref="StandardErrors"/> of the difference.</summary>
    static bool? Exceeds(double a, double b, double seA = 0, double seB = 0)
    {
        if (!double.IsFinite(a) || !double.IsFinite(b)) return null;
        double se = Math.Sqrt((double.IsFinite(seA) ? seA * seA : 0) + (double.IsFinite(seB) ? seB * seB : 0));
        return a - b > OverlapDifference && a - b > StandardErrors * se;
    }

    static Verdict Combine(params bool?[] effects)
    {
        var known = effects.Where(e => e.HasValue).Select(e => e!.Value).ToArray();
        if (known.Length == 0) return Verdict.NotMeasured;
        return known.All(e => e) ? Verdict.Supported : known.Any(e => e) ? Verdict.Mixed : Verdict.NotSupported;
    }

    /// <summary>The "none" and "batch" arms with checkpoints, or the reason they are missing.</summary>
    static (int None, int Batch, string? Missing) Pair(StudyResult r)
    {
        int none = Arm(r, "none"), bn = Arm(r, "batch");
        string have = r.Arms.Length == 0 ? "none" : string.Join(", ", r.Arms.Select(a => a.Name));
        if (none < 0 || bn < 0) return (none, bn, $"this needs an arm without normalisation ('none') and one with BatchNorm ('batch'); the study has: {have}.");
        if (r.Arms[none].Checkpoints.Length == 0 || r.Arms[bn].Checkpoints.Length == 0) return (none, bn, "an arm has no checkpoints.");
        return (none, bn, null);
    }

    static string Ratio(int k) => $"λ₁/λ{Sub(k)}";

    static DraftFinding Outliers(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "outliers", "BatchNorm removes the outlier eigenvalues",
            Inv($"λ₁/λ_K of the Hessian (each arm in its analysis mode) at the last checkpoint and its median over the late checkpoints (step > 0 and ≥ {LateFraction:P0} of the last step), arm none against arm batch; an effect is a factor above {EffectRatio} between them. Supported: both measures show it; mixed: one does."));
        var (none, bn, missing) = Pair(r);
        if (missing is not null) return f.NotMeasured(missing);
        var (an, ab) = (r.Arms[none], r.Arms[bn]);
        int cn = an.Checkpoints.Length - 1, cb = ab.Checkpoints.Length - 1;
        string ratio = Ratio(an.Checkpoints[cn].Curvature.TopEigenvalues.Length);
        const string member = nameof(CurvatureReport.Lambda1OverLambdak);
        double endN = an.Checkpoints[cn].Curvature.Lambda1OverLambdak, endB = ab.Checkpoints[cb].Curvature.Lambda1OverLambdak;
        int e0 = f.Add($"{ratio} at the last checkpoint, {an.Name}", endN, P.Curvature(none, cn, member));
        int e1 = f.Add($"{ratio} at the last checkpoint, {ab.Name}", endB, P.Curvature(bn, cb, member));
        var lateN = Late(an);
        var (medN, atN) = Median(Late(an).Select(c => (an.Checkpoints[c].Curvature.Lambda1OverLambdak, c)));
        var (medB, atB) = Median(Late(ab).Select(c => (ab.Checkpoints[c].Curvature.Lambda1OverLambdak, c)));
        int m0 = f.Add($"median late {ratio}, {an.Name}", medN, atN is int c0 ? P.Curvature(none, c0, member) : null);
        int m1 = f.Add($"median late {ratio}, {ab.Name}", medB, atB is int c1 ? P.Curvature(bn, c1, member) : null);
        int from = f.Add($"first late step, {an.Name}", an.Checkpoints[lateN[0]].Step, P.Step(none, lateN[0]));
        var verdict = Combine(Larger(endN, endB), Larger(medN, medB));
        f.Say(ratio + " at the last checkpoint: {0} without BN, {1} with BN; median from step {2} on: {3} vs {4}", e0, e1, from, m0, m1);
        f.Say(verdict switch
        {
            Verdict.Supported => " — BatchNorm removes the outliers.",
            Verdict.Mixed => " — only one of the two measures differs by more than the threshold: a partial effect.",
            Verdict.NotMeasured => " — no ratio to compare (λ_K ≤ 0 gives none).",
            _ => Reversed(endN, endB) ? " — BatchNorm makes the ratio larger here." : " — no clear effect in this configuration.",
        });
        OtherArms(r, f, [none, bn], (a, c) => (a.Checkpoints[c].Curvature.Lambda1OverLambdak, nameof(CurvatureReport.Lambda1OverLambdak)), ratio);
        return f.Done(verdict);
    }

    /// <summary>Appends the last-checkpoint value of the other standard arms (centered, layer, population) present.</summary>
    static void OtherArms(StudyResult r, FindingBuilder f, int[] skip, Func<ArmResult, int, (double Value, string Member)> pick, string what)
    {
        var refs = new List<int>();
        var names = new List<string>();
        foreach (string role in new[] { "centered", "layer", "population" })
        {
            int a = Arm(r, role);
            if (a < 0 || skip.Contains(a) || r.Arms[a].Checkpoints.Length == 0) continue;
            var arm = r.Arms[a];
            int c = arm.Checkpoints.Length - 1;
            var (value, member) = pick(arm, c);
            refs.Add(f.Add($"{what} at the last checkpoint, {arm.Name}", value, P.Curvature(a, c, member)));
            names.Add(arm.Name);
            skip = [.. skip, a];
        }
        if (refs.Count == 0) return;
        f.Say(" Other arms at the last checkpoint: " + string.Join(", ", names.Select((n, i) => $"{n} {{{i}}}")) + ".", [.. refs]);
    }

    static DraftFinding GradientConcentration(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "gradient-concentration", "Without BatchNorm the gradient concentrates in the top-K subspace",
            Inv($"f_K = ‖P_K g‖²/‖g‖² for the full-batch gradient and the mean over mini-batch gradients (± standard error) at the last checkpoint, arm none against arm batch; an effect is a difference above {OverlapDifference} (and, for the mini-batch mean, above {StandardErrors} standard errors of the difference). Supported: both show it; mixed: one does."));
        var (none, bn, missing) = Pair(r);
        if (missing is not null) return f.NotMeasured(missing);
        var (an, ab) = (r.Arms[none], r.Arms[bn]);
        int cn = an.Checkpoints.Length - 1, cb = ab.Checkpoints.Length - 1;
        var (xn, xb) = (an.Checkpoints[cn].Curvature, ab.Checkpoints[cb].Curvature);
        string fk = "f" + Sub(xn.TopEigenvalues.Length);
        int v0 = f.Add($"{fk} full batch, {an.Name}", xn.GradientOverlapTopk, P.Curvature(none, cn, nameof(CurvatureReport.GradientOverlapTopk)));
        int v1 = f.Add($"{fk} full batch, {ab.Name}", xb.GradientOverlapTopk, P.Curvature(bn, cb, nameof(CurvatureReport.GradientOverlapTopk)));
        int v2 = f.Add($"{fk} mini-batch mean, {an.Name}", xn.GradientOverlapTopkMiniBatch, P.Curvature(none, cn, nameof(CurvatureReport.GradientOverlapTopkMiniBatch)));
        int v3 = f.Add($"{fk} mini-batch standard error, {an.Name}", xn.GradientOverlapTopkMiniBatchStderr, P.Curvature(none, cn, nameof(CurvatureReport.GradientOverlapTopkMiniBatchStderr)));
        int v4 = f.Add($"{fk} mini-batch mean, {ab.Name}", xb.GradientOverlapTopkMiniBatch, P.Curvature(bn, cb, nameof(CurvatureReport.GradientOverlapTopkMiniBatch)));
        int v5 = f.Add($"{fk} mini-batch standard error, {ab.Name}", xb.GradientOverlapTopkMiniBatchStderr, P.Curvature(bn, cb, nameof(CurvatureReport.GradientOverlapTopkMiniBatchStderr)));
        bool? full = Exceeds(xn.GradientOverlapTopk, xb.GradientOverlapTopk);
        bool? mini = Exceeds(xn.GradientOverlapTopkMiniBatch, xb.GradientOverlapTopkMiniBatch, xn.GradientOverlapTopkMiniBatchStderr, xb.GradientOverlapTopkMiniBatchStderr);
        var verdict = Combine(full, mini);
        f.Say(fk + " (the gradient's share in the top-K eigenspace) at the last checkpoint: {0} without BN, {1} with BN; mini-batch gradients {2} ± {3} vs {4} ± {5}", v0, v1, v2, v3, v4, v5);
        f.Say(verdict switch
        {
            Verdict.Supported => " — without BN the gradient lives in the outlier subspace; with BN much less so.",
            Verdict.Mixed => " — only one of full-batch and mini-batch differs beyond the threshold: a partial effect.",
            Verdict.NotMeasured => " — f_K was not measured.",
            _ => Exceeds(xb.GradientOverlapTopk, xn.GradientOverlapTopk) == true ? " — the gradient concentrates more with BN here." : " — no clear difference in this configuration.",
        });
        OtherArms(r, f, [none, bn], (a, c) => (a.Checkpoints[c].Curvature.GradientOverlapTopk, nameof(CurvatureReport.GradientOverlapTopk)), fk + " full batch");
        return f.Done(verdict);
    }

    /// <summary>Pointer to a field of a checkpoint's report in a mode (-1: the checkpoint's own curvature).</summary>
    static string ModePointer(int a, int c, int m, string member) => m < 0 ? P.Curvature(a, c, member) : P.Mode(a, c, m, member);

    static string ModeTop(int a, int c, int m) => m < 0 ? P.TopEigenvalue(a, c, 0) : P.ModeTopEigenvalue(a, c, m, 0);

    static DraftFinding BatchNormMode(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "bn-mode", "Eval-mode BatchNorm brings the outliers back",
            Inv($"On the same BatchNorm checkpoint (the last one with the BN-mode comparison), the Hessian with BN in eval mode (running statistics) against train mode (the analysis subset's own statistics): λ₁ and λ₁/λ_K; an effect is a factor above {EffectRatio}. Supported: both grow by more; mixed: one does."));
        foreach (string role in new[] { "batch", "population" })
        {
            int a = Arm(r, role);
            if (a < 0) continue;
            var arm = r.Arms[a];
            int c = Last(arm, cp => Mode(cp, "eval") is not null && Mode(cp, "train") is not null);
            if (c < 0) continue;
            var cp = arm.Checkpoints[c];
            var (train, mt) = Mode(cp, "train")!.Value;
            var (eval, me) = Mode(cp, "eval")!.Value;
            string ratio = Ratio(train.TopEigenvalues.Length), fk = "f" + Sub(train.TopEigenvalues.Length);
            double l1t = train.TopEigenvalues.Length > 0 ? train.TopEigenvalues[0] : double.NaN;
            double l1e = eval.TopEigenvalues.Length > 0 ? eval.TopEigenvalues[0] : double.NaN;
            int s = f.Add($"step, {arm.Name}", cp.Step, P.Step(a, c));
            int v0 = f.Add("λ₁, train mode", l1t, ModeTop(a, c, mt));
            int v1 = f.Add("λ₁, eval mode", l1e, ModeTop(a, c, me));
            int v2 = f.Add("λ₁ eval / train", l1e / l1t);
            int v3 = f.Add($"{ratio}, train mode", train.Lambda1OverLambdak, ModePointer(a, c, mt, nameof(CurvatureReport.Lambda1OverLambdak)));
            int v4 = f.Add($"{ratio}, eval mode", eval.Lambda1OverLambdak, ModePointer(a, c, me, nameof(CurvatureReport.Lambda1OverLambdak)));
            int v5 = f.Add($"{fk}, train mode", train.GradientOverlapTopk, ModePointer(a, c, mt, nameof(CurvatureReport.GradientOverlapTopk)));
            int v6 = f.Add($"{fk}, eval mode", eval.GradientOverlapTopk, ModePointer(a, c, me, nameof(CurvatureReport.GradientOverlapTopk)));
            var verdict = Combine(Larger(l1e, l1t), Larger(eval.Lambda1OverLambdak, train.Lambda1OverLambdak));
            f.Say($"On the {arm.Name} arm at step {{0}}, eval-mode BN (running statistics) gives λ₁ = {{1}} against {{2}} in train mode (a factor {{3}}), {ratio} = {{4}} against {{5}} and {fk} = {{6}} against {{7}}",
                s, v1, v0, v2, v4, v3, v6, v5);
            if (Mode(cp, "population") is { } pop && arm.AnalysisMode != "population")
            {
                int p0 = f.Add("λ₁, population mode", pop.Report.TopEigenvalues.Length > 0 ? pop.Report.TopEigenvalues[0] : double.NaN, ModeTop(a, c, pop.Index));
                int p1 = f.Add($"{ratio}, population mode", pop.Report.Lambda1OverLambdak, ModePointer(a, c, pop.Index, nameof(CurvatureReport.Lambda1OverLambdak)));
                f.Say($"; population statistics: λ₁ = {{0}}, {ratio} = {{1}}", p0, p1);
            }
            f.Say(verdict switch
            {
                Verdict.Supported => " — eval-mode BN brings the outliers back: their suppression comes from differentiating through the batch statistics.",
                Verdict.Mixed => " — only part of the outlier structure returns in eval mode.",
                Verdict.NotMeasured => " — the eigenvalues could not be compared.",
                _ => " — the BN mode makes no clear difference here.",
            });
            return f.Done(verdict);
        }
        return f.NotMeasured(Arm(r, "batch") < 0 && Arm(r, "population") < 0
            ? "the study has no BatchNorm arm."
            : "no BatchNorm checkpoint has both the train- and the eval-mode Hessian (the BN-mode comparison is measured at the density checkpoints when enabled).");
    }

    static DraftFinding Centering(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "centering", "Centring alone (mean-only BN) removes the outliers",
            Inv($"λ₁/λ_K and f_K at the last checkpoint of the centring-only arm (batch mean subtracted, no scaling) against arm none, with arm batch for reference; an effect is a factor above {EffectRatio} in λ₁/λ_K and a drop above {OverlapDifference} in f_K. The position is ln(none/centered)/ln(none/batch): 0 = no change, 1 = as low as full BN. Supported: both drop; mixed: one does."));
        int cen = Arm(r, "centered");
        if (cen < 0) return f.NotMeasured("the study has no centring-only arm ('centered').");
        var (none, bn, missing) = Pair(r);
        if (missing is not null) return f.NotMeasured(missing);
        if (r.Arms[cen].Checkpoints.Length == 0) return f.NotMeasured("the centring-only arm has no checkpoints.");
        int[] arms = [none, cen, bn];
        var last = arms.Select(a => r.Arms[a].Checkpoints.Length - 1).ToArray();
        var x = arms.Select((a, i) => r.Arms[a].Checkpoints[last[i]].Curvature).ToArray();
        string ratio = Ratio(x[0].TopEigenvalues.Length), fk = "f" + Sub(x[0].TopEigenvalues.Length);
        var q = arms.Select((a, i) => f.Add($"{ratio} at the last checkpoint, {r.Arms[a].Name}", x[i].Lambda1OverLambdak, P.Curvature(a, last[i], nameof(CurvatureReport.Lambda1OverLambdak)))).ToArray();
        double gap = Math.Log(x[0].Lambda1OverLambdak / x[2].Lambda1OverLambdak);
        double position = Larger(x[0].Lambda1OverLambdak, x[2].Lambda1OverLambdak) == true ? Math.Log(x[0].Lambda1OverLambdak / x[1].Lambda1OverLambdak) / gap : double.NaN;
        int pos = f.Add("position of centring between none (0) and batch (1)", position);
        var g = arms.Select((a, i) => f.Add($"{fk} at the last checkpoint, {r.Arms[a].Name}", x[i].GradientOverlapTopk, P.Curvature(a, last[i], nameof(CurvatureReport.GradientOverlapTopk)))).ToArray();
        bool? ratioDrop = Larger(x[0].Lambda1OverLambdak, x[1].Lambda1OverLambdak);
        bool? overlapDrop = Exceeds(x[0].GradientOverlapTopk, x[1].GradientOverlapTopk);
        var verdict = Combine(ratioDrop, overlapDrop);
        f.Say(ratio + " at the last checkpoint: {0} without normalisation, {1} with centring only, {2} with full BN", q[0], q[1], q[2]);
        if (double.IsFinite(position)) f.Say(" (centring goes {0} of the way on a log scale)", pos);
        f.Say("; " + fk + ": {0}, {1}, {2}", g[0], g[1], g[2]);
        f.Say(verdict switch
        {
            Verdict.Supported => " — centring alone removes much of the outlier structure.",
            Verdict.Mixed when ratioDrop == true => " — centring lowers the eigenvalue ratio but leaves the gradient concentrated.",
            Verdict.Mixed => " — centring spreads the gradient but leaves the eigenvalue ratio.",
            Verdict.NotMeasured => " — the numbers could not be compared.",
            _ => Reversed(x[0].Lambda1OverLambdak, x[1].Lambda1OverLambdak) ? " — centring alone makes the ratio worse here." : " — centring alone makes no clear difference here.",
        });
        return f.Done(verdict);
    }

    /// <summary>One init scale of an arm at its last checkpoint: from the main arm or a sweep run.</summary>
    sealed record ScalePoint(double Scale, double Lambda, double Loss, string LambdaPointer, string LossPointer);

    static List<ScalePoint> Scales(StudyResult r, int a)
    {
        var arm = r.Arms[a];
        var points = new List<ScalePoint>();
        if (arm.Checkpoints.Length > 0)
        {
            int c = arm.Checkpoints.Length - 1;
            var x = arm.Checkpoints[c].Curvature;
            points.Add(new(arm.InitScale, x.TopEigenvalues.Length > 0 ? x.TopEigenvalues[0] : double.NaN, x.Loss, P.TopEigenvalue(a, c, 0), P.Curvature(a, c, nameof(CurvatureReport.Loss))));
        }
        for (int s = 0; s < r.InitSweep.Length; s++)
        {
            var run = r.InitSweep[s];
            if (run.Arm != arm.Name || run.LambdaMax.Length == 0 || run.Loss.Length == 0 || points.Any(p => p.Scale == run.InitScale)) continue;
            points.Add(new(run.InitScale, run.LambdaMax[^1], run.Loss[^1],
                P.Sweep(s, nameof(SweepRun.LambdaMax), run.LambdaMax.Length - 1), P.Sweep(s, nameof(SweepRun.Loss), run.Loss.Length - 1)));
        }
        return points.OrderBy(p => p.Scale).ToList();
    }

    static bool? Evened(double withoutBn, double withBn) =>
        double.IsFinite(withoutBn) && double.IsFinite(withBn) ? withoutBn - 1 > InitSpread && withoutBn - 1 > EffectRatio * (withBn - 1) : null;

    static DraftFinding InitInvariance(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "init-invariance", "BatchNorm makes training insensitive to the initial weight scale",
            Inv($"λmax and the analysis loss at the last checkpoint across the init scales (the sweep runs and the 1× main arm), as max/min over scales, without BN against with BN; BN evens a quantity out when without BN it varies by more than {InitSpread:P0} and its excess over 1 is more than {EffectRatio}× that with BN. Supported: both; mixed: one."));
        if (r.InitSweep.Length == 0) return f.NotMeasured("no init-scale sweep was run.");
        var (none, bn, missing) = Pair(r);
        if (missing is not null) return f.NotMeasured(missing);
        var (pn, pb) = (Scales(r, none), Scales(r, bn));
        if (pn.Count < 2 || pb.Count < 2) return f.NotMeasured("the sweep needs at least two init scales of both the none and the batch arm.");
        double lamN = Spread(pn.Select(p => p.Lambda)), lamB = Spread(pb.Select(p => p.Lambda));
        double lossN = Spread(pn.Select(p => p.Loss)), lossB = Spread(pb.Select(p => p.Loss));
        int s0 = f.Add($"λmax max/min over scales, {r.Arms[none].Name}", lamN);
        int s1 = f.Add($"λmax max/min over scales, {r.Arms[bn].Name}", lamB);
        int s2 = f.Add($"final loss max/min over scales, {r.Arms[none].Name}", lossN);
        int s3 = f.Add($"final loss max/min over scales, {r.Arms[bn].Name}", lossB);
        foreach (var (a, points) in new[] { (none, pn), (bn, pb) })
            foreach (var p in points)
            {
                f.Add(Inv($"λmax, {r.Arms[a].Name}, init ×{p.Scale:G4}"), p.Lambda, p.LambdaPointer);
                f.Add(Inv($"final loss, {r.Arms[a].Name}, init ×{p.Scale:G4}"), p.Loss, p.LossPointer);
            }
        bool? lambda = Evened(lamN, lamB), loss = Evened(lossN, lossB);
        var verdict = Combine(lambda, loss);
        f.Say("Across the init scales, λmax at the last checkpoint varies by a factor {0} without BN and {1} with BN; the final analysis loss by {2} and {3}", s0, s1, s2, s3);
        f.Say(verdict switch
        {
            Verdict.Supported => " — with BN the runs nearly coincide: BN makes training insensitive to the initial scale.",
            Verdict.Mixed => lambda == true ? " — BN evens out λmax but not the loss." : " — BN evens out the loss but not λmax.",
            Verdict.NotMeasured => " — the spreads could not be computed.",
            _ => lamN - 1 <= InitSpread && lossN - 1 <= InitSpread
                ? " — neither arm depends much on the initial scale here, so the sweep shows no effect of BN."
                : " — BN does not make the runs coincide in this configuration.",
        });
        return f.Done(verdict);
    }

    /// <summary>The layer blocks both arms share, matched in order by size (the weight layers have the same shapes with
    /// and without BN; the BN arm's own γ, β blocks have no partner and drop out).</summary>
    static List<(int None, int Batch)> SharedLayers(LayerCurvature[] without, LayerCurvature[] with)
    {
        var pairs = new List<(int, int)>();
        int from = 0;
        for (int i = 0; i < without.Length; i++)
        {
            int j = Array.FindIndex(with, from, b => b.Size == without[i].Size);
            if (j < 0) continue;
            pairs.Add((i, j));
            from = j + 1;
        }
        return pairs;
    }

    static DraftFinding LayerRates(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "layer-rates", "BatchNorm makes the layers train at equal rates",
            Inv($"The top eigenvalue of each layer's Hessian block at the last checkpoint with per-layer curvature, over the weight layers both arms share (matched by size; the BN layers' own blocks are left out), as max/min across layers, arm none against arm batch; an effect is a factor above {EffectRatio} between the two spreads."));
        var (none, bn, missing) = Pair(r);
        if (missing is not null) return f.NotMeasured(missing);
        var (an, ab) = (r.Arms[none], r.Arms[bn]);
        int cn = Last(an, c => c.Layers.Length > 0), cb = Last(ab, c => c.Layers.Length > 0);
        if (cn < 0 || cb < 0) return f.NotMeasured("per-layer curvature was not measured.");
        var (ln, lb) = (an.Checkpoints[cn].Layers, ab.Checkpoints[cb].Layers);
        var pairs = SharedLayers(ln, lb);
        if (pairs.Count < 2) return f.NotMeasured("the arms share fewer than two layers of equal size.");
        double spreadN = Spread(pairs.Select(p => ln[p.None].TopEigenvalue)), spreadB = Spread(pairs.Select(p => lb[p.Batch].TopEigenvalue));
        int s0 = f.Add($"max/min of the layers' top eigenvalues, {an.Name}", spreadN);
        int s1 = f.Add($"max/min of the layers' top eigenvalues, {ab.Name}", spreadB);
        foreach (var (i, j) in pairs)
        {
            f.Add($"layer {ln[i].Layer} top eigenvalue, {an.Name}", ln[i].TopEigenvalue, P.Layer(none, cn, i));
            f.Add($"layer {lb[j].Layer} top eigenvalue, {ab.Name}", lb[j].TopEigenvalue, P.Layer(bn, cb, j));
        }
        bool? effect = Larger(spreadN, spreadB);
        var verdict = Combine(effect);
        f.Say("The top eigenvalue of each layer's Hessian block at the last checkpoint spans a factor {0} across the shared weight layers without BN and {1} with BN", s0, s1);
        f.Say(verdict switch
        {
            Verdict.Supported => " — BN evens out the layers' curvature, so one learning rate suits them more equally.",
            Verdict.NotMeasured => " — the spreads could not be computed (non-positive eigenvalues).",
            _ => Reversed(spreadN, spreadB) ? " — the layers are less even with BN here." : " — no clear effect in this configuration.",
        });
        return f.Done(verdict);
    }

    static DraftFinding Smoothness(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "smoothness", "BatchNorm makes the loss surface smoother",
            Inv($"Santurkar et al.'s measures along the gradient (effective β-smoothness, gradient predictiveness as the largest gradient change, loss variation), each as the median over the checkpoints after the start, arm none against arm batch; an effect is a factor above {EffectRatio} (smaller = smoother with BN). Supported: all three; mixed: some."));
        var (none, bn, missing) = Pair(r);
        if (missing is not null) return f.NotMeasured(missing);
        var measures = new (string Label, string Member, Func<SmoothnessReport, double> Get)[]
        {
            ("effective β", nameof(SmoothnessReport.EffectiveBeta), s => s.EffectiveBeta),
            ("gradient predictiveness", nameof(SmoothnessReport.GradientPredictiveness), s => s.GradientPredictiveness),
            ("loss variation", nameof(SmoothnessReport.LossVariation), s => s.LossVariation),
        };
        int[] cpsN = Measured(r.Arms[none]), cpsB = Measured(r.Arms[bn]);
        if (cpsN.Length == 0 || cpsB.Length == 0) return f.NotMeasured("the smoothness probe was not run after the start of training.");
        var refs = new List<int>();
        var effects = new List<bool?>();
        foreach (var (label, member, get) in measures)
        {
            var (mn, an) = Median(cpsN.Select(c => (get(r.Arms[none].Checkpoints[c].Smoothness!), c)));
            var (mb, ab) = Median(cpsB.Select(c => (get(r.Arms[bn].Checkpoints[c].Smoothness!), c)));
            refs.Add(f.Add($"median {label}, {r.Arms[none].Name}", mn, an is int c0 ? P.Smoothness(none, c0, member) : null));
            refs.Add(f.Add($"median {label}, {r.Arms[bn].Name}", mb, ab is int c1 ? P.Smoothness(bn, c1, member) : null));
            effects.Add(Larger(mn, mb));
        }
        var verdict = Combine([.. effects]);
        f.Say("Median over the checkpoints after the start, without vs with BN: effective β {0} vs {1}, gradient predictiveness {2} vs {3}, loss variation {4} vs {5}", [.. refs]);
        f.Say(verdict switch
        {
            Verdict.Supported => effects.All(e => e.HasValue) ? " — the surface is smoother with BN in all three measures." : " — the surface is smoother with BN in every measure that could be compared.",
            Verdict.Mixed => " — smoother with BN in some measures, not in others.",
            Verdict.NotMeasured => " — the measures could not be compared.",
            _ => " — no clear smoothing by BN in this configuration (PyHessian found the same for shallow ResNets).",
        });
        return f.Done(verdict);

        static int[] Measured(ArmResult a) =>
            Enumerable.Range(0, a.Checkpoints.Length).Where(c => a.Checkpoints[c].Step > 0 && a.Checkpoints[c].Smoothness is not null).ToArray();
    }

    static DraftFinding LinearNeuron(StudyResult r, int index)
    {
        var f = new FindingBuilder(index, "linear-neuron", "Centring the inputs removes one huge eigenvalue (linear neuron)",
            Inv($"The linear-neuron lab on the analysis inputs: λmax of the input second-moment matrix R without preprocessing against after centring, with the predicted outlier N m² + v; an effect is a factor above {EffectRatio}. It is one eigenvalue when the second eigenvalue without centring is within that factor of the centred λmax (mixed otherwise)."));
        if (r.Linear is not { } lab) return f.NotMeasured("the linear-neuron lab was not run.");
        int none = Array.FindIndex(lab.Preprocessing, p => p.Mode == "none"), cen = Array.FindIndex(lab.Preprocessing, p => p.Mode == "center");
        if (none < 0 || cen < 0) return f.NotMeasured("the lab lacks the 'none' or the 'center' mode.");
        var (rn, rc) = (lab.Preprocessing[none], lab.Preprocessing[cen]);
        int v0 = f.Add("λmax without centring", rn.LambdaMax, P.Linear(none, nameof(PreprocessingReport.LambdaMax)));
        int v1 = f.Add("λmax after centring", rc.LambdaMax, P.Linear(cen, nameof(PreprocessingReport.LambdaMax)));
        int v2 = f.Add("factor", rn.LambdaMax / rc.LambdaMax);
        f.Say("Linear neuron on the analysis inputs: λmax of R is {0} without centring", v0);
        if (rn.OutlierPredicted is { } predicted)
            f.Say(" (predicted N m² + v = {0})", f.Add("predicted outlier N m² + v", predicted, P.Linear(none, nameof(PreprocessingReport.OutlierPredicted))));
        f.Say(" and {0} after centring, a factor {1}", v1, v2);
        bool? one = null;
        if (!rn.EigenvaluesPartial && rn.Eigenvalues.Length >= 2)
        {
            f.Say("; the second eigenvalue without centring is {0}", f.Add("λ₂ without centring", rn.Eigenvalues[1], P.LinearEigenvalue(none, 1)));
            one = Larger(rn.Eigenvalues[1], rc.LambdaMax) is bool b ? !b : null;
        }
        bool? removed = Larger(rn.LambdaMax, rc.LambdaMax);
        var verdict = removed switch
        {
            null => Verdict.NotMeasured,
            false => Verdict.NotSupported,
            true => one == false ? Verdict.Mixed : Verdict.Supported,
        };
        f.Say(verdict switch
        {
            Verdict.Supported => " — centring removes one huge eigenvalue, the one-layer mechanism behind the deep-net outliers.",
            Verdict.Mixed => " — centring lowers λmax, but more than one eigenvalue stood above the centred spectrum.",
            Verdict.NotMeasured => " — the eigenvalues could not be compared.",
            _ => " — the inputs' mean is too small to create an outlier here.",
        });
        return f.Done(verdict);
    }
}
