namespace EdgeGateway.Mqtt;

/// <summary>Exponential back-off with jitter: step n waits a uniform random time in [d/2, d], d = min(max, initial × 2ⁿ).</summary>
internal static class ReconnectBackoff
{
    public static TimeSpan Ceiling(int step, TimeSpan initial, TimeSpan max)
    {
        double factor = Math.Pow(2, Math.Clamp(step, 0, 30));
        double ms = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * factor);
        return TimeSpan.FromMilliseconds(Math.Max(ms, 1));
    }

    public static TimeSpan Delay(int step, TimeSpan initial, TimeSpan max)
    {
        TimeSpan ceiling = Ceiling(step, initial, max);
        long half = (long)(ceiling.TotalMilliseconds / 2);
        // Jitter spreads a fleet's reconnects after a broker restart; it need not be unpredictable. Not
        // RandomNumberGenerator: on Linux that loads OpenSSL, and a board image without libssl (a broker on plain TCP)
        // aborted the process at its first failed connect.
#pragma warning disable CA5394 // jitter, not security
        long jitter = half > 0 ? Random.Shared.NextInt64(half + 1) : 0;
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(half + jitter);
    }
}
