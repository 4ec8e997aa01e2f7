using System.Collections.Concurrent;
using EdgeGateway.Alarms;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using static System.FormattableString;

namespace EdgeGateway.Protection;

/// <summary>
/// Every protection rule of a charging shed, as pure code: it is handed measurements, decides, drives
/// relays through <see cref="IRelayBank"/> and reports through <see cref="IGatewayEventSink"/>. It
/// never waits on a network, a disk or a logger, and reads time only from the injected
/// <see cref="TimeProvider"/>, so every rule is tested deterministically.
/// </summary>
/// <remarks>
/// <para>Threading: all methods except <see cref="SubmitAsync"/> and <see cref="Snapshot"/> run on the
/// sampling thread. Commands from other threads queue and are applied there, between measurements.</para>
/// <para>Every decision to open a relay is carried out before anything is reported about it.</para>
/// </remarks>
public sealed partial class ShedProtection
{
    private const string ShedSource = "shed";

    private readonly ConcurrentQueue<Action> _settingsUpdates = new();
    private ShedProtectionSettings _shed;
    private readonly ChargingPort[] _ports;
    private readonly Dictionary<string, ChargingPort> _byId;
    private readonly IRelayBank _relays;
    private readonly IGatewayEventSink _events;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ConcurrentQueue<PendingCommand> _commands = new();
    private readonly Dictionary<(AlarmKind Kind, string Source), Alarm> _shedAlarms = [];
    private readonly Dictionary<(AlarmKind Kind, string Source), TimeSpan> _clearingSince = [];
    private readonly AlarmFlapGuard _flaps;

    private TimeSpan? _shedOverloadSince;
    private int _smokeReads;
    private double? _temperatureC;
    private bool _smoke;
    private long _rounds;

    // Until the configuration is applied every relay is in an unknown state: nothing starts.
    private bool _configured;
    private volatile ShedSnapshot _snapshot = ShedSnapshot.Empty;

    public ShedProtection(ShedProtectionSettings shed, IReadOnlyList<PortProtectionPlan> ports, IRelayBank relays, IGatewayEventSink events, TimeProvider time)
    {
        _shed = shed;
        _ports = ports.Select((p, i) => new ChargingPort(i, p)).ToArray();
        _byId = _ports.ToDictionary(p => p.Id, StringComparer.Ordinal);
        _relays = relays;
        _events = events;
        _time = time;
        _origin = time.GetTimestamp();

        // Read at each decision, so a reloaded site file's policy applies from the next one.
        _flaps = new AlarmFlapGuard(kind => _shed.AlarmFlapping.For(kind));
    }

    /// <summary>The wall clock for stamps and monotonic time for durations, read together.</summary>
    private ProtectionInstant Now() => new(_time.GetUtcNow(), _time.GetElapsedTime(_origin));

    public int PortCount => _ports.Length;

    /// <summary>The picture at the end of the last round (any thread).</summary>
    public ShedSnapshot Snapshot => _snapshot;

    /// <summary>
    /// The short-circuit threshold the meter must apply on each sample of port <paramref name="index"/>.
    /// With the relay already open there is nothing to trip: the meter then measures the whole cycle,
    /// which tells a welded relay carrying fault current (relay_fault) from a CT input stuck at a rail
    /// (sensor fault) — a single sample cannot.
    /// </summary>
    public double ShortCircuitPeakAmps(int index)
    {
        ChargingPort port = _ports[index];
        return port.RelayClosed || port.RelayOpenPending ? port.Settings.ShortCircuitPeakA : double.PositiveInfinity;
    }

    /// <summary>
    /// The RMS current above which a charging port may be overloaded (its power limit over its last measured voltage;
    /// apparent power bounds real power from above), for the fault-current scan to ask for a measurement out of turn;
    /// +∞ without a session or while an overload there is already being debounced.
    /// </summary>
    public double OverloadSuspectAmps(int index)
    {
        ChargingPort port = _ports[index];
        if (!port.RelayClosed || port.Session is null || port.OverloadSince is not null)
        {
            return double.PositiveInfinity;
        }

        return OverloadCurrentA(port);
    }

    /// <summary>The port's power limit over its last measured voltage (220 V before one): the RMS current past which its apparent power is.</summary>
    private static double OverloadCurrentA(ChargingPort port)
    {
        // An AC port's supply is the shed's mains (220 V until a plausible reading); a DC port's is its pack, whose last
        // measured voltage is the one to divide by (a 48 V pack draws 4.6 times the current of 220 V for the same power).
        double volts = port.Last is { VoltageV: var v } && (port.IsAc ? v > 80 : v > 1) ? v : 220;
        return port.Settings.MaxPowerW / volts;
    }

