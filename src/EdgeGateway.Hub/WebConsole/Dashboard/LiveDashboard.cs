using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.WebConsole.History;
using EdgeGateway.Hub.WebConsole.Store;

namespace EdgeGateway.Hub.WebConsole.Dashboard;

/// <summary>
/// Every site → gateway → port and bin as the gateways last reported them, and the alarms raised and not cleared: the
/// console's board, in memory, fed by <see cref="ConsoleLink"/> from MQTT (retained status and states give it the
/// whole picture within moments of connecting). Each change is also published to <see cref="DashboardStream"/>.
/// Thread-safe: one lock; nothing under it waits.
/// </summary>
internal sealed class LiveDashboard(DashboardStream stream, TimeProvider time, HubLimits? limits = null)
{
    /// <summary>Cleared alarms remembered (to be shown when acknowledged late, and not raised again by a late raise).</summary>
    private const int RecentlyClearedCapacity = 2000;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<(string Site, string Gateway), LiveGateway> _gateways = new(GatewayKeyComparer.Instance);
    // Keyed by site, gateway and alarm id: an alarm id is unique within the gateway that raised it only, so a gateway's
    // alarm with another's id (a forged clear) is its own alarm, never the other's.
    private readonly Dictionary<AlarmKey, AlarmRecord> _active = [];
    private readonly Dictionary<AlarmKey, AlarmRecord> _recentlyCleared = [];
    private readonly Queue<AlarmKey> _clearedOrder = new();

    /// <summary>
    /// Ingest's validation (<see cref="ContractMessageReader"/>): the board shows what ingest stores, checked the same
    /// way — ranges, the envelope against the topic — and with the same stamps: a <c>ts</c> no true clock can give
    /// (9999-12-31, which froze a port) is the receive time, as in the database — and with the same caps on ports and
    /// bins per gateway, so forged ids cannot grow the board either.
    /// </summary>
    private readonly ContractMessageReader _reader = new(time, limits);
    private readonly TimeProvider _time = time;

    public DashboardStream Stream => stream;

    /// <summary>Applies one contract message; false when it is not one the board shows or ingest refuses it.</summary>
    public bool Apply(ContractTopic topic, ReadOnlySpan<byte> payload) =>
        _reader.Read(topic, payload) is IngestDecision.Accept accept && accept.Message switch
        {
            StatusMessage status => ApplyStatus(status),
            PortTelemetryMessage telemetry => ApplyPortTelemetry(telemetry),
            PortStateMessage state => ApplyPortState(state),
            BinTelemetryMessage binTelemetry => ApplyBinTelemetry(binTelemetry),
            BinStateMessage binState => ApplyBinState(binState),
            AlarmMessage alarm => ApplyAlarm(AlarmRecord.From(alarm)),
            _ => false,
        };

    public DashboardView Snapshot()
    {
        lock (_gate)
        {
            return new DashboardView(_time.GetUtcNow(), [.. _gateways.Values.Select(g => g.View())]);
        }
    }

    /// <summary>The site's name as one of its gateways' status said it; null when none did.</summary>
    public string? StatusName(string site)
    {
        lock (_gate)
        {
            return _gateways.Values.FirstOrDefault(g => g.Site == site && g.Name is not null)?.Name;
        }
    }

    /// <summary>Every gateway the board knows (from its status or any other message), by site and id.</summary>
    public List<(string Site, string Gateway)> GatewayKeys()
    {
        lock (_gate)
        {
            return [.. _gateways.Keys];
        }
    }

    /// <summary>The version and last error the gateway's retained status says; null when no status came.</summary>
    public (string? Version, string? LastError)? StatusOf(string site, string gateway)
    {
        lock (_gate)
        {
            return _gateways.TryGetValue((site, gateway), out LiveGateway? live) && live.Online is not null ? (live.Version, live.LastError) : null;
        }
    }

    public bool HasGateway(string site, string gateway)
    {
        lock (_gate)
        {
            return _gateways.ContainsKey((site, gateway));
        }
    }

