using EdgeGateway.Bins;
using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.ShedSensors;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Protection;
using EdgeGateway.Sampling;
using EdgeGateway.Simulation;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// Everything a running shed is made of, composed once: the clock, the board (real or simulated),
/// protection and the sampler. Creating it brings the board up and drives every relay open, so by
/// the time anything else starts the relays are in a known state.
/// </summary>
public sealed class ShedRuntime : IDisposable, Messaging.ILinkedShed
{
    private int _shutDown;
    private long _powerCutTicks = -1;

    private ShedRuntime(SiteConfiguration site, TimeProvider time, ShedBoard board, ShedProtection protection, ShedSampler sampler, IRoundPacer pacer, SimulatedShed? simulation, ScenarioPlayer? player)
    {
        Site = site;
        Time = time;
        Board = board;
        Protection = protection;
        Sampler = sampler;
        Pacer = pacer;
        Simulation = simulation;
        Scenario = player;
    }

    public SiteConfiguration Site { get; }

    public TimeProvider Time { get; }

    public ShedBoard Board { get; }

    public ShedProtection Protection { get; }

    public ShedSampler Sampler { get; }

    public IRoundPacer Pacer { get; }

    public SimulatedShed? Simulation { get; }

    public ScenarioPlayer? Scenario { get; }

    /// <summary>A simulated shed's clock (telemetry falls due on it); null on a board.</summary>
    public SimulatedClock? ShedClock => Simulation?.Clock;

    /// <summary>The monotonic reading (<see cref="TimeProvider.GetTimestamp"/>) the run's <c>--duration</c> counts from: this start on a board; the scenario's start in simulation, whatever lives it has.</summary>
    public long RunOrigin { get; private init; }

    /// <summary>
    /// Set when a scenario's power cut ended this life (the outage it lasts); null while the shed has mains. The gateway
    /// is then gone: the sampling loop ends without a word to protection, and nothing is written that a power cut would
    /// not write (no session end or suspension, no journal save, no final status; the broker publishes the will).
    /// </summary>
    public TimeSpan? PowerCut => Interlocked.Read(ref _powerCutTicks) is >= 0 and var ticks ? TimeSpan.FromTicks(ticks) : null;

    public bool PowerLost => PowerCut is not null;

    private double SimulationSpeed { get; set; }

    /// <summary>The machine's boot, which the session journal stamps its writes with (<see cref="BootClock.None"/> in simulation).</summary>
    public BootClock Boot { get; private init; } = BootClock.None;

    /// <summary>The site's bins, if it has any.</summary>
    public RecyclingStation? Station { get; private init; }

    /// <summary>Samples the bins (on the bin sampling thread), if the site has any.</summary>
    public BinSampler? Bins { get; private init; }

    /// <summary>Brings up the board's real buses. Throws <see cref="BoardException"/> naming the part that failed.</summary>
    /// <param name="site">The site file.</param>
    /// <param name="events">Where protection's events go.</param>
    /// <param name="lockouts">Lockouts that outlived the last run.</param>
    /// <param name="sessions">Sessions the journal held when the gateway went down (resumed or closed at start).</param>
    /// <param name="wallClock">The clock (null: the system's); an <see cref="Timekeeping.RtcWallClock"/> when the board has an RTC. Durations are measured on its monotonic time either way.</param>
    /// <param name="wallClockTrusted">Whether the wall clock is synchronised or set from the RTC; if not, an outage across a reboot cannot be measured yet, and the journalled sessions of another boot wait, relays open, for the clock to synchronise (<see cref="ShedProtection.ResumeSessions"/>).</param>
    public static ShedRuntime OnHardware(SiteConfiguration site, IGatewayEventSink events, IReadOnlyList<Alarm>? lockouts = null, IReadOnlyList<JournalledSession>? sessions = null, TimeProvider? wallClock = null, bool wallClockTrusted = true)
    {
        TimeProvider time = wallClock ?? TimeProvider.System;
        var board = ShedBoard.Create(site, new LinuxBoardBuses(site.Board), Ds18b20, time: time);
        return Compose(site, time, board, events, new RealTimePacer(site.Sampling.RoundPeriod), null, null, lockouts, sessions, wallClockTrusted);
    }

    /// <summary>Builds a simulated shed from the site file and runs the scenario on it.</summary>
    public static ShedRuntime Simulated(SiteConfiguration site, Scenario scenario, double speed, IGatewayEventSink events, IReadOnlyList<Alarm>? lockouts = null, IReadOnlyList<JournalledSession>? sessions = null)
    {
        var clock = new SimulatedClock(scenario.Start);
        var shed = new SimulatedShed(site, clock, scenario.Seed);
        var board = ShedBoard.Create(site, shed.Buses, shed.ThermometerFor, time: clock);
        var player = new ScenarioPlayer(scenario, shed);
        var pacer = new SimulatedPacer(clock, SimulatedRoundPeriod(site), speed, player.Apply);
        ShedRuntime runtime = Compose(site, clock, board, events, pacer, shed, player, lockouts, sessions);
        runtime.SimulationSpeed = speed;
        player.Connect(runtime.Protection);
        player.PowerCut = runtime.CutPower;
        return runtime;
    }

