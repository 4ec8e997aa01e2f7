using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Protection;

namespace EdgeGateway.Messaging;

/// <summary>
/// Turns what the gateway decided and measured into contract v1 messages (src/EdgeGateway.Contracts/README.md),
/// as outbox items: topic, class, retain, and a payload rendered with the seq the outbox assigns.
/// </summary>
public sealed class ContractMapper(SiteConfiguration site)
{
    private readonly string _site = site.Site.Id;
    private readonly string _gateway = site.Site.Gateway;

    /// <summary>How far back a topic's previous stamp may be and still move the next one after it.</summary>
    private static readonly TimeSpan BurstWindow = TimeSpan.FromSeconds(1);

    // The last ts (Unix ms) stamped per topic; the telemetry loop, the event dispatcher and the drain all map messages.
    private readonly Dictionary<string, long> _lastStamp = new(StringComparer.Ordinal);

    public string Site => _site;

    public string Gateway => _gateway;

    /// <summary>The outbox items an event produces (none for events the contract does not carry).</summary>
    public IEnumerable<OutboxItem> ForEvent(GatewayEvent gatewayEvent)
    {
        switch (gatewayEvent)
        {
            case AlarmRaised raised:
                yield return Alarm(raised.Alarm, AlarmEvent.Raised, null, null, raised.At);
                break;
            case AlarmCleared cleared:
                yield return Alarm(cleared.Alarm, AlarmEvent.Cleared, cleared.At, cleared.Reason, cleared.At, cleared.Code);
                break;
            case SessionClosed closed:
                yield return Session(closed.Session);
                break;
            case SessionResumed resumed:
                yield return Item(ContractTopics.SessionsResumed(_site, _gateway), MessageClass.Session, false, new SessionResumedMessage
                {
                    Ts = resumed.At,
                    Site = _site,
                    Gateway = _gateway,
                    SessionId = resumed.SessionId,
                    Port = resumed.PortId,
                    StartedTs = resumed.StartedAt,
                    OfflineS = Math.Round(resumed.Offline.TotalSeconds, 3),
                    EnergyWh = Math.Round(resumed.EnergyWh, 3),
                    PeakPowerW = Math.Round(resumed.PeakPowerW, 1),
                });
                break;
            case PortStateChanged changed:
                yield return PortState(changed);

                // A state change also sends the port's telemetry at once, not at the next period, as it was at the
                // change (with the reading a cut was decided on), not as it is when this runs.
                yield return PortTelemetry(changed.Port, changed.At);

                break;
        }
    }

    public OutboxItem PortTelemetry(PortSnapshot p, DateTimeOffset at) => Item(ContractTopics.PortTelemetry(_site, _gateway, p.Id), MessageClass.Telemetry, false, new PortTelemetryMessage
    {
        Ts = at,
        Site = _site,
        Gateway = _gateway,
        Port = p.Id,
        State = p.State,
        RelayClosed = p.RelayClosed,
        VoltageV = NonNegative(p.VoltageV),
        CurrentA = NonNegative(p.CurrentA),
        PowerW = NonNegative(p.PowerW),
        PowerFactor = p.PowerFactor is { } pf && double.IsFinite(pf) ? Math.Round(Math.Clamp(pf, 0, 1), 3) : null,
        SessionEnergyWh = Math.Round(p.SessionEnergyWh, 3),
        SessionS = p.SessionStartedAt is { } started ? (long)(at - started).TotalSeconds : null,
        LifetimeEnergyWh = Math.Round(p.LifetimeEnergyWh, 3),
        MeasuredTs = p.LastMeasuredAt,
        Fault = p.Fault,
        FaultCode = p.FaultCode,
        Lockout = p.Lockout,
    });

    public OutboxItem BinTelemetry(BinSnapshot b, DateTimeOffset at) => Item(ContractTopics.BinTelemetry(_site, _gateway, b.Id), MessageClass.Telemetry, false, new BinTelemetryMessage
    {
        Ts = at,
        Site = _site,
        Gateway = _gateway,
        Bin = b.Id,
        Class = b.Class,
        FillPct = b.FillPct,
        FillLevelMm = Finite(b.FillLevelMm),
        WeightKg = Finite(b.WeightKg),
        TemperatureC = Finite(b.TemperatureC),
        LidOpen = b.LidOpen,
        Tilted = b.Tilted,
        Fault = b.Fault,
        FaultCode = SensorFaultCode(b.Fault),
        SampledTs = b.LastSampleAt,
    });