    public PortView? FindPort(string site, string gateway, string port)
    {
        lock (_gate)
        {
            return _gateways.TryGetValue((site, gateway), out LiveGateway? live) && live.Ports.TryGetValue(port, out LivePort? p) ? live.View(p) : null;
        }
    }

    public BinView? FindBin(string site, string gateway, string bin)
    {
        lock (_gate)
        {
            return _gateways.TryGetValue((site, gateway), out LiveGateway? live) && live.Bins.TryGetValue(bin, out LiveBin? b) ? live.View(b) : null;
        }
    }

    /// <summary>Raised and not cleared, most severe first, then newest first.</summary>
    public List<AlarmRecord> ActiveAlarms()
    {
        lock (_gate)
        {
            List<AlarmRecord> alarms = [.. _active.Values];
            alarms.Sort(AlarmRecord.SeverityThenNewest);
            return alarms;
        }
    }

    /// <summary>The active or recently cleared alarm <paramref name="alarmId"/> of that gateway.</summary>
    public AlarmRecord? FindAlarm(string site, string gateway, string alarmId)
    {
        var key = new AlarmKey(site, gateway, alarmId);
        lock (_gate)
        {
            return _active.GetValueOrDefault(key) ?? _recentlyCleared.GetValueOrDefault(key);
        }
    }

    /// <summary>The alarm <paramref name="alarmId"/> when exactly one gateway has one by that id (active first, then
    /// recently cleared); null when none or several do: an id alone names no alarm another gateway could shadow.</summary>
    public AlarmRecord? FindAlarm(string alarmId)
    {
        lock (_gate)
        {
            foreach (Dictionary<AlarmKey, AlarmRecord> where in new[] { _active, _recentlyCleared })
            {
                AlarmRecord[] found = [.. where.Where(a => a.Key.AlarmId == alarmId).Select(a => a.Value).Take(2)];
                if (found.Length > 0)
                {
                    return found.Length == 1 ? found[0] : null;
                }
            }

            return null;
        }
    }

    /// <summary>Shows an acknowledgement on the alarm (if the board knows it); returns the alarm as it is now.</summary>
    public AlarmRecord? Acknowledge(AlarmAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        lock (_gate)
        {
            var key = new AlarmKey(ack.Site, ack.Gateway, ack.AlarmId);
            Dictionary<AlarmKey, AlarmRecord>? where = _active.ContainsKey(key) ? _active : _recentlyCleared.ContainsKey(key) ? _recentlyCleared : null;
            if (where is null)
            {
                return null;
            }

            AlarmRecord alarm = where[key];
            if (alarm.Ack is not null)
            {
                return alarm;
            }

            where[key] = alarm = alarm with { Ack = ack };
            if (alarm.IsActive && _gateways.TryGetValue((alarm.Site, alarm.Gateway), out LiveGateway? gateway))
            {
                gateway.Alarms[alarm.AlarmId] = alarm;
            }

            Publish(DashboardChangeKind.Alarm, alarm.Site, alarm.Gateway, alarm);
            return alarm;
        }
    }

    /// <summary>
    /// Merges alarms read from InfluxDB (raised in the last days, with their clears): an alarm the board does not know,
    /// raised and not cleared, is added; an alarm the board holds as active that InfluxDB knows cleared is cleared.
    /// Nothing the board heard on MQTT is overruled otherwise (InfluxDB may lag behind it).
    /// </summary>
    public int Reconcile(IEnumerable<AlarmRecord> alarms)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        int changed = 0;
        lock (_gate)
        {
            foreach (AlarmRecord alarm in alarms)
            {
                var key = AlarmKey.Of(alarm);
                bool known = _active.ContainsKey(key) || _recentlyCleared.ContainsKey(key);
                if ((alarm.IsActive && !known) || (!alarm.IsActive && _active.ContainsKey(key)))
                {
                    changed += ApplyAlarmLocked(alarm) ? 1 : 0;
                }
            }
        }

