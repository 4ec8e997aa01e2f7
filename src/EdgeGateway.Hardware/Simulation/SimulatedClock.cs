namespace EdgeGateway.Hardware.Simulation;

/// <summary>
/// The one clock of a simulated shed. Simulated time advances only when something on the bus takes
/// time (an SPI or I2C transfer advances it by its duration on the wire) or when the sampling loop
/// idles between rounds. Every waveform sample, every physical-model step and every protection
/// debounce reads this clock, so a simulated hour is the same hour whether it runs in real time,
/// sixty times faster, or as fast as the CPU allows in a test.
/// </summary>
/// <remarks>
/// One thread advances the clock (the sampling thread); any thread may read it.
/// Timers created through this provider run on real time (the base implementation): they are used
/// only for display refresh, never for protection.
/// <para>
/// Two times: <see cref="TrueNow"/> is the shed's real time, which the physical world follows (daily profiles,
/// collections, batteries); <see cref="GetUtcNow"/> is what the Pi's wall clock says, which a scenario can step
/// (<see cref="StepWall"/>) the way NTP's first synchronisation or a manual set does. Monotonic time
/// (<see cref="GetTimestamp"/>) never steps.
/// </para>
/// </remarks>
public sealed class SimulatedClock : TimeProvider
{
    private readonly DateTimeOffset _start;

    // Instants something must happen at exactly (a scenario's event, a telemetry period): when an advance crosses one,
    // time stops there, the action runs on the advancing thread, and time goes on. Ordered by instant, then by when scheduled.
    private readonly PriorityQueue<Action, (long Ticks, long Order)> _scheduled = new();
    private readonly Lock _scheduleLock = new();
    private readonly Lock _advanceLock = new();
    private long _scheduleOrder;
    private long _elapsedTicks;
    private long _wallOffsetTicks;
    private int _owner;

    public SimulatedClock(DateTimeOffset start) => _start = start;

    /// <summary>Simulated time since the simulation started.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref _elapsedTicks));

    public DateTimeOffset Start => _start;

    /// <summary>The shed's true time: what the physical model reads. A wrong wall clock on the Pi does not change the world.</summary>
    public DateTimeOffset TrueNow => _start + Elapsed;

    /// <summary>How far the wall clock is off true time (the sum of every step so far).</summary>
    public TimeSpan WallOffset => TimeSpan.FromTicks(Volatile.Read(ref _wallOffsetTicks));

    /// <summary>The Pi's wall clock: true time plus every step it has taken.</summary>
    public override DateTimeOffset GetUtcNow() => TrueNow + WallOffset;

    /// <summary>
    /// Steps the wall clock by <paramref name="by"/> (forward or backward), as NTP's step or a manual <c>date -s</c>
    /// does; monotonic time and the shed's true time run on unchanged.
    /// </summary>
    public void StepWall(TimeSpan by) => Interlocked.Add(ref _wallOffsetTicks, by.Ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Volatile.Read(ref _elapsedTicks);

    /// <summary>
    /// Makes the calling thread the only one whose bus transfers and idling move simulated time.
    /// The gateway samples ports and bins on two threads; on a real board their transfers overlap in
    /// time, so letting both add their durations would run the clock too fast — and would jump it in
    /// the middle of a port's mains-cycle measurement. Once owned, transfers on other threads take no
    /// simulated time of their own: they see time as the owner moves it.
    /// </summary>
    public void OwnAdvances() => Volatile.Write(ref _owner, Environment.CurrentManagedThreadId);

    /// <summary>No thread owns the clock any more (its sampling loop has ended, as at a power cut): any thread's advances count again.</summary>
    public void ReleaseAdvances() => Volatile.Write(ref _owner, 0);

    /// <summary>
    /// Runs <paramref name="action"/> when simulated time reaches <paramref name="at"/>: the advance that crosses it stops
    /// there, runs it on the advancing thread (in the middle of a bus transfer or of the idle end of a round, wherever
    /// the instant falls), then goes on. An instant already passed runs at the next advance. Actions at the same instant
    /// run in the order they were scheduled; an action may schedule another.
    /// </summary>
    public void ScheduleAt(TimeSpan at, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_scheduleLock)
        {
            _scheduled.Enqueue(action, (at.Ticks, _scheduleOrder++));
        }
    }

    /// <summary>Moves simulated time forward, stopping at every scheduled instant on the way. Negative spans are ignored: time never runs backwards.</summary>
    public void Advance(TimeSpan span)
    {
        int owner = Volatile.Read(ref _owner);
        if (owner != 0 && owner != Environment.CurrentManagedThreadId)
        {
            return;
        }

        AdvanceUnowned(span);
    }

    /// <summary>
    /// Moves simulated time forward on behalf of the owning thread while that thread waits on this one: a device behind
    /// an operating-system channel (a UART's far end on a pseudo-terminal) answers on its own thread while the gateway's
    /// sampling thread is blocked reading it, so the wire time of the request and the answer is the sampling thread's
    /// time, spent by the device before it answers. Only for request/response exchanges whose requester blocks until the
    /// answer: any other use would move the clock under the owner's feet.
    /// </summary>
    public void AdvanceWhileOwnerWaits(TimeSpan span) => AdvanceUnowned(span);

    /// <summary>
    /// Moves simulated time forward to the instant <paramref name="at"/> on behalf of the owning thread while it waits
    /// (as <see cref="AdvanceWhileOwnerWaits"/>); nothing when time is there already. Devices on channels of their own
    /// (the UARTs of a board) work at the same time: each asks for the instant its answer is due, the first moves time
    /// there, and the others find it reached, so wire times on two channels overlap instead of adding up.
    /// </summary>
    public void AdvanceWhileOwnerWaitsTo(TimeSpan at)
    {
        lock (_advanceLock)
        {
            AdvanceUnowned(at - Elapsed);
        }
    }

    private void AdvanceUnowned(TimeSpan span)
    {
        if (span.Ticks <= 0)
        {
            return;
        }

        // Two devices' threads may move time on while the owner waits on both (two UARTs): one advance at a time, so
        // each scheduled action runs once and time never passes an instant twice. (Re-entered by an action that advances.)
        lock (_advanceLock)
        {
            long remaining = span.Ticks;
            while (TakeDue(Volatile.Read(ref _elapsedTicks) + remaining) is { } due)
            {
                long step = Math.Max(0, due.Ticks - Volatile.Read(ref _elapsedTicks));
                Interlocked.Add(ref _elapsedTicks, step);
                remaining -= step;
                due.Action();
            }

            Interlocked.Add(ref _elapsedTicks, remaining);
        }
    }

    private (long Ticks, Action Action)? TakeDue(long until)
    {
        lock (_scheduleLock)
        {
            return _scheduled.TryPeek(out _, out (long Ticks, long Order) when) && when.Ticks <= until
                ? (when.Ticks, _scheduled.Dequeue())
                : null;
        }
    }

    /// <summary>Moves simulated time forward by a duration in seconds (bus transfers are microseconds).</summary>
    public void AdvanceSeconds(double seconds) => Advance(TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)));
}
