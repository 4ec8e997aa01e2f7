using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace EdgeGateway.Hub.Storage;

/// <summary>
/// Contract v1 messages as InfluxDB points: one message, one point, at the message's <c>ts</c> (milliseconds), so a
/// redelivered message writes the same point again (same series, same timestamp) and is not counted twice. The schema
/// is documented in src/EdgeGateway.Hub/README.md ("Storage schema"). Tags and field keys go through InfluxDB.Client's
/// <see cref="PointData"/>, which escapes line protocol; nothing here concatenates line protocol.
/// </summary>
public static class ContractPoints
{
    public const string Port = "port";
    public const string PortState = "port_state";
    public const string Bin = "bin";
    public const string BinState = "bin_state";
    public const string Alarm = "alarm";
    public const string Session = "session";
    public const string SessionResumed = "session_resumed";
    public const string Gateway = "gateway";

    /// <summary>Every measurement the hub writes, for queries that account for all of a gateway's <c>seq</c>.</summary>
    public static IReadOnlyList<string> Measurements { get; } = [Port, PortState, Bin, BinState, Alarm, Session, SessionResumed, Gateway];

    /// <summary>The point for an accepted message. <paramref name="receivedAt"/> times the one message without a usable
    /// <c>ts</c> of its own: the Last Will, composed when the gateway connected but meaning "offline now".</summary>
    /// <param name="message">The message.</param>
    /// <param name="receivedAt">When the hub received it.</param>
    /// <param name="gatewayTs">The gateway's own <c>ts</c> when the hub replaced an implausible one (the message's <c>ts</c> is then the receive time): stored as the field <c>gateway_ts</c>.</param>
    /// <param name="clockProblem">Which of its stamps are implausible: stored as the field <c>clock_problem</c>.</param>
    public static PointData From(ContractMessage message, DateTimeOffset receivedAt, DateTimeOffset? gatewayTs = null, string? clockProblem = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        PointData point = Point(message, receivedAt);
        if (gatewayTs is { } replaced)
        {
            point = point.Field("gateway_ts", ContractTime.Format(replaced));
        }

        return clockProblem is null ? point : point.Field("clock_problem", clockProblem);
    }