        return changed;
    }

    /// <summary>
    /// Where a message stands in the board's order: its ts, or now when it claims to come from the future. The reader
    /// accepts a ts up to days ahead (a gateway whose clock is wrong still reports), but a message stamped ahead must not
    /// hold a port or bin until then: every genuine message after it would look older and be ignored.
    /// </summary>
    private DateTimeOffset Ordered(DateTimeOffset ts)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return ts > now ? now : ts;
    }

    private bool ApplyStatus(StatusMessage status)
    {
        lock (_gate)
        {
            LiveGateway gateway = GatewayLocked(status.Site, status.Gateway);
            gateway.Online = status.Online;
            gateway.Version = status.Version;
            gateway.LastError = status.LastError;
            gateway.UptimeS = status.UptimeS;
            gateway.OutboxDepth = status.OutboxDepth;
            gateway.Name = status.Name ?? gateway.Name;

            // The Last Will (seq 0) was composed when the gateway connected: its ts is not when it was last heard from.
            if (status.Seq > 0)
            {
                gateway.Seen(Ordered(status.Ts));
            }

            PublishGateway(gateway);
            return true;
        }
    }

    private bool ApplyPortTelemetry(PortTelemetryMessage message)
    {
        DateTimeOffset at = Ordered(message.Ts);
        lock (_gate)
        {
            LiveGateway gateway = GatewayLocked(message.Site, message.Gateway);
            LivePort port = gateway.Port(message.Port);
            if (at >= port.TelemetryTs)
            {
                port.TelemetryTs = at;
                port.RelayClosed = message.RelayClosed;
                port.PowerW = message.PowerW;
                port.VoltageV = message.VoltageV;
                port.CurrentA = message.CurrentA;
                port.PowerFactor = message.PowerFactor;
                port.SessionS = message.SessionS;
                port.SessionEnergyWh = message.SessionEnergyWh;
            }

            port.ApplyState(at, message.State, message.Fault, message.Lockout, message.FaultCode);
            port.Seen(at);
            gateway.Seen(at);
            Publish(DashboardChangeKind.Port, gateway.Site, gateway.Gateway, gateway.View(port));
            return true;
        }
    }

    private bool ApplyPortState(PortStateMessage message)
    {
        DateTimeOffset at = Ordered(message.Ts);
        lock (_gate)
        {
            LiveGateway gateway = GatewayLocked(message.Site, message.Gateway);
            LivePort port = gateway.Port(message.Port);
            if (port.ApplyState(at, message.State, message.Fault, message.Lockout, message.FaultCode) && message.State != PortState.Charging)
            {
                // No telemetry may follow for a while: a port that stopped charging draws nothing.
                port.RelayClosed = false;
            }

            port.Seen(at);
            gateway.Seen(at);
            Publish(DashboardChangeKind.Port, gateway.Site, gateway.Gateway, gateway.View(port));
            return true;
        }
    }

    private bool ApplyBinTelemetry(BinTelemetryMessage message)
    {
        DateTimeOffset at = Ordered(message.Ts);
        lock (_gate)
        {
            LiveGateway gateway = GatewayLocked(message.Site, message.Gateway);
            LiveBin bin = gateway.Bin(message.Bin);
            bin.ApplyReading(at, message.Class, message.FillPct, message.TemperatureC, message.LidOpen, message.Tilted, message.Fault, message.FaultCode);

            bin.Seen(at);
            gateway.Seen(at);
            Publish(DashboardChangeKind.Bin, gateway.Site, gateway.Gateway, gateway.View(bin));
            return true;
        }
    }

    private bool ApplyBinState(BinStateMessage message)
    {
        DateTimeOffset at = Ordered(message.Ts);
        lock (_gate)
        {
            LiveGateway gateway = GatewayLocked(message.Site, message.Gateway);
            LiveBin bin = gateway.Bin(message.Bin);
            if (at >= bin.StateTs)
            {
                bin.StateTs = at;
                bin.NearlyFull = message.NearlyFull;
                bin.ContainerFull = message.ContainerFull;
                bin.ForecastFullTs = message.ForecastFullTs;
            }

            bin.ApplyReading(at, message.Class, message.FillPct, message.TemperatureC, message.LidOpen, message.Tilted, message.Fault, message.FaultCode);

            bin.Seen(at);
            gateway.Seen(at);
            Publish(DashboardChangeKind.Bin, gateway.Site, gateway.Gateway, gateway.View(bin));
            return true;
        }
    }

    private bool ApplyAlarm(AlarmRecord alarm)
    {
        lock (_gate)
        {
            return ApplyAlarmLocked(alarm);
        }
    }

    private bool ApplyAlarmLocked(AlarmRecord alarm)
    {
        LiveGateway gateway = GatewayLocked(alarm.Site, alarm.Gateway);
        var key = AlarmKey.Of(alarm);
        if (alarm.IsActive)
        {
            // A raise of an alarm already held that marks it flapping updates it (same id: one alarm, kept with its
            // acknowledgement); a redelivered raise, or a raise arriving after its own clear, changes nothing.
            if (_active.TryGetValue(key, out AlarmRecord? held))
            {
                if (!alarm.Flapping || held.Flapping)
                {
                    return false;
                }

                alarm = held with { Flapping = true, Detail = alarm.Detail, Reason = alarm.Reason };
            }
            else if (_recentlyCleared.ContainsKey(key))
            {
                return false;
            }

            _active[key] = alarm;
            gateway.Alarms[alarm.AlarmId] = alarm;
        }
        else
        {
            if (_recentlyCleared.ContainsKey(key))
            {
                return false;
            }

            if (_active.Remove(key, out AlarmRecord? raised))
            {
                alarm = raised with { ClearedTs = alarm.ClearedTs, ClearReason = alarm.ClearReason, ClearCode = alarm.ClearCode, Flapping = raised.Flapping || alarm.Flapping };
            }

            gateway.Alarms.Remove(alarm.AlarmId);
            Remember(alarm);
        }

        Publish(DashboardChangeKind.Alarm, alarm.Site, alarm.Gateway, alarm);
        if (alarm.Port is { } portId && gateway.Ports.TryGetValue(portId, out LivePort? port))
        {
            Publish(DashboardChangeKind.Port, gateway.Site, gateway.Gateway, gateway.View(port));
        }
        else if (alarm.Bin is { } binId && gateway.Bins.TryGetValue(binId, out LiveBin? bin))
        {
            Publish(DashboardChangeKind.Bin, gateway.Site, gateway.Gateway, gateway.View(bin));
        }

        PublishGateway(gateway);
        return true;
    }

    private void Remember(AlarmRecord cleared)
    {
        var key = AlarmKey.Of(cleared);
        _recentlyCleared[key] = cleared;
        _clearedOrder.Enqueue(key);
        while (_clearedOrder.Count > RecentlyClearedCapacity)
        {
            _recentlyCleared.Remove(_clearedOrder.Dequeue());
        }
    }

    private LiveGateway GatewayLocked(string site, string gateway)
    {
        if (!_gateways.TryGetValue((site, gateway), out LiveGateway? live))
        {
            _gateways[(site, gateway)] = live = new LiveGateway(site, gateway);
        }

        return live;
    }

    private void PublishGateway(LiveGateway gateway) => Publish(DashboardChangeKind.Gateway, gateway.Site, gateway.Gateway, gateway.View());

    private void Publish(DashboardChangeKind kind, string site, string gateway, object item)
    {
        if (stream.Count > 0)
        {
            stream.Publish(new DashboardChange(kind, site, gateway, item));
        }
    }

    private sealed class GatewayKeyComparer : IComparer<(string Site, string Gateway)>
    {
        public static readonly GatewayKeyComparer Instance = new();

        public int Compare((string Site, string Gateway) x, (string Site, string Gateway) y)
        {
            int bySite = NaturalComparer.Instance.Compare(x.Site, y.Site);
            return bySite != 0 ? bySite : NaturalComparer.Instance.Compare(x.Gateway, y.Gateway);
        }
    }
}

