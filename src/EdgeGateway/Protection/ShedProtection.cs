using System.Collections.Concurrent;
using static System.FormattableString;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;

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
public sealed class ShedProtection
{
    private const string ShedSource = "shed";

    private readonly ConcurrentQueue<Action> _settingsUpdates = new();
    private ShedProtectionSettings _shed;
    private readonly ChargingPort[] _ports;
    private readonly Dictionary<string, ChargingPort> _byId;
    private readonly IRelayBank _relays;
    private readonly IGatewayEventSink _events;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<PendingCommand> _commands = new();
    private readonly Dictionary<(AlarmKind Kind, string Source), Alarm> _shedAlarms = [];
    private readonly Dictionary<(AlarmKind Kind, string Source), DateTimeOffset> _clearingSince = [];

    private DateTimeOffset? _shedOverloadSince;
    private int _smokeReads;
    private double? _temperatureC;
    private bool _smoke;
    private long _rounds;
    private volatile ShedSnapshot _snapshot = ShedSnapshot.Empty;

    public ShedProtection(ShedProtectionSettings shed, IReadOnlyList<PortProtectionPlan> ports, IRelayBank relays, IGatewayEventSink events, TimeProvider time)
    {
        _shed = shed;
        _ports = ports.Select((p, i) => new ChargingPort(i, p)).ToArray();
        _byId = _ports.ToDictionary(p => p.Id, StringComparer.Ordinal);
        _relays = relays;
        _events = events;
        _time = time;
    }

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

    /// <summary>True while smoke or over-temperature keeps every port off.</summary>
    public bool ShedLockedOut => HasShedAlarm(AlarmKind.Smoke) || HasShedAlarm(AlarmKind.OverTemperature);

