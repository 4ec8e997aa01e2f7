using EdgeGateway.Hardware.Clock;

namespace EdgeGateway.Timekeeping;

/// <summary>
/// The gateway's wall clock on a board with a battery-backed RTC: the system clock, except that from a start at which
/// the system clock is not synchronised until the system clock is set (NTP's step, a manual set), it is the RTC's time
/// — the system clock then only has what fake-hwclock saved, or 1970. Monotonic time is always the system's. Protection
/// does not care (it measures on monotonic time); stamps do, and the RTC's are close to true from the first message.
/// </summary>
/// <remarks>
/// When the system clock is set, the wall clock follows it at once: a step of (true − RTC) seen by the outbox, which
/// corrects what it has not sent. <see cref="WriteAfterSync"/> then writes the synchronised time back to the RTC, so
/// that the next boot starts from it.
/// </remarks>
public sealed class RtcWallClock : TimeProvider
{
    /// <summary>A change of the system's wall-minus-monotonic offset by this much means the system clock was set.</summary>
    private const long SystemStepMs = 1000;

    private readonly TimeProvider _system;
    private readonly IRealTimeClock _rtc;
    private readonly long _systemOffsetAtStart;
    private long _rtcOffsetTicks;
    private int _written;

    private RtcWallClock(TimeProvider system, IRealTimeClock rtc, TimeSpan rtcOffset)
    {
        _system = system;
        _rtc = rtc;
        _systemOffsetAtStart = SystemOffsetMs();
        _rtcOffsetTicks = rtcOffset.Ticks;
    }

    /// <summary>True while the wall clock is the RTC's time.</summary>
    public bool OnRtc => Volatile.Read(ref _rtcOffsetTicks) != 0;

    public override long TimestampFrequency => _system.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _system.LocalTimeZone;

    /// <summary>
    /// Reads the RTC at start when the system clock is not synchronised. A time that cannot be read, or one before
    /// 2020 (an RTC never set), is not used: the wall clock stays the system's, and <paramref name="report"/> says why.
    /// </summary>
    public static RtcWallClock Start(TimeProvider system, ClockSync sync, IRealTimeClock rtc, out string report)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(sync);
        ArgumentNullException.ThrowIfNull(rtc);
        if (sync.IsSynchronized())
        {
            report = "system clock synchronised: the RTC is not read";
            return new RtcWallClock(system, rtc, TimeSpan.Zero);
        }

        if (!rtc.TryRead(out DateTimeOffset rtcTime, out string? problem))
        {
            report = $"system clock not synchronised and the RTC not usable ({problem}): stamps use the system clock until NTP sets it";
            return new RtcWallClock(system, rtc, TimeSpan.Zero);
        }

        if (rtcTime.Year < 2020)
        {
            report = $"system clock not synchronised and the RTC reads {rtcTime:u}, never set: stamps use the system clock until NTP sets it";
            return new RtcWallClock(system, rtc, TimeSpan.Zero);
        }

        DateTimeOffset now = system.GetUtcNow();
        TimeSpan offset = rtcTime - now;
        report = $"system clock not synchronised: stamps use the RTC's time {rtcTime:u} (the system clock reads {now:u}) until NTP sets it";
        return new RtcWallClock(system, rtc, offset == TimeSpan.Zero ? TimeSpan.FromTicks(1) : offset);
    }

    public override DateTimeOffset GetUtcNow()
    {
        DateTimeOffset now = _system.GetUtcNow();
        long offset = Volatile.Read(ref _rtcOffsetTicks);
        if (offset == 0)
        {
            return now;
        }

        if (Math.Abs(SystemOffsetMs() - _systemOffsetAtStart) >= SystemStepMs)
        {
            // The system clock was set: it is the better clock from now on.
            Volatile.Write(ref _rtcOffsetTicks, 0);
            return now;
        }

        return now + TimeSpan.FromTicks(offset);
    }

    public override long GetTimestamp() => _system.GetTimestamp();

    /// <summary>
    /// Once the system clock is synchronised, writes its time to the RTC (once per run; call it periodically). Returns
    /// true when it wrote now; <paramref name="problem"/> is set when the write failed (it is tried again next call).
    /// </summary>
    public bool WriteAfterSync(ClockSync sync, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(sync);
        problem = null;
        if (Volatile.Read(ref _written) != 0 || !sync.IsSynchronized())
        {
            return false;
        }

        // Synchronised: the wall clock is the system's from here on, whatever the system-step check has seen.
        Volatile.Write(ref _rtcOffsetTicks, 0);
        if (!_rtc.TrySet(_system.GetUtcNow(), out problem))
        {
            return false;
        }

        Volatile.Write(ref _written, 1);
        return true;
    }

    private long SystemOffsetMs()
    {
        long ticks = _system.GetTimestamp();
        long frequency = _system.TimestampFrequency;
        long mono = (ticks / frequency * 1000) + (ticks % frequency * 1000 / frequency);
        return _system.GetUtcNow().ToUnixTimeMilliseconds() - mono;
    }
}
