using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;
using Microsoft.Extensions.Time.Testing;
using UnitsNet;

namespace EdgeGateway.Tests.Protection;

/// <summary>One counter shared by the relay bank and the event sink, so a test can tell which came first.</summary>
internal sealed class Sequence
{
    public long Current { get; private set; }

    public long Next() => ++Current;
}

/// <summary>One attempt to drive a relay.</summary>
internal sealed record RelayWrite(long Sequence, int Port, bool Closed, bool Succeeded);

/// <summary>Remembers each port's commanded state and every write in order; can be told to fail writes for a port.</summary>
internal sealed class RecordingRelayBank(Sequence sequence, int portCount) : IRelayBank
{
    private readonly bool[] _closed = new bool[portCount];

    public List<RelayWrite> Writes { get; } = [];

    public HashSet<int> FailingPorts { get; } = [];

    public string FailureMessage { get; set; } = "i2c write to 0x20 not acknowledged";

    public bool IsClosed(int port) => _closed[port];

    public IReadOnlyList<RelayWrite> WritesAfter(long mark) => Writes.Where(w => w.Sequence > mark).ToArray();

    public bool TrySetClosed(int port, bool closed, out string? failure)
    {
        bool ok = !FailingPorts.Contains(port);
        Writes.Add(new RelayWrite(sequence.Next(), port, closed, ok));
        if (!ok)
        {
            failure = FailureMessage;
            return false;
        }

        _closed[port] = closed;
        failure = null;
        return true;
    }
}

/// <summary>One published event and its place in the shared sequence.</summary>
internal sealed record RecordedEvent(long Sequence, GatewayEvent Event);

/// <summary>Keeps every published event, in order.</summary>
internal sealed class RecordingEventSink(Sequence sequence) : IGatewayEventSink
{
    public List<RecordedEvent> Entries { get; } = [];

    public void Publish(GatewayEvent gatewayEvent) => Entries.Add(new RecordedEvent(sequence.Next(), gatewayEvent));

    public IReadOnlyList<T> All<T>()
        where T : GatewayEvent => Entries.Select(e => e.Event).OfType<T>().ToArray();

    public IReadOnlyList<T> After<T>(long mark)
        where T : GatewayEvent => Entries.Where(e => e.Sequence > mark).Select(e => e.Event).OfType<T>().ToArray();

    public IReadOnlyList<Alarm> Raised(AlarmKind kind) => All<AlarmRaised>().Select(r => r.Alarm).Where(a => a.Kind == kind).ToArray();

    public IReadOnlyList<AlarmCleared> Cleared(AlarmKind kind) => All<AlarmCleared>().Where(c => c.Alarm.Kind == kind).ToArray();

    public IReadOnlyList<ChargingSession> Sessions(string portId) => All<SessionClosed>().Select(c => c.Session).Where(s => s.PortId == portId).ToArray();

    public long SequenceOf(GatewayEvent gatewayEvent) => Entries.Single(e => ReferenceEquals(e.Event, gatewayEvent)).Sequence;
}

/// <summary>Measurements as a meter would produce them.</summary>
internal static class Meter
{
    public const double MainsV = 230;

    /// <summary>An AC measurement: <paramref name="watts"/> real power at <paramref name="powerFactor"/>.</summary>
    public static PortMeasurement Ac(double watts, double powerFactor = 0.6, double volts = MainsV, bool voltageEstimated = false)
    {
        double apparent = Math.Abs(watts) / powerFactor;
        double amps = apparent / volts;
        return new PortMeasurement(
            ElectricPotential.FromVolts(volts),
            ElectricCurrent.FromAmperes(amps),
            Power.FromWatts(watts),
            Power.FromWatts(apparent),
            amps > 0 ? powerFactor : null,
            ElectricCurrent.FromAmperes(amps * Math.Sqrt(2)),
            voltageEstimated);
    }

    /// <summary>A DC measurement (no power factor unless one is forced, to prove DC ports ignore it).</summary>
    public static PortMeasurement Dc(double watts, double volts = 48, double? powerFactor = null)
    {
        double amps = watts / volts;
        return new PortMeasurement(
            ElectricPotential.FromVolts(volts),
            ElectricCurrent.FromAmperes(amps),
            Power.FromWatts(watts),
            Power.FromWatts(watts),
            powerFactor,
            ElectricCurrent.FromAmperes(amps),
            false);
    }
}

/// <summary>
/// A clock whose wall time can be stepped while its monotonic time runs on, as a board's does when NTP first
/// synchronises. FakeTimeProvider derives its timestamps from its wall clock, so the step is kept here, outside it.
/// </summary>
internal sealed class SteppableWallClock(FakeTimeProvider monotonic) : TimeProvider
{
    public TimeSpan WallOffset { get; set; }

    public override DateTimeOffset GetUtcNow() => monotonic.GetUtcNow() + WallOffset;

    public override long GetTimestamp() => monotonic.GetTimestamp();

    public override long TimestampFrequency => monotonic.TimestampFrequency;
}

/// <summary>
/// A <see cref="ShedProtection"/> wired to a fake clock, a recording relay bank and a recording sink.
/// Ports are p1, p2, … at indexes 0, 1, …; the clock starts at <see cref="T0"/>.
/// </summary>
internal sealed class ShedHarness
{
    public static readonly DateTimeOffset T0 = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    public static readonly ShedSensorReadings Quiet = new(25, [], false, null, null);

    private readonly int[] _jitter;
    private readonly SteppableWallClock _clock;

