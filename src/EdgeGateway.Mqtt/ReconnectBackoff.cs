using System.Security.Cryptography;

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
        // Jitter spreads a fleet's reconnects after a broker restart; it need not be unpredictable, but this is simplest without a suppression.
        long jitter = half > 0 ? RandomNumberGenerator.GetInt32((int)Math.Min(half + 1, int.MaxValue)) : 0;
        return TimeSpan.FromMilliseconds(half + jitter);
    }
}