    public OutboxItem BinState(BinSnapshot b, BinThresholds thresholds, DateTimeOffset at) => Item(ContractTopics.BinState(_site, _gateway, b.Id), MessageClass.State, true, new BinStateMessage
    {
        Ts = at,
        Site = _site,
        Gateway = _gateway,
        Bin = b.Id,
        Class = b.Class,
        FillPct = b.FillPct,
        FillLevelMm = Finite(b.FillLevelMm),
        HighThresholdPct = thresholds.NearlyFullPct,
        LowThresholdPct = thresholds.EmptyPct,
        NearlyFull = b.NearlyFull,
        ContainerFull = b.ContainerFull,
        ContainerEmpty = b.ContainerEmpty,
        AverageFillSpeedPctPerDay = b.AverageFillSpeedPctPerDay,
        ForecastFullTs = b.ForecastFullAt,
        ForecastEmptyTs = null,
        LastCollectedTs = b.LastCollectedAt,
        FillAtLastCollectionPct = b.FillAtLastCollectionPct,
        WeightKg = Finite(b.WeightKg),
        TemperatureC = Finite(b.TemperatureC),
        LidOpen = b.LidOpen,
        Tilted = b.Tilted,
        Fault = b.Fault,
        FaultCode = SensorFaultCode(b.Fault),
    });

    public OutboxItem PortStateNow(PortSnapshot p, DateTimeOffset at, string reason) => Item(ContractTopics.PortState(_site, _gateway, p.Id), MessageClass.State, true, new PortStateMessage
    {
        Ts = at,
        Site = _site,
        Gateway = _gateway,
        Port = p.Id,
        State = p.State,
        PreviousState = null,
        Reason = reason,
        Fault = p.Fault,
        FaultCode = p.FaultCode,
        Lockout = p.Lockout,
        Session = RunningSession(p),
    });

    public StatusMessage Status(bool online, DateTimeOffset at, TimeSpan uptime, long outboxDepth, string? lastError, DateTimeOffset? lastErrorAt, bool? clockSynced = null, ClockStepReport? clockStep = null) => new()
    {
        Ts = at,
        Site = _site,
        Gateway = _gateway,
        Online = online,
        Version = Upgrading.GatewayVersion.Running,
        UptimeS = (long)uptime.TotalSeconds,
        OutboxDepth = (int)Math.Min(int.MaxValue, outboxDepth),
        LastError = lastError,
        LastErrorTs = lastErrorAt,
        ClockSynced = clockSynced,
        ClockStep = clockStep,
        Name = site.Site.Name,
    };

    /// <summary>The supply meter's last reading as the status carries it; null without one.</summary>
    public static ShedSupply? Supply(SupplySnapshot? supply) => supply is not { } s ? null : new ShedSupply
    {
        MeasuredTs = s.MeasuredAt,
        VoltageV = Math.Round(s.Reading.VoltageV, 2),
        CurrentA = Math.Round(s.Reading.CurrentA, 3),
        PowerW = Math.Round(s.Reading.PowerW, 1),
        PowerFactor = Math.Round(s.Reading.PowerFactor, 3),
        FrequencyHz = Math.Round(s.Reading.FrequencyHz, 3),
        ImportEnergyKwh = Math.Round(s.Reading.ImportEnergyKWh, 3),
        PortsPowerW = Math.Round(s.PortsPowerW, 1),
        UnmeteredW = Math.Round(s.UnmeteredW, 1),
    };

    public OutboxItem StatusItem(StatusMessage status) => Item(ContractTopics.Status(_site, _gateway), MessageClass.Status, true, status);

    /// <summary>The alarm the link raises itself when the outbox had to thin telemetry.</summary>
    public OutboxItem BufferFull(string alarmId, bool raised, DateTimeOffset raisedAt, DateTimeOffset at, long thinned, long bound) => Item(ContractTopics.Alarms(_site, _gateway), MessageClass.Alarm, false, new AlarmMessage
    {
        Ts = at,
        Site = _site,
        Gateway = _gateway,
        AlarmId = alarmId,
        Event = raised ? AlarmEvent.Raised : AlarmEvent.Cleared,
        Kind = ContractAlarmKinds.GatewayBufferFull,
        Severity = AlarmSeverity.Major,
        Source = "gateway",
        Value = thinned,
        Threshold = bound,
        Unit = "messages",
        RaisedTs = raisedAt,
        ClearedTs = raised ? null : at,
        Detail = ReasonText.Detail(raised ? ReasonCatalogue.OutboxFull(thinned) : ReasonCatalogue.OutboxDrained()),
        Reason = raised ? ReasonCatalogue.OutboxFull(thinned) : ReasonCatalogue.OutboxDrained(),
        ClearReason = raised ? null : "outbox drained",
        ClearCode = raised ? null : ReasonCatalogue.OutboxDrained(),
    });

