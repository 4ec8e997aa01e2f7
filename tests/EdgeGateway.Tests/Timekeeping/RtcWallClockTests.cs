using EdgeGateway.Hardware.Clock;
using EdgeGateway.Tests.Protection;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Tests.Timekeeping;

public sealed class RtcWallClockTests
{
    /// <summary>What fake-hwclock restored at boot: the time of the last shutdown, two days old.</summary>
    private static readonly DateTimeOffset SavedAtShutdown = new(2026, 12, 5, 1, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset TrueNow = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _monotonic = new(SavedAtShutdown);
    private readonly SteppableWallClock _system;
    private readonly SettableSync _sync = new();
    private readonly FakeRtc _rtc = new() { Time = TrueNow.AddSeconds(-2) }; // two seconds slow after a month on battery

    public RtcWallClockTests() => _system = new SteppableWallClock(_monotonic);

    [Fact]
    public void Unsynchronised_at_boot_the_wall_clock_is_the_rtc_and_the_monotonic_clock_the_system()
    {
        var clock = RtcWallClock.Start(_system, _sync, _rtc, out string report);

        Assert.True(clock.OnRtc);
        Assert.Equal(TrueNow.AddSeconds(-2), clock.GetUtcNow());
        Assert.Contains("RTC", report, StringComparison.Ordinal);
        _monotonic.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TrueNow.AddSeconds(-2).AddMinutes(5), clock.GetUtcNow());
        Assert.Equal(_system.GetTimestamp(), clock.GetTimestamp());
        Assert.Equal(0, _rtc.Writes);
    }

    [Fact]
    public void When_ntp_sets_the_system_clock_the_wall_clock_follows_and_the_rtc_is_written_back_once()
    {
        var clock = RtcWallClock.Start(_system, _sync, _rtc, out _);
        Assert.False(clock.WriteAfterSync(_sync, out _)); // not synchronised yet: nothing written

        _monotonic.Advance(TimeSpan.FromMinutes(1));
        _system.WallOffset = TrueNow - SavedAtShutdown; // NTP steps the system clock
        Assert.Equal(TrueNow.AddMinutes(1), clock.GetUtcNow());
        Assert.False(clock.OnRtc);

        _sync.Synchronized = true;
        Assert.True(clock.WriteAfterSync(_sync, out string? problem), problem);
        Assert.Equal(TrueNow.AddMinutes(1), _rtc.Time);
        Assert.False(clock.WriteAfterSync(_sync, out _));
        Assert.Equal(1, _rtc.Writes);
    }

    [Fact]
    public void A_failed_write_is_tried_again()
    {
        _sync.Synchronized = true;
        _rtc.Broken = true;
        var clock = RtcWallClock.Start(_system, _sync, _rtc, out string report);
        Assert.False(clock.OnRtc);
        Assert.Contains("not read", report, StringComparison.Ordinal);

        Assert.False(clock.WriteAfterSync(_sync, out string? problem));
        Assert.NotNull(problem);
        _rtc.Broken = false;
        Assert.True(clock.WriteAfterSync(_sync, out _));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void An_rtc_that_lost_its_time_or_was_never_set_is_not_used(bool lost, bool neverSet)
    {
        _rtc.Broken = lost;
        if (neverSet)
        {
            _rtc.Time = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        }

        var clock = RtcWallClock.Start(_system, _sync, _rtc, out string report);

        Assert.False(clock.OnRtc);
        Assert.Equal(SavedAtShutdown, clock.GetUtcNow());
        Assert.Contains("until NTP sets it", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_write_back_service_writes_the_rtc_once_the_clock_synchronises_and_never_waits_for_it()
    {
        var clock = RtcWallClock.Start(_system, _sync, _rtc, out string report);
        var timer = new FakeTimeProvider(TrueNow);
        var logs = new ListLogger();
        using var service = new RtcWriteBack(clock, _sync, report, timer, logs);

        await service.StartAsync(CancellationToken.None); // returns at once: nothing waits for the clock
        timer.Advance(RtcWriteBack.Period);
        Assert.Equal(0, _rtc.Writes);

        _sync.Synchronized = true;
        DateTime until = DateTime.UtcNow.AddSeconds(30);
        while (_rtc.Writes == 0 && DateTime.UtcNow < until)
        {
            timer.Advance(RtcWriteBack.Period);
            await Task.Delay(20);
        }

        await service.StopAsync(CancellationToken.None);
        Assert.Equal(1, _rtc.Writes);
        Assert.Contains(logs.Lines, line => line.Contains("stamps use the RTC", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains("written to the RTC", StringComparison.Ordinal));
    }

    private sealed class ListLogger : ILogger<RtcWriteBack>
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }

    private sealed class SettableSync : ClockSync
    {
        public bool Synchronized { get; set; }

        public override bool IsSynchronized() => Synchronized;
    }

    private sealed class FakeRtc : IRealTimeClock
    {
        public DateTimeOffset Time { get; set; }

        public bool Broken { get; set; }

        public int Writes { get; private set; }

        public bool TryRead(out DateTimeOffset utc, out string? problem)
        {
            utc = Time;
            problem = Broken ? "oscillator stopped" : null;
            return !Broken;
        }

        public bool TrySet(DateTimeOffset utc, out string? problem)
        {
            problem = Broken ? "not writable" : null;
            if (!Broken)
            {
                Time = utc;
                Writes++;
            }

            return !Broken;
        }
    }
}
