using System.Globalization;
using System.Text;
using Curvature.Reporting.Charts;
using Curvature.Study;
using P = Curvature.Reporting.Study.StudyPointers;

namespace Curvature.Reporting.Study;

/// <summary>
/// The study's HTML page: one self-contained UTF-8 HTML5 file (inline CSS and SVG, no scripts, no external URL). The
/// contract a browser check relies on: every figure is <c>&lt;figure id="fig-{name}" data-figure="{name}"&gt;</c> holding
/// its inline SVG and a <c>&lt;figcaption&gt;</c>; every number taken from the record is an element with
/// <c>data-json="{RFC 6901 pointer}"</c> whose text is the number as <see cref="NumberText"/> prints it.
/// </summary>
internal static class StudyHtml
{
    /// <summary>Figures grouped by the claim they test, with the text shown above them.</summary>
    static readonly (string Id, string Heading, string Finding, string Text, string[] Figures)[] Groups =
    [
        ("spectrum", "Outliers in the Hessian spectrum", "outliers",
         "Without BatchNorm, a few eigenvalues (about one per class) separate from the bulk early in training; with BatchNorm they should be almost absent (Ghorbani et al. 2019). The densities compare the arms at matched training loss and at the end; the eigenvalue and ratio curves follow the outliers through training. A centring-only arm, where present, is drawn in the same figures.",
         ["density-matched", "density-final", "top-eigenvalues", "lambda-ratio"]),
        ("gradient", "Where the gradient points", "gradient-concentration",
         "If the outliers dominate, the gradient lies almost entirely in their span (f_K near 1) and the curvature along it approaches λ₁. The trace shows the total curvature next to the top eigenvalues.",
         ["gradient-overlap", "gradient-curvature", "trace"]),
        ("bn-modes", "BatchNorm modes on the same checkpoint", "bn-mode",
         "The same trained BatchNorm network, its Hessian taken with BatchNorm in train mode (batch statistics, differentiated through), eval mode (running statistics as constants) and population mode. If the outliers return in eval mode, their suppression comes from the dependence on the batch statistics.",
         ["bn-modes"]),
        ("training", "Training curves", "",
         "The paired runs share seed, initial weights, data order and schedule; only the normalisation and the learning rate (each arm at a stable value) differ.",
         ["training-loss", "training-accuracy"]),
        ("init", "Initial weight scale", "init-invariance",
         "The claim that BatchNorm makes a network insensitive to its initialisation: the same runs with the weights scaled after the default initialisation, with and without BatchNorm.",
         ["init-sweep-lambda", "init-sweep-loss"]),
        ("layers", "Curvature per layer", "layer-rates",
         "The claim that BatchNorm makes all weights train at equal rates: the top eigenvalue of each layer's own Hessian block sets the largest stable rate for that layer.",
         ["per-layer"]),
        ("smoothness", "Smoothness along the gradient", "smoothness",
         "The claim that BatchNorm makes the surface smoother (Santurkar et al. 2018): how much the loss and its gradient change when stepping along the gradient.",
         ["smoothness-loss", "smoothness-gradient", "smoothness-beta"]),
        ("linear", "The one-layer theory", "linear-neuron",
         "For a linear neuron the Hessian is the input second-moment matrix R; a non-zero input mean adds one eigenvalue of about N m² + v far above the Marchenko–Pastur bulk, and centring removes it (LeCun, Kanter & Solla 1991). The deep-net figures above are the same question asked of every layer.",
         ["linear-neuron", "linear-neuron-centered"]),
    ];