    /// <summary>
    /// Puts every relay in its known (open) state and every port in its configured state; ports locked
    /// out before a restart (<paramref name="lockouts"/>, from <see cref="LockoutJournal"/>) stay locked
    /// out with their original alarm, which port_reset clears as usual.
    /// </summary>
    public void ApplyConfiguration(IEnumerable<Alarm>? lockouts = null)
    {
        DateTimeOffset now = _time.GetUtcNow();
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

    /// <summary>Queues a command from any thread; it completes once the sampling thread has applied or refused it.</summary>
    public Task<CommandResult> SubmitAsync(PortCommand command)
    {
        var pending = new PendingCommand(command, new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _commands.Enqueue(pending);
        return pending.Completion.Task;
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

    /// <summary>Applies queued commands. Called by the sampling loop between measurements.</summary>
    public void ProcessCommands()
    {
        while (_settingsUpdates.TryDequeue(out Action? update))
        {
            update();
        }

        while (_commands.TryDequeue(out PendingCommand? pending))
        {
            DateTimeOffset now = _time.GetUtcNow();
            CommandResult result = Execute(pending.Command, now);
            _events.Publish(new CommandHandled(now, pending.Command, result));
            pending.Completion.TrySetResult(result);
        }
    }

    /// <summary>Applies one port's measurement: every port rule, then the shed's total.</summary>
    public void OnPortMeasured(int index, in MeterReading reading)
    {
        DateTimeOffset now = _time.GetUtcNow();
        ChargingPort port = _ports[index];
        port.LastMeasuredAt = now;

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

        CheckShedTotal(now);
    }

    /// <summary>Applies the shed-wide sensors (read once per round).</summary>
    public void OnShedSensors(in ShedSensorReadings readings)
    {
        DateTimeOffset now = _time.GetUtcNow();
        CheckSmoke(readings, now);
        CheckTemperature(readings, now);
        CheckSensorFaults(readings, now);
    }

    /// <summary>Ends a round: publishes the snapshot the live view and telemetry read.</summary>
    public void OnRoundComplete()
    {
        _rounds++;
        PublishSnapshot(_time.GetUtcNow());
    }

    /// <summary>Opens every relay and closes every session (service stop).</summary>
    public void OpenAll(SessionEndReason reason)
    {
        DateTimeOffset now = _time.GetUtcNow();
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

    private void OnShortCircuit(ChargingPort port, in PortMeasurement measurement, DateTimeOffset now)
    {
        port.Last = measurement;
        double peak = measurement.PeakCurrentA;
        if (port.RelayClosed)
        {
            Trip(port, SessionEndReason.ShortCircuit, AlarmKind.PortShortCircuit, peak, port.Settings.ShortCircuitPeakA, "A",
                Invariant($"instantaneous current {peak:0.0} A ≥ {port.Settings.ShortCircuitPeakA:0.0} A; relay opened on that sample"), now);
            return;
        }

        // Fault current through a relay commanded open: the contacts are welded.
        RelayDidNotObey(port, peak, now);
    }

    private void OnMeterFault(ChargingPort port, string fault, DateTimeOffset now)
    {
        port.Fault = fault;
        port.HealthySince = null;
        port.ConsecutiveFaults++;
        if (port.ConsecutiveFaults >= port.Settings.SensorFaultReads)
        {
            EnterSensorFault(port, fault, now);
        }
    }

    private void EnterSensorFault(ChargingPort port, string fault, DateTimeOffset now)
    {
        port.Fault = fault;
        port.HealthySince = null;
        if (port.Alarms.ContainsKey(AlarmKind.PortSensorFault))
        {
            return;
        }

        // A port that cannot be metered cannot be protected: it goes off until its meter reads again.
        OpenRelay(port, now);
        if (port.Session is not null)
        {
            EndSession(port, SessionEndReason.SensorFault, now);
        }

        if (port.State is not PortState.Disabled)
        {
            SetState(port, PortState.Fault, fault, now);
        }

        RaisePortAlarm(port, AlarmKind.PortSensorFault, null, null, null, fault, now);
    }

    private void OnMeasurement(ChargingPort port, in PortMeasurement m, DateTimeOffset now)
    {
        if (!IsPlausible(port, m, out string? implausible))
        {
            OnMeterFault(port, implausible, now);
            return;
        }

        if (IsStuck(port, m))
        {
            // StuckReadings identical readings are already the confirmation: no further count.
            EnterSensorFault(port, Invariant($"meter stuck: {port.Settings.StuckReadings} identical readings ({m.VoltageV:0.00} V, {m.CurrentA:0.000} A)"), now);
            return;
        }

        port.Last = m;
        port.ConsecutiveFaults = 0;
        RecoverFromSensorFault(port, now);

        // No session means the relay is (or was commanded) open — including a relay whose open
        // command has not reached it yet (RelayOpenPending): current there is a relay fault.
        if (!port.RelayClosed || port.Session is null)
        {
            CheckRelayLeak(port, m, now);
            return;
        }

        port.RelayLeakReads = 0;
        OpenSession session = port.Session!;
        double watts = m.RealPowerW;
        Accumulate(port, session, watts, now);

        if (CheckOverload(port, watts, now) || CheckMaliciousLoad(port, m, watts, now))
        {
            return;
        }

        if (now - session.StartedAt >= port.Settings.MaxSession)
        {
            EndSessionAndIdle(port, SessionEndReason.MaxDuration, AlarmKind.PortMaxDuration, (now - session.StartedAt).TotalHours, port.Settings.MaxSession.TotalHours, "h",
                Invariant($"session reached the maximum length of {port.Settings.MaxSession.TotalHours:0.##} h"), now);
            return;
        }

        CheckEndOfCharge(port, session, watts, now);
    }

    private static bool IsPlausible(ChargingPort port, in PortMeasurement m, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? why)
    {
        double pf = m.PowerFactor ?? 1;
        if (m.RealPowerW < -port.Settings.NoLoadW * 4)
        {
            why = Invariant($"negative power {m.RealPowerW:0} W (current transformer reversed?)");
            return false;
        }

        if (port.IsAc && !m.VoltageEstimated && (m.VoltageV > 300 || m.VoltageV < 80))
        {
            why = Invariant($"impossible mains voltage {m.VoltageV:0} V");
            return false;
        }

        if (pf > 1.0001 || double.IsNaN(m.RealPowerW))
        {
            why = "impossible power factor";
            return false;
        }

        why = null;
        return true;
    }

    /// <summary>Live readings always jitter; the same non-zero reading many times running is a frozen meter.</summary>
    private static bool IsStuck(ChargingPort port, in PortMeasurement m)
    {
        if (port.Last is { } last && m.CurrentA > 0 && last.CurrentA == m.CurrentA && last.VoltageV == m.VoltageV)
        {
            port.IdenticalReadings++;
        }
        else
        {
            port.IdenticalReadings = 0;
        }

        return port.IdenticalReadings + 1 >= port.Settings.StuckReadings;
    }

    private void RecoverFromSensorFault(ChargingPort port, DateTimeOffset now)
    {
        if (!port.Alarms.ContainsKey(AlarmKind.PortSensorFault))
        {
            port.Fault = null;
            return;
        }

        port.HealthySince ??= now;
        if (now - port.HealthySince < _shed.AlarmClearAfter)
        {
            return;
        }

        port.Fault = null;
        ClearPortAlarm(port, AlarmKind.PortSensorFault, "meter reads again", now);
        if (port.State == PortState.Fault)
        {
            SetState(port, PortState.Idle, "meter reads again", now);
        }
    }

    private void CheckRelayLeak(ChargingPort port, in PortMeasurement m, DateTimeOffset now)
    {
        // The relay releases within milliseconds; current in two measurements running means it did not.
        if (m.CurrentA > port.Settings.RelayFaultCurrentA)
        {
            port.RelayLeakReads++;
            if (port.RelayLeakReads >= 2)
            {
                RelayDidNotObey(port, m.CurrentA, now);
            }
        }
        else
        {
            port.RelayLeakReads = 0;
        }
    }

    private void RelayDidNotObey(ChargingPort port, double amps, DateTimeOffset now)
    {
        if (port.Alarms.ContainsKey(AlarmKind.RelayFault))
        {
            return;
        }

        // Keep commanding open: a sticking contact sometimes releases on a later attempt.
        OpenRelay(port, now);
        if (port.Session is not null)
        {
            EndSession(port, SessionEndReason.RelayFault, now);
        }

        port.Lockout = AlarmKind.RelayFault;
        SetState(port, PortState.Fault, "relay does not obey", now);
        RaisePortAlarm(port, AlarmKind.RelayFault, amps, port.Settings.RelayFaultCurrentA, "A",
            Invariant($"{amps:0.00} A flows through a relay commanded open (welded contacts?)"), now);
    }

    private static void Accumulate(ChargingPort port, OpenSession session, double watts, DateTimeOffset now)
    {
        double hours = (now - session.LastAt).TotalHours;
        double wh = Math.Max(watts, 0) * hours;
        session.EnergyWh += wh;
        port.LifetimeEnergyWh += wh;
        session.PeakPowerW = Math.Max(session.PeakPowerW, watts);
        session.LastAt = now;
    }

    private bool CheckOverload(ChargingPort port, double watts, DateTimeOffset now)
    {
        if (watts <= port.Settings.MaxPowerW)
        {
            port.OverloadSince = null;
            return false;
        }

        port.OverloadSince ??= now;
        if (now - port.OverloadSince < port.Settings.OverloadDebounce)
        {
            return false;
        }

        Trip(port, SessionEndReason.Overload, AlarmKind.PortOverload, watts, port.Settings.MaxPowerW, "W",
            Invariant($"{watts:0} W above the {port.Settings.MaxPowerW:0} W limit for {(now - port.OverloadSince.Value).TotalMilliseconds:0} ms"), now);
        return true;
    }

    private bool CheckMaliciousLoad(ChargingPort port, in PortMeasurement m, double watts, DateTimeOffset now)
    {
        PortProtectionSettings s = port.Settings;
        if (!port.IsAc || m.PowerFactor is not { } pf || pf < s.MaliciousMinPowerFactor || watts < s.MaliciousMinPowerW)
        {
            port.Malicious.Reset();
            return false;
        }

        port.Malicious.Add(now, watts);
        if (port.Malicious.Variation > s.MaliciousMaxVariation)
        {
            // Not flat: start the window again from this reading.
            port.Malicious.Reset();
            port.Malicious.Add(now, watts);
            return false;
        }

        if (now - port.Malicious.Since < s.MaliciousWindow)
        {
            return false;
        }

        Trip(port, SessionEndReason.MaliciousLoad, AlarmKind.PortMaliciousLoad, pf, s.MaliciousMinPowerFactor, null,
            Invariant($"resistive load (恶意负载): power factor {pf:0.000}, {port.Malicious.MeanW:0} W flat within {port.Malicious.Variation:P1} for {s.MaliciousWindow.TotalSeconds:0} s"), now);
        return true;
    }

    private void CheckEndOfCharge(ChargingPort port, OpenSession session, double watts, DateTimeOffset now)
    {
        PortProtectionSettings s = port.Settings;
        if (watts <= s.NoLoadW)
        {
            if (session.LowSince is not null)
            {
                // The charger tapered through its tail and then switched off: a full battery (充满自停).
                EndSessionComplete(port, now);
                return;
            }

            session.NearZeroSince ??= now;
            if (now - session.NearZeroSince >= s.NoLoadTimeout)
            {
                EndSessionAndIdle(port, SessionEndReason.NoLoad, AlarmKind.PortNoLoad, watts, s.NoLoadW, "W",
                    session.PeakPowerW > s.CompleteFloorW
                        ? Invariant($"charger pulled out: {watts:0.0} W for {s.NoLoadTimeout.TotalSeconds:0} s")
                        : Invariant($"no charger drew power within {s.NoLoadTimeout.TotalSeconds:0} s of the start"), now);
            }

            return;
        }

        session.NearZeroSince = null;
        if (watts < s.CompleteFloorW)
        {
            session.LowSince ??= now;
            if (now - session.LowSince >= s.CompleteHold)
            {
                EndSessionComplete(port, now);
            }

            return;
        }

        session.LowSince = null;
    }

    private void EndSessionComplete(ChargingPort port, DateTimeOffset now)
    {
        OpenRelay(port, now);
        EndSession(port, SessionEndReason.Complete, now);
        SetState(port, PortState.Complete, "charge complete (充满自停)", now);
    }

    private void EndSessionAndIdle(ChargingPort port, SessionEndReason reason, AlarmKind kind, double? value, double? threshold, string? unit, string detail, DateTimeOffset now)
    {
        OpenRelay(port, now);
        EndSession(port, reason, now);
        SetState(port, PortState.Idle, reason.WireName(), now);
        RaisePortAlarm(port, kind, value, threshold, unit, detail, now);
    }

    /// <summary>Opens the relay, ends the session, locks the port out and raises the latched alarm — in that order.</summary>
    private void Trip(ChargingPort port, SessionEndReason reason, AlarmKind kind, double value, double threshold, string? unit, string detail, DateTimeOffset now)
    {
        OpenRelay(port, now);
        port.OverloadSince = null;
        port.Malicious.Reset();
        if (port.Session is not null)
        {
            EndSession(port, reason, now);
        }

        port.Lockout = kind;
        SetState(port, PortState.Disabled, $"locked out: {kind.WireName()}", now);
        RaisePortAlarm(port, kind, value, threshold, unit, detail, now);
    }

    private void CheckShedTotal(DateTimeOffset now)
    {
        double total = 0;
        foreach (ChargingPort port in _ports)
        {
            total += port.PowerW;
        }

        var key = (AlarmKind.ShedOverload, ShedSource);
        if (total <= _shed.MaxPowerW)
        {
            _shedOverloadSince = null;
            ClearWhenSettled(key, now, "shed power back under its limit");
            return;
        }

        _clearingSince.Remove(key);
        _shedOverloadSince ??= now;
        if (now - _shedOverloadSince < _shed.OverloadDebounce)
        {
            return;
        }

        // Cut the newest sessions first until the shed is under its limit: the earliest arrivals keep charging.
        double before = total;
        var cut = new List<string>();
        foreach (ChargingPort port in _ports.Where(p => p.Session is not null).OrderByDescending(p => p.Session!.StartedAt).ToArray())
        {
            if (total <= _shed.MaxPowerW)
            {
                break;
            }

            total -= port.PowerW;
            OpenRelay(port, now);
            EndSession(port, SessionEndReason.ShedOverload, now);
            SetState(port, PortState.Idle, "cut: shed overload", now);
            cut.Add(port.Id);
        }

        _shedOverloadSince = null;
        if (!_shedAlarms.ContainsKey(key))
        {
            RaiseShedAlarm(AlarmKind.ShedOverload, ShedSource, before, _shed.MaxPowerW, "W",
                Invariant($"shed draws {before:0} W, limit {_shed.MaxPowerW:0} W; cut {CutList(cut)}"), now);
        }
    }

    private void CheckSmoke(in ShedSensorReadings readings, DateTimeOffset now)
    {
        if (readings.Smoke is not { } smoke)
        {
            return;
        }

        _smoke = smoke;
        var key = (AlarmKind.Smoke, ShedSource);

        // Two reads running: a single induced spike on a long cable does not shut the shed.
        _smokeReads = smoke ? _smokeReads + 1 : 0;
        if (_smokeReads >= 2)
        {
            _clearingSince.Remove(key);
            if (!_shedAlarms.ContainsKey(key))
            {
                AllOff(SessionEndReason.Smoke, now);
                RaiseShedAlarm(AlarmKind.Smoke, ShedSource, null, null, null, "smoke detector active: every port off", now);
            }
        }
        else if (!smoke)
        {
            ClearWhenSettled(key, now, "smoke detector quiet");
        }
    }

    private void CheckTemperature(in ShedSensorReadings readings, DateTimeOffset now)
    {
        if (readings.MaxTemperatureC is not { } celsius)
        {
            return;
        }

        _temperatureC = celsius;
        var key = (AlarmKind.OverTemperature, ShedSource);
        if (celsius >= _shed.OverTemperatureC)
        {
            _clearingSince.Remove(key);
            if (!_shedAlarms.ContainsKey(key))
            {
                AllOff(SessionEndReason.OverTemperature, now);
                RaiseShedAlarm(AlarmKind.OverTemperature, ShedSource, celsius, _shed.OverTemperatureC, "°C",
                    Invariant($"cabinet at {celsius:0.0} °C, limit {_shed.OverTemperatureC:0} °C: every port off"), now);
            }
        }
        else if (celsius < _shed.OverTemperatureC - _shed.TemperatureHysteresisC)
        {
            ClearWhenSettled(key, now, "cabinet cooled down");
        }
        else
        {
            _clearingSince.Remove(key);
        }
    }

    private void CheckSensorFaults(in ShedSensorReadings readings, DateTimeOffset now)
    {
        var failing = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string id, string fault) in readings.ThermometerFaults ?? [])
        {
            RaiseSensorFault("thermometer:" + id, fault, now, failing);
        }

        if (readings.SmokeFault is { } smokeFault)
        {
            RaiseSensorFault("smoke", smokeFault, now, failing);
        }

        if (readings.VoltageFault is { } voltageFault)
        {
            RaiseSensorFault("vt", voltageFault, now, failing);
        }

        foreach ((AlarmKind kind, string source) in _shedAlarms.Keys.Where(k => k.Kind == AlarmKind.ShedSensorFault && !failing.Contains(k.Source)).ToArray())
        {
            ClearWhenSettled((kind, source), now, "sensor reads again");
        }
    }

    private void RaiseSensorFault(string source, string fault, DateTimeOffset now, HashSet<string> failing)
    {
        failing.Add(source);
        var key = (AlarmKind.ShedSensorFault, source);
        _clearingSince.Remove(key);
        if (!_shedAlarms.ContainsKey(key))
        {
            RaiseShedAlarm(AlarmKind.ShedSensorFault, source, null, null, null, fault, now);
        }
    }

    private void AllOff(SessionEndReason reason, DateTimeOffset now)
    {
        foreach (ChargingPort port in _ports)
        {
            OpenRelay(port, now);
            if (port.Session is not null)
            {
                EndSession(port, reason, now);
                SetState(port, PortState.Idle, reason.WireName(), now);
            }
        }
    }

    private CommandResult Execute(PortCommand command, DateTimeOffset now)
    {
        if (!_byId.TryGetValue(command.PortId, out ChargingPort? port))
        {
            return CommandResult.Refused($"unknown port '{command.PortId}'");
        }

        if (string.IsNullOrWhiteSpace(command.By))
        {
            return CommandResult.Refused("a command must say who asks");
        }

        return command.Kind switch
        {
            PortCommandKind.Start => Start(port, command.By, now),
            PortCommandKind.Stop => Stop(port, now),
            PortCommandKind.Disable => Disable(port, now),
            PortCommandKind.Enable => Enable(port, now),
            PortCommandKind.Reset => Reset(port, command, now),
            _ => CommandResult.Refused($"unknown command {command.Kind}"),
        };
    }

    private CommandResult Start(ChargingPort port, string by, DateTimeOffset now)
    {
        if (port.State is not (PortState.Idle or PortState.Complete))
        {
            return CommandResult.Refused(port.State switch
            {
                PortState.Charging => "already charging",
                PortState.Disabled when port.Lockout is { } lockout => $"locked out by {lockout.WireName()}: needs port_reset",
                PortState.Disabled => "disabled by an operator",
                _ => $"port in fault: {port.Fault ?? port.Lockout?.WireName() ?? "unknown"}",
            });
        }

        if (ShedLockedOut)
        {
            return CommandResult.Refused(HasShedAlarm(AlarmKind.Smoke) ? "smoke alarm: every port is off" : "over-temperature: every port is off");
        }

        if (HasShedAlarm(AlarmKind.ShedOverload))
        {
            return CommandResult.Refused("shed at its power limit: try again later");
        }

        ClearMomentaryAlarms(port, "new session", now);
        if (!_relays.TrySetClosed(port.Index, true, out string? error))
        {
            // The relay did not get the command, and the bus that drives it is in doubt: lock the port
            // out as a relay fault and keep commanding it open until the bus answers.
            port.RelayOpenPending = true;
            port.Lockout = AlarmKind.RelayFault;
            SetState(port, PortState.Fault, "relay write failed", now);
            RaisePortAlarm(port, AlarmKind.RelayFault, null, null, null, $"could not close the relay: {error}", now);
            return CommandResult.Refused($"relay write failed: {error}");
        }

        port.RelayClosed = true;
        port.RelayLeakReads = 0;
        port.OverloadSince = null;
        port.Malicious.Reset();
        string sessionId = Guid.CreateVersion7(now).ToString();
        port.Session = new OpenSession(sessionId, now);
        SetState(port, PortState.Charging, "started by " + by, now);
        _events.Publish(new SessionStarted(now, sessionId, port.Id, by));
        return CommandResult.Applied("charging");
    }

    private CommandResult Stop(ChargingPort port, DateTimeOffset now)
    {
        if (port.Session is null)
        {
            return CommandResult.Refused("no session to stop");
        }

        OpenRelay(port, now);
        EndSession(port, SessionEndReason.StoppedByUser, now);
        SetState(port, PortState.Idle, "stopped by user", now);
        return CommandResult.Applied("stopped");
    }

    private CommandResult Disable(ChargingPort port, DateTimeOffset now)
    {
        OpenRelay(port, now);
        if (port.Session is not null)
        {
            EndSession(port, SessionEndReason.DisabledByOperator, now);
        }

        ClearMomentaryAlarms(port, "port disabled", now);
        if (port.State == PortState.Disabled)
        {
            return CommandResult.Applied("already disabled");
        }

        SetState(port, PortState.Disabled, "disabled by operator", now);
        return CommandResult.Applied("disabled");
    }

    private CommandResult Enable(ChargingPort port, DateTimeOffset now)
    {
        if (port.Lockout is { } lockout)
        {
            return CommandResult.Refused($"locked out by {lockout.WireName()}: only port_reset brings it back");
        }

        if (port.State != PortState.Disabled)
        {
            return CommandResult.Refused($"not disabled (state {port.State.WireName()})");
        }

        SetState(port, port.Alarms.ContainsKey(AlarmKind.PortSensorFault) ? PortState.Fault : PortState.Idle, "enabled by operator", now);
        return CommandResult.Applied("enabled");
    }

    private CommandResult Reset(ChargingPort port, PortCommand command, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(command.Reason))
        {
            return CommandResult.Refused("port_reset needs a reason");
        }

        if (port.Lockout is null && port.State != PortState.Fault)
        {
            return CommandResult.Refused($"nothing to reset (state {port.State.WireName()})");
        }

        string why = $"reset by {command.By}: {command.Reason}";
        foreach (AlarmKind kind in port.Alarms.Keys.ToArray())
        {
            ClearPortAlarm(port, kind, why, now);
        }

        port.Lockout = null;
        port.ConsecutiveFaults = 0;
        port.RelayLeakReads = 0;
        port.IdenticalReadings = 0;
        port.Fault = null;
        SetState(port, PortState.Idle, why, now);
        return CommandResult.Applied("reset");
    }

    private void OpenRelay(ChargingPort port, DateTimeOffset now)
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
            RaisePortAlarm(port, AlarmKind.RelayFault, null, null, null, $"could not open the relay: {error}", now);
        }

