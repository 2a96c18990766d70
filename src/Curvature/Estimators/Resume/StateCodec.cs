namespace Curvature.Estimators;

/// <summary>The estimator states as <see cref="StateBag"/> entries and back: one explicit field list per record, so the
/// file format is written down here and does not change when a record gains a member by accident.</summary>
internal static class StateCodec
{
    public static StateBag Encode(EstimatorState state)
    {
        var bag = new StateBag();
        bag.Longs["products"] = [state.Products];
        bag.Bytes["generator"] = state.GeneratorState;
        switch (state)
        {
            case TopEigenpairsState top:
                bag.Texts["type"] = TopEigenpairs.Stage;
                bag.Longs["size"] = [top.Size];
                bag.Longs["k"] = [top.K];
                bag.Texts["order"] = top.Order.ToString();
                bag.Doubles["tolerance"] = [top.RelativeTolerance];
                bag.Longs["limit"] = [top.Limit];
                bag.Longs["next_check"] = [top.NextCheck];
                if (top.Lanczos is not null) Encode(bag, "lanczos.", top.Lanczos);
                if (top.Result is { } r)
                {
                    bag.Doubles["result.values"] = r.Values;
                    bag.Doubles["result.vectors"] = r.Vectors;
                    bag.Doubles["result.residuals"] = r.Residuals;
                    bag.Longs["result.converged"] = r.Converged.Select(c => c ? 1L : 0L).ToArray();
                    bag.Longs["result.products"] = [r.Products];
                    bag.Texts["result.method"] = r.Method;
                }
                break;
            case SlqState slq:
                bag.Texts["type"] = StochasticLanczosQuadrature.Stage;
                bag.Longs["size"] = [slq.Size];
                bag.Longs["options.probes"] = [slq.Options.Probes];
                bag.Longs["options.steps"] = [slq.Options.Steps];
                bag.Texts["options.distribution"] = slq.Options.Distribution.ToString();
                bag.Texts["options.reorthogonalization"] = slq.Options.Reorthogonalization.ToString();
                if (slq.Options.ProbeBlock is { } requested) bag.Longs["options.probe_block"] = [requested];
                // Only the precision of the basis changes numbers (a float64 basis on disk equals one in memory bit for bit).
                if (slq.Options.Basis is { Precision: not BasisPrecision.Float64 } basis) bag.Texts["options.basis_precision"] = basis.Precision.ToString();
                if (slq.Options.MaxStoredVectors is { } window) bag.Longs["options.max_stored_vectors"] = [window];
                bag.Longs["probe_block"] = [slq.ProbeBlock];
                bag.Longs["steps"] = slq.Steps.Select(s => (long)s).ToArray();
                bag.Doubles["nodes"] = slq.Nodes.SelectMany(x => x).ToArray();
                bag.Doubles["weights"] = slq.Weights.SelectMany(x => x).ToArray();
                bag.Longs["group"] = [slq.Group.Length];
                for (int i = 0; i < slq.Group.Length; i++) Encode(bag, $"group.{i}.", slq.Group[i]);
                break;
            case HutchPlusPlusState hutch:
                bag.Texts["type"] = HutchPlusPlus.Stage;
                bag.Longs["size"] = [hutch.Size];
                bag.Longs["matvecs"] = [hutch.Matvecs];
                bag.Texts["distribution"] = hutch.Distribution.ToString();
                bag.Longs["block_size"] = [hutch.BlockSize];
                if (hutch.Result is { } t)
                {
                    bag.Doubles["result.estimate"] = [t.Estimate];
                    bag.Doubles["result.standard_error"] = [t.StandardError];
                    bag.Longs["result.matvecs"] = [t.Matvecs];
                    bag.Longs["result.probes"] = [t.Probes];
                    bag.Texts["result.method"] = t.Method;
                    bag.Texts["result.distribution"] = t.Distribution.ToString();
                    bag.Doubles["result.deterministic_part"] = [t.DeterministicPart];
                    bag.Doubles["result.samples"] = t.Samples;
                    bag.Texts["result.stop_reason"] = t.StopReason.ToString();
                }
                break;
            default:
                throw new ArgumentException($"no file format for {state.GetType().Name}", nameof(state));
        }
        return bag;
    }

