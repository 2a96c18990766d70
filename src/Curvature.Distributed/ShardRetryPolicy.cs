namespace Curvature.Distributed;

/// <summary>
/// How the coordinator retries one shard's call after a transient failure (a dead silo, a rejected message, a timeout):
/// up to <see cref="MaxAttempts"/> attempts, waiting <see cref="InitialDelay"/> × <see cref="Multiplier"/>^(attempt − 1)
/// before each retry. Only the failed shard is retried; errors of the shard itself (a bad manifest, a hash mismatch, an
/// invalid argument) are not transient and fail the product at once.
/// </summary>
/// <param name="MaxAttempts">Attempts per shard call, the first included (≥ 1).</param>
/// <param name="InitialDelay">Wait before the first retry.</param>
/// <param name="Multiplier">Growth of the wait per retry (≥ 1).</param>
public sealed record ShardRetryPolicy(int MaxAttempts, TimeSpan InitialDelay, double Multiplier)
{
    /// <summary>6 attempts, 0.5 s doubling (0.5 + 1 + 2 + 4 + 8 = 15.5 s of waiting in all): chosen by us so that the
    /// waits outlast Orleans' default failure detection (probe timeout 10 s, issue 7 probe: a killed worker's shard
    /// re-activated on the survivor on the first retry after it); not yet tuned by a measurement.</summary>
    public static ShardRetryPolicy Default { get; } = new(6, TimeSpan.FromSeconds(0.5), 2.0);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> on a non-positive count, a negative delay or a multiplier below 1.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialDelay, TimeSpan.Zero, nameof(InitialDelay));
        if (!(Multiplier >= 1)) throw new ArgumentOutOfRangeException(nameof(Multiplier), Multiplier, "the back-off multiplier must be at least 1");
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> (2, 3, …).</summary>
    public TimeSpan DelayBefore(int attempt) => InitialDelay * Math.Pow(Multiplier, attempt - 2);

    /// <summary>Whether <paramref name="error"/> is a failure of the transport or of a silo rather than of the shard's
    /// computation: worth retrying, since the shard re-activates elsewhere from its manifest.</summary>
    public static bool IsTransient(Exception error) => error is SiloUnavailableException or OrleansMessageRejectionException
        or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException;
}