        SetState(port, PortState.Fault, "relay write failed", now);
    }

    private void EndSession(ChargingPort port, SessionEndReason reason, DateTimeOffset now)
    {
        OpenSession? session = port.Session;
        if (session is null)
        {
            return;
        }

        port.Session = null;
        _events.Publish(new SessionClosed(now, new ChargingSession(session.Id, port.Id, session.StartedAt, now, session.EnergyWh, session.PeakPowerW, reason)));
    }

    private void SetState(ChargingPort port, PortState state, string reason, DateTimeOffset now)
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
        _events.Publish(new PortStateChanged(now, port.Id, from, state, reason, SnapshotOf(port, asDecided: true)));
    }

    private void RaisePortAlarm(ChargingPort port, AlarmKind kind, double? value, double? threshold, string? unit, string detail, DateTimeOffset now)
    {
        if (port.Alarms.ContainsKey(kind))
        {
            return;
        }

        var alarm = new Alarm(Guid.CreateVersion7(now).ToString(), kind, kind.DefaultSeverity(), port.Source, value, threshold, unit, now, detail);
        port.Alarms[kind] = alarm;
        _events.Publish(new AlarmRaised(now, alarm));
    }

    private void ClearPortAlarm(ChargingPort port, AlarmKind kind, string reason, DateTimeOffset now)
    {
        if (port.Alarms.Remove(kind, out Alarm? alarm))
        {
            _events.Publish(new AlarmCleared(now, alarm, reason));
        }
    }

    /// <summary>No-load and maximum-duration notices clear when the port is used again.</summary>
    private void ClearMomentaryAlarms(ChargingPort port, string reason, DateTimeOffset now)
    {
        ClearPortAlarm(port, AlarmKind.PortNoLoad, reason, now);
        ClearPortAlarm(port, AlarmKind.PortMaxDuration, reason, now);
    }

    private void RaiseShedAlarm(AlarmKind kind, string source, double? value, double? threshold, string? unit, string detail, DateTimeOffset now)
    {
        var alarm = new Alarm(Guid.CreateVersion7(now).ToString(), kind, kind.DefaultSeverity(), source, value, threshold, unit, now, detail);
        _shedAlarms[(kind, source)] = alarm;
        _events.Publish(new AlarmRaised(now, alarm));
    }

    /// <summary>Clears a shed alarm once its condition has been gone for the hysteresis time.</summary>
    private void ClearWhenSettled((AlarmKind Kind, string Source) key, DateTimeOffset now, string reason)
    {
        if (!_shedAlarms.ContainsKey(key))
        {
            _clearingSince.Remove(key);
            return;
        }

        if (!_clearingSince.TryGetValue(key, out DateTimeOffset since))
        {
            _clearingSince[key] = now;
            since = now;
        }

        if (now - since >= _shed.AlarmClearAfter && _shedAlarms.Remove(key, out Alarm? alarm))
        {
            _clearingSince.Remove(key);
            _events.Publish(new AlarmCleared(now, alarm, reason));
        }
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
            p.Lockout?.WireName());
    }

    private static string CutList(List<string> ports) => string.Join(", ", ports);

    private bool HasShedAlarm(AlarmKind kind) => _shedAlarms.ContainsKey((kind, ShedSource));

    private void PublishSnapshot(DateTimeOffset now)
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

        alarms.Sort((a, b) => b.RaisedAt.CompareTo(a.RaisedAt));
        _snapshot = new ShedSnapshot(now, ports, total, _temperatureC, _smoke, alarms, _rounds);
    }

    private sealed record PendingCommand(PortCommand Command, TaskCompletionSource<CommandResult> Completion);
}