    /// <summary>The state in <paramref name="bag"/>; <see cref="InvalidDataException"/> when an entry is missing or wrong.</summary>
    public static EstimatorState Decode(StateBag bag)
    {
        long products = bag.Long("products");
        byte[] generator = bag.ByteArray("generator");
        switch (bag.Text("type"))
        {
            case TopEigenpairs.Stage:
                EigenpairsData? result = bag.Has("result.values")
                    ? new EigenpairsData(bag.DoubleArray("result.values"), bag.DoubleArray("result.vectors"), bag.DoubleArray("result.residuals"),
                                         bag.LongArray("result.converged").Select(c => c != 0).ToArray(), Int(bag, "result.products"), bag.Text("result.method"))
                    : null;
                return new TopEigenpairsState(bag.Long("size"), Int(bag, "k"), Parse<EigenvalueOrder>(bag, "order"), bag.Double("tolerance"),
                                              Int(bag, "limit"), Int(bag, "next_check"), DecodeLanczos(bag, "lanczos."), result, products, generator);
            case StochasticLanczosQuadrature.Stage:
            {
                var options = new SlqOptions(Int(bag, "options.probes"), Int(bag, "options.steps"), Parse<ProbeDistribution>(bag, "options.distribution"),
                                             Parse<Reorthogonalization>(bag, "options.reorthogonalization"),
                                             bag.Has("options.probe_block") ? Int(bag, "options.probe_block") : null,
                                             bag.Has("options.basis_precision") ? new BasisStorage(Parse<BasisPrecision>(bag, "options.basis_precision")) : null,
                                             bag.Has("options.max_stored_vectors") ? Int(bag, "options.max_stored_vectors") : null);
                var steps = bag.LongArray("steps").Select(s => s is >= 0 and <= int.MaxValue ? (int)s : throw new InvalidDataException($"a probe has {s} steps")).ToArray();
                // States written before probes ran in lockstep hold one recurrence as "current." and no width: they ran
                // one probe at a time, i.e. in blocks of 1, and resume exactly with that width.
                LanczosState[] group;
                if (bag.Has("group"))
                {
                    int count = Int(bag, "group");
                    if (count < 0 || count > options.Probes) throw new InvalidDataException($"'group' = {count} recurrences for {options.Probes} probes");
                    group = new LanczosState[count];
                    for (int i = 0; i < count; i++)
                        group[i] = DecodeLanczos(bag, $"group.{i}.") ?? throw new InvalidDataException($"recurrence {i} of the group of {count} is missing");
                }
                else group = DecodeLanczos(bag, "current.") is { } current ? [current] : [];
                int width = bag.Has("probe_block") ? Int(bag, "probe_block") : 1;
                return new SlqState(bag.Long("size"), options, width, steps, Split(bag, "nodes", steps), Split(bag, "weights", steps),
                                    group, products, generator);
            }
            case HutchPlusPlus.Stage:
                TraceEstimate? estimate = bag.Has("result.estimate")
                    ? new TraceEstimate(bag.Double("result.estimate"), bag.Double("result.standard_error"), Int(bag, "result.matvecs"), Int(bag, "result.probes"),
                                        bag.Text("result.method"), Parse<ProbeDistribution>(bag, "result.distribution"), bag.Double("result.deterministic_part"),
                                        bag.DoubleArray("result.samples"), Parse<TraceStopReason>(bag, "result.stop_reason"))
                    : null;
                return new HutchPlusPlusState(bag.Long("size"), Int(bag, "matvecs"), Parse<ProbeDistribution>(bag, "distribution"), Int(bag, "block_size"),
                                              estimate, products, generator);
            default:
                throw new InvalidDataException($"unknown state type '{bag.Text("type")}'");
        }
    }