    private static PointData Point(ContractMessage message, DateTimeOffset receivedAt) =>
        message switch
        {
            PortTelemetryMessage t => Envelope(Port, t).Tag("port", t.Port)
                .Field("state", t.State.WireName())
                .Field("relay_closed", t.RelayClosed)
                .Optional("voltage_v", t.VoltageV)
                .Optional("current_a", t.CurrentA)
                .Optional("power_w", t.PowerW)
                .Optional("power_factor", t.PowerFactor)
                .Field("session_energy_wh", t.SessionEnergyWh)
                .Optional("session_s", t.SessionS)
                .Field("lifetime_energy_wh", t.LifetimeEnergyWh)
                .Optional("fault", t.Fault)
                .Optional("lockout", t.Lockout)
                .At(t.Ts, t.Seq),
            PortStateMessage s => Envelope(PortState, s).Tag("port", s.Port)
                .Field("state", s.State.WireName())
                .Optional("previous_state", s.PreviousState?.WireName())
                .Field("reason", s.Reason)
                .Optional("fault", s.Fault)
                .Optional("lockout", s.Lockout)
                .At(s.Ts, s.Seq),
            BinTelemetryMessage b => Envelope(Bin, b).Tag("bin", b.Bin).Tag("class", b.Class)
                .Optional("fill_pct", b.FillPct)
                .Optional("fill_level_mm", b.FillLevelMm)
                .Optional("weight_kg", b.WeightKg)
                .Optional("temperature_c", b.TemperatureC)
                .Field("lid_open", b.LidOpen)
                .Field("tilted", b.Tilted)
                .Optional("fault", b.Fault)
                .At(b.Ts, b.Seq),
            BinStateMessage b => Envelope(BinState, b).Tag("bin", b.Bin).Tag("class", b.Class)
                .Optional("fill_pct", b.FillPct)
                .Optional("fill_level_mm", b.FillLevelMm)
                .Optional("high_threshold_pct", b.HighThresholdPct)
                .Optional("low_threshold_pct", b.LowThresholdPct)
                .Field("nearly_full", b.NearlyFull)
                .Field("container_full", b.ContainerFull)
                .Field("container_empty", b.ContainerEmpty)
                .Optional("average_fill_speed_pct_per_day", b.AverageFillSpeedPctPerDay)
                .Optional("forecast_full_ts", Text(b.ForecastFullTs))
                .Optional("last_collected_ts", Text(b.LastCollectedTs))
                .Optional("fill_at_last_collection_pct", b.FillAtLastCollectionPct)
                .Optional("weight_kg", b.WeightKg)
                .Optional("temperature_c", b.TemperatureC)
                .Field("lid_open", b.LidOpen)
                .Field("tilted", b.Tilted)
                .Optional("fault", b.Fault)
                .At(b.Ts, b.Seq),
            AlarmMessage a => AlarmPoint(a),
            SessionMessage s => Envelope(Session, s).Tag("port", s.Port).Tag("end_reason", s.EndReason.WireName())
                .Field("session_id", s.SessionId)
                .Field("started_ts", ContractTime.Format(s.StartedTs))
                .Field("ended_ts", ContractTime.Format(s.EndedTs))
                .Field("duration_s", s.DurationS)
                .Field("energy_wh", s.EnergyWh)
                .Field("peak_power_w", s.PeakPowerW)
                // What billing needs (issue 18): fields, not tags, so that orders and cards add no series.
                .Optional("order_id", s.OrderId)
                .Optional("card", s.Card)
                .Optional("limit_energy_wh", s.Limit?.EnergyWh)
                .Optional("limit_duration_min", s.Limit?.DurationMin)
                .Optional("limit_amount_fen", s.Limit?.AmountFen)
                .Optional("cost_fen", s.CostFen)
                .At(s.Ts, s.Seq),
            // Informational: a resumed session is counted once, by its closing message on `session`.
            SessionResumedMessage r => Envelope(SessionResumed, r).Tag("port", r.Port)
                .Field("session_id", r.SessionId)
                .Field("started_ts", ContractTime.Format(r.StartedTs))
                .Field("offline_s", r.OfflineS)
                .Field("energy_wh", r.EnergyWh)
                .Field("peak_power_w", r.PeakPowerW)
                .At(r.Ts, r.Seq),
            StatusMessage s => Envelope(Gateway, s)
                .Field("online", s.Online)
                .Field("version", s.Version)
                .Field("uptime_s", s.UptimeS)
                .Field("outbox_depth", (long)s.OutboxDepth)
                .Optional("last_error", s.LastError)
                .Field("last_will", s.Seq == 0)
                .Optional("clock_synced", s.ClockSynced)
                .Optional("supply_power_w", s.Supply?.PowerW)
                .Optional("supply_voltage_v", s.Supply?.VoltageV)
                .Optional("supply_current_a", s.Supply?.CurrentA)
                .Optional("supply_power_factor", s.Supply?.PowerFactor)
                .Optional("supply_frequency_hz", s.Supply?.FrequencyHz)
                .Optional("supply_import_energy_kwh", s.Supply?.ImportEnergyKwh)
                .Optional("supply_ports_power_w", s.Supply?.PortsPowerW)
                .Optional("supply_unmetered_w", s.Supply?.UnmeteredW)
                .Optional("clock_step_ms", s.ClockStep?.StepMs)
                .Optional("clock_step_corrected", s.ClockStep?.Corrected)
                .Optional("clock_step_sent", s.ClockStep?.SentCount)
                .Optional("clock_step_sent_first_seq", s.ClockStep?.SentFirstSeq)
                .Optional("clock_step_sent_last_seq", s.ClockStep?.SentLastSeq)
                .Optional("rounds", s.Figures?.Rounds)
                .Optional("round_ms_mean", s.Figures?.RoundMsMean)
                .Optional("round_ms_max", s.Figures?.RoundMsMax)
                .Optional("thinned_total", s.Figures?.ThinnedTotal)
                .Optional("ports_faulted", (long?)s.Figures?.PortsFaulted)
                .Optional("cpu_pct", s.Figures?.CpuPct)
                .Optional("memory_mb", s.Figures?.MemoryMb)
                .At(s.Seq == 0 ? receivedAt : s.Ts, s.Seq),
            _ => throw new ArgumentException($"no point mapping for {message.GetType().Name}", nameof(message)),
        };