    const string Style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
        h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { margin-top: 1.5em; }
        table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 0.35em 0.6em; vertical-align: top; text-align: left; }
        th { background: #f4f4f4; } td ul { margin: 0; padding-left: 1.1em; } .num { font-variant-numeric: tabular-nums; white-space: nowrap; }
        .verdict { font-weight: 600; white-space: nowrap; } .v-supported { color: #1a7f37; } .v-not_supported { color: #b42318; } .v-mixed { color: #9a6700; } .v-not_measured { color: #666; }
        figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #eee; } figcaption { font-size: 0.9em; color: #444; max-width: 900px; }
        .missing { color: #666; font-style: italic; } code { background: #f4f4f4; padding: 0 0.2em; } .lead { color: #444; }
        """;

    static string E(string? text) => (text ?? "")
        .Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");

    static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>A number from the record: an element pointing at it, or "n/a" (no pointer) when not finite.</summary>
    static string Num(double value, string pointer, bool exact = false) => double.IsFinite(value)
        ? $"<span class=\"num\" data-json=\"{E(pointer)}\">{(exact ? NumberText.Exact(value) : NumberText.Short(value))}</span>"
        : "<span class=\"num na\">n/a</span>";

    /// <summary>The whole page.</summary>
    public static string Build(StudyResult r, StudyDescription d, IReadOnlyList<DraftFinding> findings, StudyFigureSet figures, IReadOnlyList<CsvTable> tables)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>BatchNorm study: {E(d.Model)} on {E(d.Dataset)}</title>\n<style>\n{Style}</style>\n</head>\n<body>\n");
        html.Append($"<header>\n<h1>How BatchNorm changes the curvature: {E(d.Model)} on {E(d.Dataset)}</h1>\n");
        html.Append("<p class=\"lead\">Paired training runs that differ only in normalisation, with the Hessian measured at checkpoints through training. ")
            .Append("Each verdict below is computed from the numbers with fixed thresholds (listed under the table); a configuration without an effect is reported as such.</p>\n</header>\n");
        Summary(html, findings);
        Arms(html, r);
        Settings(html, r, d);
        Figures(html, findings, figures);
        Files(html, tables, figures);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    static void Summary(StringBuilder html, IReadOnlyList<DraftFinding> findings)
    {
        html.Append("<section id=\"summary\">\n<h2>Findings</h2>\n<table class=\"findings\">\n<thead><tr><th>Finding</th><th>Numbers</th><th>Verdict</th><th>Statement</th></tr></thead>\n<tbody>\n");
        foreach (var draft in findings)
        {
            var f = draft.Finding;
            string code = VerdictText.Code(f.Verdict);
            html.Append($"<tr id=\"finding-{E(f.Id)}\" data-finding=\"{E(f.Id)}\" data-verdict=\"{code}\"><td>{E(f.Title)}</td><td>");
            if (f.Values.Length > 0)
            {
                html.Append("<ul>");
                foreach (var v in f.Values) html.Append($"<li>{E(v.Label)}: {Num(v.Value, v.JsonPointer)}</li>");
                html.Append("</ul>");
            }
            html.Append($"</td><td class=\"verdict v-{code}\">{E(VerdictText.Words(f.Verdict))}</td><td>{Statement(draft)}</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n<details>\n<summary>How each verdict is decided</summary>\n<dl>\n");
        foreach (var draft in findings) html.Append($"<dt>{E(draft.Finding.Title)}</dt><dd>{E(draft.Finding.Measurement)}</dd>\n");
        html.Append(Inv($"<dt>Why these thresholds</dt><dd>{E(Inv($"A factor of {StudyVerdicts.EffectRatio} between arms lies above the seed-to-seed spread of one arm and well below the effect reported for small MLPs; a difference of {StudyVerdicts.OverlapDifference} in f_K likewise; mini-batch means must also differ by more than {StudyVerdicts.StandardErrors} standard errors of the difference. One paired run does not measure seed-to-seed variation, so a borderline verdict deserves a second seed."))}</dd>\n"));
        html.Append("</dl>\n</details>\n</section>\n");
    }

    static string Statement(DraftFinding draft)
    {
        var text = new StringBuilder();
        foreach (var part in draft.Parts)
        {
            if (part.Text is not null) text.Append(E(part.Text));
            else
            {
                var v = draft.Finding.Values[part.Value!.Value];
                text.Append(Num(v.Value, v.JsonPointer));
            }
        }
        return text.ToString();
    }

    static void Arms(StringBuilder html, StudyResult r)
    {
        html.Append("<section id=\"arms\">\n<h2>Arms and learning rates</h2>\n<table>\n<thead><tr><th>Arm</th><th>Normalisation</th><th>BatchNorm statistics in training</th><th>BatchNorm mode of the analysis</th><th>Learning rate η</th><th>Init scale</th><th>Parameters</th></tr></thead>\n<tbody>\n");
        for (int a = 0; a < r.Arms.Length; a++)
        {
            var arm = r.Arms[a];
            html.Append($"<tr data-arm=\"{E(arm.Name)}\"><td>{E(arm.Name)}</td><td>{E(arm.Norm)}</td><td>{E(arm.TrainingStatistics)}</td><td>{E(arm.AnalysisMode)}</td>")
                .Append($"<td>{Num(arm.LearningRate, P.ArmField(a, nameof(ArmResult.LearningRate)), exact: true)}</td>")
                .Append($"<td>{Num(arm.InitScale, P.ArmField(a, nameof(ArmResult.InitScale)), exact: true)}</td>")
                .Append($"<td>{Num(arm.NumParams, P.ArmField(a, nameof(ArmResult.NumParams)), exact: true)}</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    static string List<T>(IReadOnlyList<T> items, Func<int, string> pointer, Func<T, double> value) =>
        items.Count == 0 ? "none" : string.Join(", ", items.Select((x, i) => Num(value(x), pointer(i), exact: true)));

    static void Settings(StringBuilder html, StudyResult r, StudyDescription d)
    {
        var o = d.Options;
        var t = o.Training;
        var rows = new List<(string, string)>
        {
            ("Model", E(d.Model)),
            ("Data", E(Inv($"{d.Dataset}: {d.TrainSamples} training images; the curvature on a fixed analysis subset of {d.AnalysisSamples} images, in {d.Dtype}"))),
            ("Training", Inv($"SGD, {Num(t.Steps, P.TrainingOption(nameof(t.Steps)), true)} steps, batch {Num(t.BatchSize, P.TrainingOption(nameof(t.BatchSize)), true)}, momentum {Num(t.Momentum, P.TrainingOption(nameof(t.Momentum)), true)}, weight decay {Num(t.WeightDecay, P.TrainingOption(nameof(t.WeightDecay)), true)}, schedule {E(t.Schedule.Kind.ToString().ToLowerInvariant())}")),
            ("Seed", t.Seed <= (1UL << 53) ? Num(t.Seed, P.TrainingOption(nameof(t.Seed)), true) : E(t.Seed.ToString(CultureInfo.InvariantCulture))),
            ("Checkpoint steps", List(o.CheckpointSteps, i => P.OptionItem(nameof(o.CheckpointSteps), i), s => s)),
            ("Top eigenvalues", Inv($"K = {Num(o.TopK, P.Option(nameof(o.TopK)), true)} by Lanczos with full reorthogonalisation, relative residual ≤ {Num(o.Tolerance, P.Option(nameof(o.Tolerance)), true)}·‖H‖")),
            ("Spectral density", Inv($"SLQ, {Num(o.DensityProbes, P.Option(nameof(o.DensityProbes)), true)} Rademacher probes × {Num(o.DensitySteps, P.Option(nameof(o.DensitySteps)), true)} Lanczos steps, at the matched-loss and last checkpoints")),
            ("Trace", Inv($"Hutch++ with {Num(o.TraceProducts, P.Option(nameof(o.TraceProducts)), true)} Hessian–vector products per checkpoint")),
            ("Per-layer curvature", o.PerLayer ? Inv($"each layer's Hessian block, λ₁ to a relative residual ≤ {Num(o.LayerTolerance, P.Option(nameof(o.LayerTolerance)), true)}") : "not measured"),
            ("Smoothness step sizes η", List(o.SmoothnessStepSizes, i => P.OptionItem(nameof(o.SmoothnessStepSizes), i), x => x)),
            ("Init scales", List(o.InitScales, i => P.OptionItem(nameof(o.InitScales), i), x => x) + " for arms " + E(string.Join(", ", o.SweepArms))),
            ("Population statistics", Inv($"refreshed every {Num(o.PopulationRefreshEvery, P.Option(nameof(o.PopulationRefreshEvery)), true)} steps")),
            ("Matched training loss", Inv($"{Num(r.MatchedLossTarget, P.MatchedLossTarget)}; ") + string.Join("; ", r.Matched.Select((m, i) =>
                $"{E(m.Arm)} at step {Num(m.Step, P.Matched(i, nameof(MatchedCheckpoint.Step)))} (loss {Num(m.Loss, P.Matched(i, nameof(MatchedCheckpoint.Loss)))})"))),
            ("Command", $"<code>{E(d.Command)}</code>"),
            ("Wall time", $"{Num(r.WallSeconds, P.WallSeconds)} s"),
        };
        html.Append("<section id=\"settings\">\n<h2>Settings</h2>\n<table>\n<tbody>\n");
        foreach (var (name, value) in rows) html.Append($"<tr><th>{E(name)}</th><td>{value}</td></tr>\n");
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    static void Figures(StringBuilder html, IReadOnlyList<DraftFinding> findings, StudyFigureSet set)
    {
        var byName = set.Figures.ToDictionary(f => f.Name);
        var placed = new HashSet<string>();
        html.Append("<section id=\"figures\">\n<h2>Figures</h2>\n");
        foreach (var g in Groups)
        {
            html.Append($"<section id=\"group-{g.Id}\">\n<h3>{E(g.Heading)}</h3>\n<p>{E(g.Text)}</p>\n");
            if (findings.FirstOrDefault(f => f.Finding.Id == g.Finding) is { } draft)
                html.Append($"<p><strong>Verdict: <span class=\"verdict v-{VerdictText.Code(draft.Finding.Verdict)}\">{E(VerdictText.Words(draft.Finding.Verdict))}</span>.</strong> {Statement(draft)}</p>\n");
            foreach (var name in g.Figures)
            {
                if (byName.TryGetValue(name, out var figure)) { Figure(html, figure); placed.Add(name); }
                else if (set.Missing.TryGetValue(name, out var why))
                    html.Append($"<p class=\"missing\" data-missing=\"{E(name)}\">Figure “{E(name)}” is not included: {E(why)}</p>\n");
            }
            html.Append("</section>\n");
        }
        var rest = set.Figures.Where(f => !placed.Contains(f.Name)).ToList();
        if (rest.Count > 0)
        {
            html.Append("<section id=\"group-other\">\n<h3>Other figures</h3>\n");
            foreach (var figure in rest) Figure(html, figure);
            html.Append("</section>\n");
        }
        html.Append("</section>\n");
    }

    static void Figure(StringBuilder html, RenderedFigure figure)
    {
        html.Append($"<figure id=\"fig-{E(figure.Name)}\" data-figure=\"{E(figure.Name)}\">\n")
            .Append(SvgInline.Prepare(figure.Svg, $"fig-{figure.Name}-"))
            .Append($"\n<figcaption>{E(figure.Caption)}</figcaption>\n</figure>\n");
    }

    static void Files(StringBuilder html, IReadOnlyList<CsvTable> tables, StudyFigureSet set)
    {
        html.Append("<section id=\"files\">\n<h2>Files</h2>\n<p>Next to this page: the JSON record of the study (every number above, with the pointers in the <code>data-json</code> attributes), these CSV tables (invariant culture, round-trip numbers, empty = not measured)</p>\n<ul>\n");
        foreach (var t in tables) html.Append($"<li><code>{E(t.Name)}.csv</code> — {E(t.Description)}</li>\n");
        html.Append("</ul>\n<p>and every figure as PNG and SVG: ")
            .Append(string.Join(", ", set.Figures.Select(f => $"<code>{E(f.Name)}.png</code>/<code>.svg</code>")))
            .Append(".</p>\n</section>\n");
    }
}