/// <summary>A gateway's last known state; mutated under the board's lock only.</summary>
internal sealed class LiveGateway(string site, string gateway)
{
    public string Site { get; } = site;

    public string Gateway { get; } = gateway;

    /// <summary>From the retained status; null until one arrived (shown offline).</summary>
    public bool? Online { get; set; }

    public string? Version { get; set; }

    /// <summary>The retained status's <c>last_error</c> (an upgrade's failure among others).</summary>
    public string? LastError { get; set; }

    public long? UptimeS { get; set; }

    public int? OutboxDepth { get; set; }

    /// <summary>The site's name as the gateway's site file has it (its status), if it said one.</summary>
    public string? Name { get; set; }

    public DateTimeOffset? LastSeen { get; private set; }

    public SortedDictionary<string, LivePort> Ports { get; } = new(NaturalComparer.Instance);

    public SortedDictionary<string, LiveBin> Bins { get; } = new(NaturalComparer.Instance);

    /// <summary>This gateway's active alarms.</summary>
    public Dictionary<string, AlarmRecord> Alarms { get; } = new(StringComparer.Ordinal);

    public void Seen(DateTimeOffset ts)
    {
        if (LastSeen is null || ts > LastSeen)
        {
            LastSeen = ts;
        }
    }

    public LivePort Port(string id)
    {
        if (!Ports.TryGetValue(id, out LivePort? port))
        {
            Ports[id] = port = new LivePort(id);
        }

        return port;
    }