    /// <summary>
    /// The gateway's next life after a scenario's power cut ended <paramref name="poweredOff"/> and the outage has passed
    /// (<see cref="RestorePower"/>): the same physical shed and scenario, its chips and board powered up again, and
    /// protection composed from what the data directory kept (<paramref name="lockouts"/>, <paramref name="sessions"/>),
    /// exactly as a start does.
    /// </summary>
    public static ShedRuntime PoweredUpAgain(ShedRuntime poweredOff, IGatewayEventSink events, IReadOnlyList<Alarm>? lockouts, IReadOnlyList<JournalledSession>? sessions)
    {
        ArgumentNullException.ThrowIfNull(poweredOff);
        if (poweredOff.Simulation is not { } before || poweredOff.Scenario is not { } player || !poweredOff.PowerLost)
        {
            throw new InvalidOperationException("only a simulated shed whose power was cut powers up again");
        }

        var shed = new SimulatedShed(before, player.Seed);
        var board = ShedBoard.Create(poweredOff.Site, shed.Buses, shed.ThermometerFor, time: shed.Clock);
        var pacer = new SimulatedPacer(shed.Clock, SimulatedRoundPeriod(poweredOff.Site), poweredOff.SimulationSpeed, player.Apply);
        ShedRuntime runtime = Compose(poweredOff.Site, shed.Clock, board, events, pacer, shed, player, lockouts, sessions);
        runtime.SimulationSpeed = poweredOff.SimulationSpeed;
        player.PoweredUpAgain(shed, runtime.Protection);
        player.PowerCut = runtime.CutPower;
        return runtime;
    }

    /// <summary>
    /// Lets the outage of this life's power cut pass: simulated time moves on by it with the mains off (nothing draws,
    /// batteries keep their charge, loads stay plugged in) and the scenario's events inside it play at their times, then
    /// the mains come back. Call once this life has stopped,
    /// on the thread that composes the next one.
    /// </summary>
    public void RestorePower()
    {
        if (Simulation is not { } shed || PowerCut is not { } outage)
        {
            throw new InvalidOperationException("the power was not cut");
        }

        // This life's sampling loop, which owned the clock, is gone; the next life's takes it over when it starts.
        shed.Clock.ReleaseAdvances();
        SimulatedClock clock = shed.Clock;
        void AdvanceTo(TimeSpan at)
        {
            clock.Advance(at - clock.Elapsed);
            shed.Model.AdvanceTo(clock.Elapsed);
        }

        if (Scenario is { } player)
        {
            player.PlayWhilePoweredOff(clock.Elapsed + outage, AdvanceTo);
        }
        else
        {
            AdvanceTo(clock.Elapsed + outage);
        }

        shed.PowerOn();
    }

    /// <summary>A scenario's power cut (on the sampling thread): the coils drop at once; the loop sees <see cref="PowerLost"/> and ends.</summary>
    private void CutPower(TimeSpan outage)
    {
        Simulation?.PowerOff();
        Interlocked.Exchange(ref _powerCutTicks, outage.Ticks);
    }

    /// <summary>
    /// The ports' loop also drives a simulated shed's clock. A site without ports has nothing to measure
    /// in a round, so its clock moves in ten-second steps: at 1440× half-second rounds would wake the
    /// thread every 0.35 ms and steal the CPU from the bin thread's real-time ultrasonic pings.
    /// </summary>
    private static TimeSpan SimulatedRoundPeriod(SiteConfiguration site) =>
        site.Ports.Count > 0 ? site.Sampling.RoundPeriod : TimeSpan.FromSeconds(10);

    /// <summary>A DS18B20 on the Pi's w1-gpio bus master (the kernel names the first one w1_bus_master1).</summary>
    public static IShedThermometer Ds18b20(ThermometerDefinition thermometer) => new Ds18b20Thermometer(thermometer.Id, "w1_bus_master1", thermometer.DeviceId);

