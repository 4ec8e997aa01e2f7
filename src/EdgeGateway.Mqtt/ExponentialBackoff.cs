namespace EdgeGateway.Mqtt;

/// <summary>
/// The one back-off policy of the product: the MQTT reconnect, the hub's InfluxDB write retries and its notification
/// retries. The ceiling doubles from <see cref="Initial"/> with each failure up to <see cref="Max"/>, and each wait is a
/// random point in the ceiling's upper half ("equal jitter"): never shorter than half the ceiling, so a failing server
/// is not hammered, and spread, so a fleet of gateways (or hub instances) that failed together does not retry in step.
/// </summary>
public readonly record struct ExponentialBackoff(TimeSpan Initial, TimeSpan Max)
{
    /// <summary><c>min(Max, Initial · 2^doublings)</c>, at least 1 ms.</summary>
    /// <param name="doublings">How many times the wait has doubled: 0 for the first wait (after a drop or the first failure, as the caller counts).</param>
    public TimeSpan Ceiling(int doublings)
    {
        double factor = Math.Pow(2, Math.Clamp(doublings, 0, 40));
        double ms = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * factor);
        return TimeSpan.FromMilliseconds(Math.Max(ms, 1));
    }

    /// <summary>The wait at <paramref name="doublings"/> for the draw <paramref name="unit"/> in [0, 1): half the ceiling plus that share of the other half.</summary>
    public TimeSpan Delay(int doublings, double unit)
    {
        TimeSpan ceiling = Ceiling(doublings);
        return (ceiling / 2) + (ceiling / 2 * Math.Clamp(unit, 0, 1));
    }

    /// <summary>The wait at <paramref name="doublings"/>, drawn at random.</summary>
    public TimeSpan Delay(int doublings)
    {
        // Jitter spreads retries; it need not be unpredictable. Not RandomNumberGenerator: on Linux that loads OpenSSL,
        // and a board image without libssl (a broker on plain TCP) aborted the process at its first failed connect.
#pragma warning disable CA5394 // jitter, not security
        return Delay(doublings, Random.Shared.NextDouble());
#pragma warning restore CA5394
    }
}