    public LiveBin Bin(string id)
    {
        if (!Bins.TryGetValue(id, out LiveBin? bin))
        {
            Bins[id] = bin = new LiveBin(id);
        }

        return bin;
    }

    public GatewayView View()
    {
        PortView[] ports = [.. Ports.Values.Select(View)];
        BinView[] bins = [.. Bins.Values.Select(View)];
        bool online = Online ?? false;
        return new GatewayView(
            Site,
            Gateway,
            online,
            LastSeen,
            Version,
            UptimeS,
            OutboxDepth,
            ports,
            bins,
            Alarms.Count,
            !online || ports.Any(p => p.NeedsAttention) || bins.Any(b => b.NeedsAttention),
            Name);
    }

    public PortView View(LivePort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        bool alarmed = Alarms.Values.Any(a => a.Port == port.Id);
        return new PortView(
            port.Id,
            port.State,
            port.RelayClosed,
            port.PowerW,
            port.VoltageV,
            port.CurrentA,
            port.PowerFactor,
            port.SessionS,
            port.SessionEnergyWh,
            port.Fault,
            port.Lockout,
            port.LastSeen,
            port.State == "fault" || port.Fault is not null || port.Lockout is not null || alarmed,
            FaultTexts(port.FaultCode, port.Fault));
    }

    public BinView View(LiveBin bin)
    {
        ArgumentNullException.ThrowIfNull(bin);
        bool alarmed = Alarms.Values.Any(a => a.Bin == bin.Id);
        return new BinView(
            bin.Id,
            bin.Class,
            bin.FillPct,
            bin.ForecastFullTs,
            bin.NearlyFull,
            bin.ContainerFull,
            bin.TemperatureC,
            bin.LidOpen,
            bin.Tilted,
            bin.Fault,
            bin.LastSeen,
            bin.NearlyFull || bin.ContainerFull || bin.Fault is not null || bin.LidOpen || bin.Tilted || alarmed,
            FaultTexts(bin.FaultCode, bin.Fault));
    }

    /// <summary>
    /// The fault in both console languages, rendered from its reason code (the board is one stream for every reader, so
    /// each page picks its own); null without a code (a gateway that predates it: the page shows its English text).
    /// </summary>
    private static Dictionary<string, string>? FaultTexts(ContractReason? code, string? fault) =>
        code is null || fault is null ? null : new(StringComparer.Ordinal)
        {
            [ConsoleLanguage.Chinese] = ReasonText.Chinese.Render(code, fault),
            [ConsoleLanguage.English] = ReasonText.English.Render(code, fault),
        };
}

/// <summary>A port's last known state. State, fault and lockout and the measurements are each taken from the newest
/// message that carries them (<c>ts</c>), because a backlog can deliver an older telemetry after a newer state.</summary>
internal sealed class LivePort(string id)
{
    public string Id { get; } = id;

    public string? State { get; set; }

    public bool? RelayClosed { get; set; }

