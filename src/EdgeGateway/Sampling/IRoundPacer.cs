using System.Diagnostics;
using EdgeGateway.Hardware.Simulation;

namespace EdgeGateway.Sampling;

/// <summary>Decides when the next round starts.</summary>
public interface IRoundPacer
{
    /// <summary>Called before each round.</summary>
    void BeforeRound();

    /// <summary>Waits until the next round is due (or <paramref name="stopping"/> is signalled), calling <see cref="BetweenRounds"/> every <see cref="RoundPacing.WatchInterval"/> meanwhile.</summary>
    void AfterRound(CancellationToken stopping);

    /// <summary>What watches the ports while the loop waits (the fault-current scan's pass); false when there is nothing to watch.</summary>
    Func<bool>? BetweenRounds { get; set; }
}

/// <summary>How the wait between rounds is spent.</summary>
public static class RoundPacing
{
    /// <summary>
    /// The ports are scanned this often between rounds: a saturated short is confirmed when a sample finds it on the
    /// other rail, so within 3 + 10 + 3 ms of its onset at 50 Hz.
    /// </summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(3);
}

/// <summary>Real hardware: a round every period, at once when a round overran.</summary>
public sealed class RealTimePacer(TimeSpan period) : IRoundPacer
{
    private long _roundStart;

    public long Overruns { get; private set; }

    public Func<bool>? BetweenRounds { get; set; }

    public void BeforeRound() => _roundStart = Stopwatch.GetTimestamp();

    public void AfterRound(CancellationToken stopping)
    {
        TimeSpan left = period - Stopwatch.GetElapsedTime(_roundStart);
        if (left <= TimeSpan.Zero)
        {
            Overruns++;
            return;
        }

        while (left > RoundPacing.WatchInterval && BetweenRounds is { } watch && watch())
        {
            if (stopping.WaitHandle.WaitOne(RoundPacing.WatchInterval))
            {
                return;
            }

            left = period - Stopwatch.GetElapsedTime(_roundStart);
        }

        if (left > TimeSpan.Zero)
        {
            stopping.WaitHandle.WaitOne(left);
        }
    }
}

/// <summary>
/// Simulation: simulated time idles to the end of the round period, then the thread sleeps so that
/// simulated time runs <c>speed</c> times faster than real time (speed 0: as fast as the CPU allows).
/// </summary>
public sealed class SimulatedPacer(SimulatedClock clock, TimeSpan period, double speed, Action<TimeSpan>? beforeRound = null) : IRoundPacer
{
    private readonly long _realStart = Stopwatch.GetTimestamp();
    private readonly TimeSpan _simStart = clock.Elapsed;
    private TimeSpan _roundStart;

    public Func<bool>? BetweenRounds { get; set; }

    public void BeforeRound()
    {
        _roundStart = clock.Elapsed;
        beforeRound?.Invoke(_roundStart);
    }

    public void AfterRound(CancellationToken stopping)
    {
        while (_roundStart + period - clock.Elapsed > RoundPacing.WatchInterval && BetweenRounds is { } watch && watch())
        {
            clock.Advance(RoundPacing.WatchInterval);
        }

        clock.Advance(_roundStart + period - clock.Elapsed);
        if (speed <= 0)
        {
            return;
        }

        TimeSpan due = (clock.Elapsed - _simStart) / speed;
        TimeSpan wait = due - Stopwatch.GetElapsedTime(_realStart);
        if (wait > TimeSpan.Zero)
        {
            stopping.WaitHandle.WaitOne(wait);
        }
    }
}
