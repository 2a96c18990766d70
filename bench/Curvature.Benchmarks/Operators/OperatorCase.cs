using Curvature.Operators;

namespace Curvature.Benchmarks.Operators;

/// <summary>
/// A named recipe for an operator, used as a BenchmarkDotNet parameter (<c>[ParamsSource]</c>): the name is
/// what the result tables show, <see cref="Create"/> runs in <c>[GlobalSetup]</c>. Estimator benchmarks are
/// written against this, not against a concrete operator, so a network Hessian (issue 5) is one more case.
/// </summary>
public sealed record OperatorCase(string Name, long Size, Func<ILinearOperator> Create)
{
    public override string ToString() => Name;
}