    public double? PowerW { get; set; }

    public double? VoltageV { get; set; }

    public double? CurrentA { get; set; }

    public double? PowerFactor { get; set; }

    public long? SessionS { get; set; }

    public double? SessionEnergyWh { get; set; }

    public string? Fault { get; set; }

    /// <summary><see cref="Fault"/> as a reason code, from gateways that send one.</summary>
    public ContractReason? FaultCode { get; set; }

    public string? Lockout { get; set; }

    public DateTimeOffset StateTs { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset TelemetryTs { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset? LastSeen { get; private set; }

    public void Seen(DateTimeOffset ts)
    {
        if (LastSeen is null || ts > LastSeen)
        {
            LastSeen = ts;
        }
    }

    /// <summary>State, fault and lockout from a message at <paramref name="ts"/> (telemetry and state messages both carry
    /// them); ignored when a newer message already set them. True when applied.</summary>
    public bool ApplyState(DateTimeOffset ts, PortState state, string? fault, string? lockout, ContractReason? faultCode = null)
    {
        if (ts < StateTs)
        {
            return false;
        }

        StateTs = ts;
        State = state.WireName();
        Fault = fault;
        FaultCode = fault is null ? null : faultCode;
        Lockout = lockout;
        return true;
    }
}

/// <summary>A bin's last known state (as <see cref="LivePort"/>: each part from the newest message carrying it).</summary>
internal sealed class LiveBin(string id)
{
    public string Id { get; } = id;

    public string? Class { get; set; }

    public double? FillPct { get; set; }

    public DateTimeOffset? ForecastFullTs { get; set; }

    public bool NearlyFull { get; set; }

    public bool ContainerFull { get; set; }

    public double? TemperatureC { get; set; }

    public bool LidOpen { get; set; }

    public bool Tilted { get; set; }

    public string? Fault { get; set; }

    /// <summary><see cref="Fault"/> as a reason code, from gateways that send one.</summary>
    public ContractReason? FaultCode { get; set; }

    public DateTimeOffset StateTs { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset TelemetryTs { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset? LastSeen { get; private set; }

    public void Seen(DateTimeOffset ts)
    {
        if (LastSeen is null || ts > LastSeen)
        {
            LastSeen = ts;
        }
    }

    /// <summary>The sensor readings telemetry and state messages both carry, from a message at <paramref name="ts"/>;
    /// ignored when a newer message already set them.</summary>
    public void ApplyReading(DateTimeOffset ts, string @class, double? fillPct, double? temperatureC, bool lidOpen, bool tilted, string? fault, ContractReason? faultCode = null)
    {
        if (ts < TelemetryTs)
        {
            return;
        }

        TelemetryTs = ts;
        Class = @class;
        FillPct = fillPct;
        TemperatureC = temperatureC;
        LidOpen = lidOpen;
        Tilted = tilted;
        Fault = fault;
        FaultCode = fault is null ? null : faultCode;
    }
}

/// <summary>Orders ids as people read them: P2 before P10 (runs of digits compare by value).</summary>
internal sealed class NaturalComparer : IComparer<string>
{
    public static readonly NaturalComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int startI = i, startJ = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                ReadOnlySpan<char> a = x.AsSpan(startI, i - startI).TrimStart('0');
                ReadOnlySpan<char> b = y.AsSpan(startJ, j - startJ).TrimStart('0');
                int byValue = a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
                if (byValue != 0)
                {
                    return byValue;
                }
            }
            else
            {
                int byChar = x[i].CompareTo(y[j]);
                if (byChar != 0)
                {
                    return byChar;
                }

                i++;
                j++;
            }
        }

        int byRest = (x.Length - i).CompareTo(y.Length - j);
        return byRest != 0 ? byRest : string.CompareOrdinal(x, y);
    }
}

/// <summary>An alarm's identity on the board: its id within the gateway that raised it.</summary>
internal readonly record struct AlarmKey(string Site, string Gateway, string AlarmId)
{
    public static AlarmKey Of(AlarmRecord alarm) => new(alarm.Site, alarm.Gateway, alarm.AlarmId);
}