    static void Encode(StateBag bag, string p, LanczosState s)
    {
        bag.Longs[p + "size"] = [s.Size];
        bag.Texts[p + "reorthogonalization"] = s.Reorthogonalization.ToString();
        bag.Longs[p + "stores_basis"] = [s.StoresBasis ? 1 : 0];
        bag.Doubles[p + "alpha"] = s.Alpha;
        bag.Doubles[p + "beta"] = s.Beta;
        bag.Longs[p + "breakdowns"] = s.Breakdowns.Select(b => (long)b).ToArray();
        bag.Doubles[p + "norm_estimate"] = [s.NormEstimate];
        bag.Longs[p + "reorthogonalizations"] = [s.Reorthogonalizations];
        bag.Longs[p + "stopped"] = [s.Stopped ? 1 : 0];
        bag.Doubles[p + "omega_previous"] = s.OmegaPrevious;
        bag.Doubles[p + "omega_current"] = s.OmegaCurrent;
        bag.Longs[p + "reorthogonalize_next"] = [s.ReorthogonalizeNext ? 1 : 0];
        bag.Longs[p + "capacity"] = [s.Capacity];
        bag.Longs[p + "vector_rows"] = [s.VectorRows];
        bag.Doubles[p + "vectors"] = s.Vectors;
        // Written only when they differ from what a state without them means, so older states read unchanged.
        if (s.Precision != BasisPrecision.Float64) bag.Texts[p + "basis_precision"] = s.Precision.ToString();
        if (s.MaxStoredVectors is int window) bag.Longs[p + "max_stored_vectors"] = [window];
        if (s.Recent is not null) bag.Doubles[p + "recent"] = s.Recent;
    }

    static LanczosState? DecodeLanczos(StateBag bag, string p) => !bag.Has(p + "alpha") ? null : new LanczosState(
        bag.Long(p + "size"), Parse<Reorthogonalization>(bag, p + "reorthogonalization"), bag.Long(p + "stores_basis") != 0,
        bag.DoubleArray(p + "alpha"), bag.DoubleArray(p + "beta"), bag.LongArray(p + "breakdowns").Select(b => checked((int)b)).ToArray(),
        bag.Double(p + "norm_estimate"), Int(bag, p + "reorthogonalizations"), bag.Long(p + "stopped") != 0,
        bag.DoubleArray(p + "omega_previous"), bag.DoubleArray(p + "omega_current"), bag.Long(p + "reorthogonalize_next") != 0,
        Int(bag, p + "capacity"), Int(bag, p + "vector_rows"), bag.DoubleArray(p + "vectors"))
    {
        Precision = bag.Has(p + "basis_precision") ? Parse<BasisPrecision>(bag, p + "basis_precision") : BasisPrecision.Float64,
        MaxStoredVectors = bag.Has(p + "max_stored_vectors") ? Int(bag, p + "max_stored_vectors") : null,
        Recent = bag.Has(p + "recent") ? bag.DoubleArray(p + "recent") : null,
    };

    static int Int(StateBag bag, string name) =>
        bag.Long(name) is var v && v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new InvalidDataException($"'{name}' = {v} is out of range");

    static T Parse<T>(StateBag bag, string name) where T : struct, Enum =>
        Enum.TryParse<T>(bag.Text(name), out var value) && Enum.IsDefined(value) ? value : throw new InvalidDataException($"'{name}' = '{bag.Text(name)}' is not a {typeof(T).Name}");

    static double[][] Split(StateBag bag, string name, int[] lengths)
    {
        var flat = bag.DoubleArray(name);
        if (flat.LongLength != lengths.Sum(l => (long)l)) throw new InvalidDataException($"'{name}' has {flat.Length} entries for probes of {string.Join("+", lengths)} steps");
        var parts = new double[lengths.Length][];
        int at = 0;
        for (int i = 0; i < lengths.Length; i++) { parts[i] = flat[at..(at + lengths[i])]; at += lengths[i]; }
        return parts;
    }
}
