namespace Curvature.Operators;

/// <summary>
/// An operator that can keep work that does not depend on the vector across a span of products — a network operator
/// builds each batch's gradient graph (forward and first backward with create_graph) once and reuses it, so a Hessian
/// product costs one backward pass instead of a forward and two backward passes (PyHessian's single-batch mode does
/// the same). Estimators open a session around their products with <see cref="ProductSession.Begin"/>; products
/// inside and outside a session are identical.
/// </summary>
public interface IProductSessions
{
    /// <summary>Starts a session; disposing it releases what was kept. Sessions nest: an inner one does nothing.</summary>
    IDisposable BeginProductSession();
}

/// <summary>Opens product sessions on any operator (a no-op for operators that have nothing to reuse).</summary>
public static class ProductSession
{
    /// <summary>A session on <paramref name="op"/> if it supports them, else a handle that does nothing. While it is open
    /// the model behind a network operator must not be changed by anyone else.</summary>
    public static IDisposable Begin(ILinearOperator op) => op is IProductSessions sessions ? sessions.BeginProductSession() : None.Instance;

    /// <summary>A handle that does nothing (for operators with nothing to keep).</summary>
    internal static IDisposable Empty => None.Instance;

    /// <summary>Sessions on every operator of <paramref name="ops"/>, closed in reverse order.</summary>
    internal static IDisposable BeginAll(IReadOnlyList<ILinearOperator> ops)
    {
        if (ops.Count == 0) return None.Instance;
        if (ops.Count == 1) return Begin(ops[0]);
        var opened = new List<IDisposable>(ops.Count);
        try
        {
            foreach (var op in ops) opened.Add(Begin(op));
        }
        catch
        {
            for (int i = opened.Count - 1; i >= 0; i--) opened[i].Dispose();
            throw;
        }
        return new All(opened);
    }

    sealed class None : IDisposable
    {
        public static readonly None Instance = new();
        public void Dispose() { }
    }

    sealed class All(List<IDisposable> sessions) : IDisposable
    {
        public void Dispose()
        {
            for (int i = sessions.Count - 1; i >= 0; i--) sessions[i].Dispose();
            sessions.Clear();
        }
    }
}