    /// <summary>
    /// A port whose overload debounce has run out since it was last measured (its next measurement decides), or -1.
    /// <paramref name="leadOf"/> gives, per port, how long its measurement takes to come back (a BL0942's full packet,
    /// 52 ms on the wire): such a port is due that much earlier, so that its reading lands as the debounce runs out.
    /// </summary>
    public int OverloadDecisionDue(Func<int, TimeSpan>? leadOf = null)
    {
        TimeSpan now = Now().Elapsed;
        for (int i = 0; i < _ports.Length; i++)
        {
            ChargingPort port = _ports[i];
            TimeSpan lead = leadOf?.Invoke(i) ?? TimeSpan.Zero;
            if (port.OverloadSince is { } since && port.RelayClosed
                && now + lead - since >= port.Settings.OverloadDebounce
                && (port.OverloadPowerFreshAt is not { } fresh || now + lead >= fresh))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True while smoke or over-temperature keeps every port off.</summary>
    /// <summary>Whether the site file is applied (every relay driven to its known state); read from other threads,
    /// e.g. by the <c>upgrade</c> command, which waits for it.</summary>
    public bool ConfigurationApplied => Volatile.Read(ref _configured);

    public bool ShedLockedOut => HasShedAlarm(AlarmKind.Smoke) || HasShedAlarm(AlarmKind.OverTemperature);

    /// <summary>
    /// Puts every relay in its known (open) state and every port in its configured state; ports locked
    /// out before a restart (<paramref name="lockouts"/>, from <see cref="LockoutJournal"/>) stay locked
    /// out with their original alarm, which port_reset clears as usual.
    /// </summary>
    public void ApplyConfiguration(IEnumerable<Alarm>? lockouts = null)
    {
        ProtectionInstant now = Now();
        Volatile.Write(ref _configured, true);
        foreach (ChargingPort port in _ports)
        {
            OpenRelay(port, now);
            if (port.StartDisabled)
            {
                SetState(port, PortState.Disabled, "disabled in the site file", now);
            }
        }

        foreach (Alarm alarm in lockouts ?? [])
        {
            if (!alarm.Kind.LatchesUntilReset()
                || !alarm.Source.StartsWith("port:", StringComparison.Ordinal)
                || !_byId.TryGetValue(alarm.Source["port:".Length..], out ChargingPort? port))
            {
                continue;
            }

            port.Alarms[alarm.Kind] = alarm;
            port.Lockout = alarm.Kind;
            SetState(port, alarm.Kind == AlarmKind.RelayFault ? PortState.Fault : PortState.Disabled, Invariant($"still locked out: {alarm.Kind.WireName()} since {alarm.RaisedAt:O}"), now);
        }

        PublishSnapshot(now);
    }

    /// <summary>
    /// Queues new thresholds (a reloaded site file whose wiring did not change); the sampling thread
    /// applies them between measurements. Timers already running (a debounce, a hold) keep their start.
    /// </summary>
    public Task UpdateThresholdsAsync(ShedProtectionSettings shed, IReadOnlyDictionary<string, PortProtectionSettings> ports)
    {
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _settingsUpdates.Enqueue(() =>
        {
            _shed = shed;
            foreach (ChargingPort port in _ports)
            {
                if (ports.TryGetValue(port.Id, out PortProtectionSettings? settings))
                {
                    port.Settings = settings;
                }
            }

            applied.TrySetResult();
        });
        return applied.Task;
    }

    /// <summary>Applies one port's measurement: every port rule, then the shed's total.</summary>
    public void OnPortMeasured(int index, in MeterReading reading)
    {
        ProtectionInstant now = Now();
        ChargingPort port = _ports[index];
        port.LastMeasuredAt = now.Wall;

        if (port.RelayOpenPending)
        {
            OpenRelay(port, now);
        }

        switch (reading.Status)
        {
            case MeterReadStatus.ShortCircuit:
                OnShortCircuit(port, reading.Measurement, now);
                break;
            case MeterReadStatus.Fault:
                OnMeterFault(port, reading.Fault ?? "meter fault", now);
                break;
            default:
                OnMeasurement(port, reading.Measurement, now);
                break;
        }

        NoteResumeReading(port, reading.Status);
        CheckShedTotal(now);
    }

    /// <summary>Applies the shed-wide sensors (read once per round).</summary>
    public void OnShedSensors(in ShedSensorReadings readings)
    {
        ProtectionInstant now = Now();
        _shedSensorsRead = true;
        CheckSmoke(readings, now);
        CheckTemperature(readings, now);
        CheckSensorFaults(readings, now);
    }

    /// <summary>Ends a round: publishes the snapshot the live view and telemetry read.</summary>
    public void OnRoundComplete()
    {
        _rounds++;
        ProtectionInstant now = Now();
        EndSessionsPausedTooLong(now);
        EndSessionsHeldTooLongForClock(now);
        EndSessionsOutOfTime(now);
        CloseResumedRelays(now);
        SettleFlapping(now);
        ApplySupplyPolls(now);
        PublishSnapshot(now);
    }

    /// <summary>Opens every relay and closes every session (service stop).</summary>
    public void OpenAll(SessionEndReason reason)
    {
        ProtectionInstant now = Now();
        foreach (ChargingPort port in _ports)
        {
            OpenRelay(port, now);
            if (port.Session is not null)
            {
                EndSession(port, reason, now);
                SetState(port, PortState.Idle, reason.WireName(), now);
            }
        }

        PublishSnapshot(now);
    }

    private void OpenRelay(ChargingPort port, ProtectionInstant now)
    {
        if (_relays.TrySetClosed(port.Index, false, out string? error))
        {
            port.RelayClosed = false;
            port.RelayOpenPending = false;
            return;
        }

        // The write did not reach the relay. Keep treating the port as live (it may be), retry on
        // every measurement, say so loudly once, and lock the port out: a port whose relay cannot be
        // commanded is in fault until an operator resets it.
        port.RelayOpenPending = true;
        port.Lockout ??= AlarmKind.RelayFault;
        if (!port.Alarms.ContainsKey(AlarmKind.RelayFault))
        {
            RaisePortAlarm(port, AlarmKind.RelayFault, null, null, null, ReasonCatalogue.RelayOpenFailed(error ?? ""), now);
        }

        SetState(port, PortState.Fault, "relay write failed", now);
    }

    private void EndSession(ChargingPort port, SessionEndReason reason, ProtectionInstant now)
    {
        OpenSession? session = port.Session;
        if (session is null)
        {
            return;
        }

        port.Session = null;
        var closed = new ChargingSession(session.Id, port.Id, session.StartedAt, now.Wall, session.EnergyWh, session.PeakPowerW, reason);
        _events.Publish(new SessionClosed(now.Wall, WithOrder(closed, session.Order, now.Elapsed - session.StartedElapsed)));
    }

    private void SetState(ChargingPort port, PortState state, string reason, ProtectionInstant now)
    {
        // A port whose relay cannot be trusted never looks available, whatever ended its session.
        if (port.Lockout == AlarmKind.RelayFault && state is PortState.Idle or PortState.Complete or PortState.Charging)
        {
            state = PortState.Fault;
        }

        if (port.State == state)
        {
            return;
        }

        PortState from = port.State;
        port.State = state;
        _events.Publish(new PortStateChanged(now.Wall, port.Id, from, state, reason, SnapshotOf(port, asDecided: true)));
    }

    /// <summary>
    /// The port for the live view and telemetry. The periodic picture shows no power through an open relay (what a
    /// meter reads there is noise or a leak, reported as a relay fault); <paramref name="asDecided"/> keeps the power
    /// of the last reading, the one a cut was decided on, so the state change that cuts an overload carries it.
    /// </summary>
    private static PortSnapshot SnapshotOf(ChargingPort p, bool asDecided)
    {
        PortMeasurement? m = p.Last;
        return new PortSnapshot(
            p.Id,
            p.State,
            p.RelayClosed,
            m?.VoltageV,
            m?.CurrentA,
            m is { } mm ? (p.RelayClosed || asDecided ? mm.RealPowerW : 0) : null,
            m?.PowerFactor,
            p.Session?.StartedAt,
            p.Session?.EnergyWh ?? 0,
            p.LifetimeEnergyWh,
            p.LastMeasuredAt,
            p.Fault,
            p.Lockout?.WireName())
        {
            SessionId = p.Session?.Id,
            SessionPeakPowerW = p.Session?.PeakPowerW ?? 0,
            ShapeResidual = m?.ShapeResidual,
            SessionOrder = p.Session?.Order,
            SessionCostFen = p.Session?.CostFen,
            FaultCode = p.FaultCode,
        };
    }

    private void PublishSnapshot(ProtectionInstant now)
    {
        var ports = new PortSnapshot[_ports.Length];
        double total = 0;
        var alarms = new List<Alarm>(_shedAlarms.Values);
        for (int i = 0; i < _ports.Length; i++)
        {
            ChargingPort p = _ports[i];
            PortMeasurement? m = p.Last;
            total += p.PowerW;
            alarms.AddRange(p.Alarms.Values);
            ports[i] = SnapshotOf(p, asDecided: false);
        }

        // A flapping alarm whose condition is away is still raised for everyone who reads the snapshot.
        foreach (Alarm held in _flaps.Held)
        {
            if (!alarms.Exists(a => a.Id == held.Id))
            {
                alarms.Add(held);
            }
        }

        alarms.Sort((a, b) => b.RaisedAt.CompareTo(a.RaisedAt));
        _snapshot = new ShedSnapshot(now.Wall, ports, total, _temperatureC, _smoke, alarms, _rounds) { Supply = SupplyNow() };
    }
}