    private static ShedRuntime Compose(SiteConfiguration site, TimeProvider time, ShedBoard board, IGatewayEventSink events, IRoundPacer pacer, SimulatedShed? shed, ScenarioPlayer? player, IReadOnlyList<Alarm>? lockouts, IReadOnlyList<JournalledSession>? sessions, bool wallClockTrusted = true)
    {
        var protection = new ShedProtection(site.ShedProtection, PortProtectionPlan.From(site), board, events, time);
        protection.ApplyConfiguration(lockouts);

        // A simulated shed is its own machine: its outages are measured on its own clock, never on the host's boot.
        BootClock boot = shed is null ? BootClock.OfThisMachine() : BootClock.None;
        protection.ResumeSessions((sessions ?? []).Select(s => (s, SessionJournal.OutageOf(s, time.GetUtcNow(), boot, wallClockTrusted))), outageAwaitsClock: !wallClockTrusted);
        var sampler = new ShedSampler(board, protection, time, site.Sampling.TemperaturePeriod);
        pacer.BetweenRounds = sampler.WatchBetweenRounds;
        RecyclingStation? station = site.Bins.Count > 0 ? new RecyclingStation(site.Bins, events) : null;
        return new ShedRuntime(site, time, board, protection, sampler, pacer, shed, player)
        {
            // A simulated run counts from its scenario's start (the clock's zero), across every life a power cut gives it.
            RunOrigin = shed is null ? time.GetTimestamp() : 0,
            Boot = boot,
            Station = station,
            Bins = station is null ? null : new BinSampler(board.Bins, station, time, site.BinSampling.ReadingsPerSample),
        };
    }

    /// <summary>
    /// Opens every relay at the end of a run. With <c>resumeAfterRestart</c> on, open sessions are suspended rather than
    /// closed (the session journal keeps them, and a restart within the window carries them on); with it off they are
    /// closed as <see cref="SessionEndReason.Shutdown"/>.
    /// </summary>
    public void StopProtection()
    {
        if (Site.ShedProtection.ResumeAfterRestart)
        {
            Protection.SuspendAll();
        }
        else
        {
            Protection.OpenAll(SessionEndReason.Shutdown);
        }
    }

    /// <summary>
    /// The end of a run on the shed. First every relay is opened and every session closed or suspended (<see cref="StopProtection"/>); then the board is released,
    /// part by part. Never throws: if protection cannot open the relays, each relay is driven open directly; a part that
    /// throws while being released is logged to <paramref name="logger"/> (to standard error without one) and the next
    /// part is released all the same. Once the relays are open, nothing a disposer throws matters to the shed, so it
    /// must not decide how the run ends. Only the first call does anything.
    /// </summary>
    public void Shutdown(ILogger? logger)
    {
        if (Interlocked.Exchange(ref _shutDown, 1) != 0)
        {
            return;
        }

        logger ??= StandardErrorLogger.Instance;
        try
        {
            // After a power cut there is no gateway left to decide anything: the coils already dropped with the mains.
            if (!PowerLost)
            {
                StopProtection();
            }
        }
#pragma warning disable CA1031 // the relays are opened whatever protection throws
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ShutdownLog.OpenAllFailed(logger, ex);
            foreach (string relay in Board.DriveEveryRelayOpen())
            {
                ShutdownLog.RelayNotOpened(logger, relay);
            }
        }

        foreach (PartReleaseFailure failure in Board.Release())
        {
            ShutdownLog.ReleaseFailed(logger, failure.Part, failure.Exception);
        }
    }

    /// <summary><see cref="Shutdown"/> without a logger: what a part throws while being released goes to standard error.</summary>
    public void Dispose() => Shutdown(null);
}

/// <summary>What <see cref="ShedRuntime.Shutdown"/> says when the end of a run does not go cleanly.</summary>
internal static partial class ShutdownLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Opening every relay through protection failed at shutdown; driving each relay open directly")]
    public static partial void OpenAllFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Relay NOT opened at shutdown: {Relay}")]
    public static partial void RelayNotOpened(ILogger logger, string relay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing {Part} at shutdown failed; the rest of the board was released all the same")]
    public static partial void ReleaseFailed(ILogger logger, string part, Exception exception);
}

/// <summary>Where <see cref="ShedRuntime.Shutdown"/> reports when it is given no logger (outside a host).</summary>
internal sealed class StandardErrorLogger : ILogger
{
    public static readonly StandardErrorLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.Error.WriteLine($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : $": {Describe(exception)}")}");
        }
    }

    /// <summary>The exception and, when it wraps others, the innermost one (where it went wrong) with its top frame.</summary>
    private static string Describe(Exception exception)
    {
        Exception innermost = exception.GetBaseException();
        string text = $"{exception.GetType().Name}: {exception.Message}";
        if (!ReferenceEquals(innermost, exception))
        {
            string? frame = innermost.StackTrace?.Split('\n', 2)[0].Trim();
            text += $" (innermost: {innermost.GetType().Name}: {innermost.Message}{(frame is null ? "" : $" {frame}")})";
        }

        return text;
    }
}

/// <summary>Writes to two loggers (the host's and standard error, when the live table no longer shows the host's).</summary>
internal sealed class BothLoggers(ILogger first, ILogger second) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => first.IsEnabled(logLevel) || second.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        first.Log(logLevel, eventId, state, exception, formatter);
        second.Log(logLevel, eventId, state, exception, formatter);
    }
}