    public ShedHarness(ShedProtectionSettings? shed = null, PortProtectionSettings? port = null, int ports = 3)
        : this(shed, Enumerable.Range(0, ports).Select(i => new PortProtectionPlan(Id(i), port ?? new PortProtectionSettings(), IsAc: true)).ToArray())
    {
    }

    public ShedHarness(ShedProtectionSettings? shed, IReadOnlyList<PortProtectionPlan> plans)
    {
        Sequence = new Sequence();
        Relays = new RecordingRelayBank(Sequence, plans.Count);
        Events = new RecordingEventSink(Sequence);
        Time = new FakeTimeProvider(T0);
        _clock = new SteppableWallClock(Time);
        _jitter = new int[plans.Count];
        Protection = new ShedProtection(shed ?? new ShedProtectionSettings(), plans, Relays, Events, _clock);
        Protection.ApplyConfiguration();
    }

    public Sequence Sequence { get; }

    public RecordingRelayBank Relays { get; }

    public RecordingEventSink Events { get; }

    public FakeTimeProvider Time { get; }

    public ShedProtection Protection { get; }

    /// <summary>The wall clock protection reads (its steps included).</summary>
    public DateTimeOffset Now => _clock.GetUtcNow();

    public static string Id(int index) => $"p{index + 1}";

    /// <summary>A point in the shared sequence: everything recorded later has a greater number.</summary>
    public long Mark() => Sequence.Current;

    public void Advance(TimeSpan by) => Time.Advance(by);

    /// <summary>Steps the wall clock only, as NTP's first synchronisation or a manual set does; monotonic time runs on.</summary>
    public void StepWallClock(TimeSpan by) => _clock.WallOffset += by;

    public CommandResult Send(PortCommand command)
    {
        Task<CommandResult> task = Protection.SubmitAsync(command);
        Assert.False(task.IsCompleted, "a command must wait for the sampling thread");
        Protection.ProcessCommands();
        Assert.True(task.IsCompletedSuccessfully, "ProcessCommands must complete the command");
        return task.GetAwaiter().GetResult();
    }

    public CommandResult Send(PortCommandKind kind, int index, string by = "operator:li", string? reason = null) =>
        Send(new PortCommand(kind, Id(index), by, reason));

    /// <summary>Starts a session and insists it was accepted.</summary>
    public void Start(int index, string by = "card:0042")
    {
        CommandResult result = Send(PortCommandKind.Start, index, by);
        Assert.True(result.Accepted, $"start of {Id(index)} refused: {result.Message}");
    }

    public void Measure(int index, MeterReading reading) => Protection.OnPortMeasured(index, reading);

    /// <summary>
    /// An AC reading of <paramref name="watts"/>. The voltage jitters by 0.5 V from one reading to the next,
    /// as live mains does (per port), so long runs of the same power are never mistaken for a stuck meter.
    /// </summary>
    public void Draw(int index, double watts, double powerFactor = 0.6) =>
        Measure(index, MeterReading.Ok(Meter.Ac(watts, powerFactor, Meter.MainsV + ((_jitter[index]++ % 2) * 0.5))));

    /// <summary>Steps the clock by <paramref name="step"/> and draws, until <paramref name="duration"/> has passed.</summary>
    public void DrawFor(int index, double watts, TimeSpan duration, TimeSpan step, double powerFactor = 0.6)
    {
        for (TimeSpan t = step; t <= duration; t += step)
        {
            Advance(step);
            Draw(index, watts, powerFactor);
        }
    }

    /// <summary>One sampling round: every port measured at the current time (in index order), then the round ends.</summary>
    public void Round(params double[] watts)
    {
        for (int i = 0; i < watts.Length; i++)
        {
            Draw(i, watts[i]);
        }

        Protection.OnRoundComplete();
    }

    public void Sensors(ShedSensorReadings readings) => Protection.OnShedSensors(readings);

    public void Temperature(double celsius) => Sensors(Quiet with { MaxTemperatureC = celsius });

    public void Smoke(bool active) => Sensors(Quiet with { Smoke = active });

    /// <summary>Ends a round and returns the fresh snapshot.</summary>
    public ShedSnapshot Snapshot()
    {
        Protection.OnRoundComplete();
        return Protection.Snapshot;
    }

    public PortSnapshot Port(int index) => Snapshot().Ports[index];

    public PortState State(int index) => Port(index).State;

    public IReadOnlyList<Alarm> ActiveAlarms() => Snapshot().ActiveAlarms;

    public Alarm? ActiveAlarm(AlarmKind kind, string source) =>
        ActiveAlarms().SingleOrDefault(a => a.Kind == kind && a.Source == source);

    public Alarm? PortAlarm(int index, AlarmKind kind) => ActiveAlarm(kind, "port:" + Id(index));

    public Alarm? ShedAlarm(AlarmKind kind, string source = "shed") => ActiveAlarm(kind, source);

    /// <summary>The sessions of a port that were closed, in order.</summary>
    public IReadOnlyList<ChargingSession> Sessions(int index) => Events.Sessions(Id(index));
}

/// <summary>
/// Protection formats numbers in alarm details with the current culture; tests that compare those texts
/// pin the invariant culture for their duration so they pass on any machine.
/// </summary>
internal sealed class InvariantCultureScope : IDisposable
{
    private readonly System.Globalization.CultureInfo _previous = System.Globalization.CultureInfo.CurrentCulture;

    public InvariantCultureScope() => System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;

    public void Dispose() => System.Globalization.CultureInfo.CurrentCulture = _previous;
}