    /// <summary>A hub record of missing <c>seq</c> numbers on the <c>gateway</c> measurement (no <c>seq</c> field of its
    /// own, so it never counts as a message).</summary>
    public static PointData SeqGap(string site, string gateway, long from, long to, DateTimeOffset detectedAt) =>
        PointData.Builder.Measurement(Gateway).Tag("site", site).Tag("gateway", gateway)
            .Field("seq_missing", to - from + 1)
            .Field("seq_missing_from", from)
            .Field("seq_missing_to", to)
            .At(detectedAt, 0);

    private static PointData AlarmPoint(AlarmMessage a)
    {
        PointData.Builder point = Envelope(Alarm, a)
            .Tag("kind", a.Kind)
            // The raise that marks an alarm flapping updates an alarm already counted: tagged apart, so counts of
            // event = 'raised' (the weekly chart) still count each alarm once.
            .Tag("event", a.Event == AlarmEvent.Cleared ? "cleared" : a.Flapping ? "flapping" : "raised")
            .Tag("source", a.Source);
        if (a.Source.StartsWith("port:", StringComparison.Ordinal))
        {
            point.Tag("port", a.Source["port:".Length..]);
        }
        else if (a.Source.StartsWith("bin:", StringComparison.Ordinal))
        {
            point.Tag("bin", a.Source["bin:".Length..]);
        }

        return point
            .Field("alarm_id", a.AlarmId)
            .Field("severity", a.Severity.ToString().ToLowerInvariant())
            .Optional("value", a.Value)
            .Optional("threshold", a.Threshold)
            .Optional("unit", a.Unit)
            .Field("raised_ts", ContractTime.Format(a.RaisedTs))
            .Optional("cleared_ts", Text(a.ClearedTs))
            .Field("detail", a.Detail)
            .Optional("reason", a.Reason is { } reason ? ContractJson.SerializeToString(reason) : null)
            .Optional("clear_reason", a.ClearReason)
            .Flag("flapping", a.Flapping)
            .At(a.Ts, a.Seq);
    }

    private static PointData.Builder Envelope(string measurement, ContractMessage message) =>
        PointData.Builder.Measurement(measurement)
            .Tag("site", message.Site)
            .Tag("gateway", message.Gateway)
            .Field("seq", message.Seq);

    private static string? Text(DateTimeOffset? value) => value is { } ts ? ContractTime.Format(ts) : null;

    /// <summary>A field written only when true: alarms that never flapped keep the fields they always had.</summary>
    private static PointData.Builder Flag(this PointData.Builder point, string name, bool value) =>
        value ? point.Field(name, true) : point;

    private static PointData.Builder Optional(this PointData.Builder point, string name, double? value) =>
        value is { } v ? point.Field(name, v) : point;

    private static PointData.Builder Optional(this PointData.Builder point, string name, long? value) =>
        value is { } v ? point.Field(name, v) : point;

    private static PointData.Builder Optional(this PointData.Builder point, string name, bool? value) =>
        value is { } v ? point.Field(name, v) : point;

    private static PointData.Builder Optional(this PointData.Builder point, string name, string? value) =>
        value is not null ? point.Field(name, value) : point;

    /// <summary>
    /// The point's time: the message's <c>ts</c> (milliseconds, the contract's precision) plus its <c>seq</c> modulo
    /// 10^6 in nanoseconds. InfluxDB keeps one point per series and timestamp, so two messages of one series stamped in
    /// the same millisecond (a gateway's connect status and its periodic status; a port's state-change telemetry and
    /// its periodic telemetry) would otherwise fold into one and a seq would vanish. The same message delivered twice
    /// still lands on the same nanosecond and stays one point. Queries at millisecond precision see the message's ts.
    /// </summary>
    private static PointData At(this PointData.Builder point, DateTimeOffset ts, long seq) =>
        point.Timestamp((ts.ToUnixTimeMilliseconds() * 1_000_000) + (seq % 1_000_000), WritePrecision.Ns).ToPointData();
}