    private OutboxItem PortState(PortStateChanged changed)
    {
        PortSnapshot port = changed.Port;
        return Item(ContractTopics.PortState(_site, _gateway, changed.PortId), MessageClass.State, true, new PortStateMessage
        {
            Ts = changed.At,
            Site = _site,
            Gateway = _gateway,
            Port = changed.PortId,
            State = changed.To,
            PreviousState = changed.From,
            Reason = changed.Reason,
            Fault = port.Fault,
            FaultCode = port.FaultCode,
            Lockout = port.Lockout,
            Session = RunningSession(port),
        });
    }

    /// <summary>A bin's fault (its sensors' own error texts) as the <c>sensor_fault</c> reason code, so readers frame it in their language.</summary>
    private static ContractReason? SensorFaultCode(string? fault) => fault is null ? null : ReasonCatalogue.SensorFault(fault);

    /// <summary>The port's running session for its retained state (energy and cost so far), or null.</summary>
    private static PortSessionState? RunningSession(PortSnapshot p) => p is { SessionId: { } id, SessionStartedAt: { } started } ? new PortSessionState
    {
        Id = id,
        OrderId = p.SessionOrder?.OrderId,
        Card = p.SessionOrder?.Card,
        StartedTs = started,
        EnergyWh = Math.Round(Math.Max(0, p.SessionEnergyWh), 3),
        CostFen = p.SessionCostFen,
        Limit = p.SessionOrder?.Limit,
    } : null;

    private OutboxItem Alarm(Alarm alarm, AlarmEvent kind, DateTimeOffset? clearedAt, string? clearReason, DateTimeOffset at, ContractReason? clearCode = null) =>
        Item(ContractTopics.Alarms(_site, _gateway), MessageClass.Alarm, false, new AlarmMessage
        {
            Ts = at,
            Site = _site,
            Gateway = _gateway,
            AlarmId = alarm.Id,
            Event = kind,
            Kind = alarm.Kind.WireName(),
            Severity = alarm.Severity,
            Source = alarm.Source,
            Value = Finite(alarm.Value),
            Threshold = Finite(alarm.Threshold),
            Unit = alarm.Unit,
            RaisedTs = alarm.RaisedAt,
            ClearedTs = clearedAt,
            Detail = alarm.Detail,
            Reason = alarm.Reason,
            ClearReason = clearReason,
            ClearCode = clearCode,
            Flapping = alarm.Flapping,
        });

    private OutboxItem Session(ChargingSession s) => Item(ContractTopics.Sessions(_site, _gateway), MessageClass.Session, false, new SessionMessage
    {
        Ts = s.EndedAt,
        Site = _site,
        Gateway = _gateway,
        SessionId = s.Id,
        Port = s.PortId,
        StartedTs = s.StartedAt,
        EndedTs = s.EndedAt,
        DurationS = Math.Round(s.Duration.TotalSeconds, 3),
        EnergyWh = Math.Round(s.EnergyWh, 3),
        PeakPowerW = Math.Round(s.PeakPowerW, 1),
        EndReason = s.EndReason,
        OrderId = s.Order?.OrderId,
        Card = s.Order?.Card,
        Limit = s.Order?.Limit,
        Tariff = s.Order?.Tariff,
        CostFen = s.CostFen,
    });

    private OutboxItem Item<T>(string topic, MessageClass messageClass, bool retain, T message)
        where T : ContractMessage
    {
        T stamped = message with { Ts = DistinctTs(topic, message.Ts) };
        return new(topic, messageClass, retain, seq => ContractJson.Serialize(stamped with { Seq = seq }));
    }

    /// <summary>
    /// The contract's <c>ts</c> has millisecond precision, and so do stores such as VictoriaMetrics, which keep one
    /// sample per series and millisecond: two messages of one topic stamped in the same millisecond (a state change's
    /// telemetry and the periodic telemetry; a burst of alarms) would fold into one there. So on each topic a message
    /// is stamped at least 1 ms after the previous one. Only a burst is moved (by its length in ms); a wall clock that
    /// stepped back by more than <see cref="BurstWindow"/> (NTP) is taken as it is.
    /// </summary>
    private DateTimeOffset DistinctTs(string topic, DateTimeOffset ts)
    {
        long ms = ts.ToUnixTimeMilliseconds();
        lock (_lastStamp)
        {
            if (_lastStamp.TryGetValue(topic, out long last) && ms <= last && last - ms < BurstWindow.TotalMilliseconds)
            {
                ts = DateTimeOffset.FromUnixTimeMilliseconds(last + 1).ToOffset(ts.Offset);
                ms = last + 1;
            }

            _lastStamp[topic] = ms;
        }

        return ts;
    }

    // The contract carries null, never NaN or infinity.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? Math.Round(v, 3) : null;

    // An idle port's RMS noise can integrate to a few hundredths of a watt below zero; the contract's
    // power, current and voltage are magnitudes (a large negative power is a meter fault, reported as such).
    private static double? NonNegative(double? value) => Finite(value) is { } v ? Math.Max(0, v) : null;
}
