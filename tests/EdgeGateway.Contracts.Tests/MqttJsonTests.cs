using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Tests;

public sealed class MqttJsonTests
{
    [Fact]
    public void Port_telemetry_has_snake_case_names_with_units()
    {
        string json = ContractJson.SerializeToString(MqttSamples.PortTelemetry);
        Assert.StartsWith("{\"v\":1,\"seq\":41208,\"ts\":\"2026-11-25T11:30:00.123Z\",\"site\":\"hz-xixi-07\",\"gateway\":\"shed-a\",", json, StringComparison.Ordinal);
        Assert.Equal(
            ["v", "seq", "ts", "site", "gateway", "port", "state", "relay_closed", "voltage_v", "current_a", "power_w", "power_factor",
             "session_energy_wh", "session_s", "lifetime_energy_wh", "measured_ts", "fault", "lockout"],
            Names(json));
        Assert.Contains("\"state\":\"charging\"", json, StringComparison.Ordinal);
        Assert.Contains("\"power_w\":178.6", json, StringComparison.Ordinal);
        Assert.Contains("\"fault\":null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Bin_state_uses_the_lwm2m_3435_names()
    {
        Assert.Equal(
            ["v", "seq", "ts", "site", "gateway", "bin", "class", "fill_pct", "fill_level_mm", "high_threshold_pct", "low_threshold_pct",
             "nearly_full", "container_full", "container_empty", "average_fill_speed_pct_per_day", "forecast_full_ts", "forecast_empty_ts",
             "last_collected_ts", "fill_at_last_collection_pct", "weight_kg", "temperature_c", "lid_open", "tilted", "fault"],
            Names(ContractJson.SerializeToString(MqttSamples.BinState)));
    }

    [Fact]
    public void Other_messages_carry_the_documented_names()
    {
        Assert.Equal(
            ["v", "seq", "ts", "site", "gateway", "online", "version", "uptime_s", "outbox_depth", "last_error", "last_error_ts", "clock_synced", "clock_step", "name", "figures", "supply"],
            Names(ContractJson.SerializeToString(MqttSamples.Status)));
        Assert.Equal(
            ["v", "seq", "ts", "site", "gateway", "alarm_id", "event", "kind", "severity", "source", "value", "threshold", "unit",
             "raised_ts", "cleared_ts", "detail", "reason", "clear_reason", "flapping"],
            Names(ContractJson.SerializeToString(MqttSamples.AlarmRaised)));
        Assert.Equal(
            ["v", "seq", "ts", "site", "gateway", "session_id", "port", "started_ts", "ended_ts", "duration_s", "energy_wh", "peak_power_w", "end_reason"],
            Names(ContractJson.SerializeToString(MqttSamples.Session)));

        // A session started for an order: its fields follow; those left null (here the card) are left out, as older readers expect.
        Assert.Equal(
            ["v", "seq", "ts", "site", "gateway", "session_id", "port", "started_ts", "ended_ts", "duration_s", "energy_wh", "peak_power_w", "end_reason",
             "order_id", "limit", "tariff", "cost_fen"],
            Names(ContractJson.SerializeToString(MqttSamples.Session with
            {
                OrderId = "ord-0042", Limit = new ChargeLimit { AmountFen = 500 }, Tariff = new ChargeTariff { FenPerKwh = 120 }, CostFen = 60, EndReason = SessionEndReason.LimitReached,
            })));
        Assert.Equal(["v", "ts", "command", "ok", "message", "reason"], Names(ContractJson.SerializeToString(MqttSamples.Reply)));
        Assert.Equal(["v", "ts", "command", "ok", "message", "reason", "session_id"], Names(ContractJson.SerializeToString(MqttSamples.Reply with { SessionId = "s-p03-000918" })));
        // The order's fields are left out when null: a gateway that refuses unknown fields still takes every other command.
        Assert.Equal(["v", "port", "operator", "reason", "alarm_id", "comment", "id", "issued_ts"], Names(ContractJson.SerializeToString(MqttSamples.Request)));
        Assert.Equal(
            ["v", "port", "operator", "reason", "alarm_id", "comment", "id", "issued_ts", "order_id", "card", "limit", "tariff"],
            Names(ContractJson.SerializeToString(MqttSamples.Request with
            {
                OrderId = "ord-0042", Card = "card-7", Limit = new ChargeLimit { EnergyWh = 1000 }, Tariff = new ChargeTariff { FenPerKwh = 120 },
            })));
    }

    [Theory]
    [InlineData(AlarmSeverity.Info, "info")]
    [InlineData(AlarmSeverity.Warning, "warning")]
    [InlineData(AlarmSeverity.Major, "major")]
    [InlineData(AlarmSeverity.Critical, "critical")]
    public void Severities_are_lower_case_words(AlarmSeverity severity, string wire)
    {
        Assert.Contains($"\"severity\":\"{wire}\"", ContractJson.SerializeToString(MqttSamples.AlarmRaised with { Severity = severity }), StringComparison.Ordinal);
    }

    [Fact]
    public void Enums_use_the_contract_wire_names()
    {
        foreach (PortState state in Enum.GetValues<PortState>())
        {
            Assert.Contains($"\"state\":\"{state.WireName()}\"", ContractJson.SerializeToString(MqttSamples.PortTelemetry with { State = state }), StringComparison.Ordinal);
        }

        foreach (SessionEndReason reason in Enum.GetValues<SessionEndReason>())
        {
            Assert.Contains($"\"end_reason\":\"{reason.WireName()}\"", ContractJson.SerializeToString(MqttSamples.Session with { EndReason = reason }), StringComparison.Ordinal);
        }

        Assert.Contains("\"event\":\"cleared\"", ContractJson.SerializeToString(MqttSamples.AlarmCleared), StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamps_are_utc_with_milliseconds()
    {
        DateTimeOffset local = new DateTimeOffset(2026, 11, 25, 19, 30, 0, 123, TimeSpan.FromHours(8)).AddTicks(4_567);
        Assert.Equal("2026-11-25T11:30:00.123Z", ContractTime.Format(local));
        Assert.Equal("2026-01-02T03:04:05.000Z", ContractTime.Format(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
        Assert.Contains("\"ts\":\"2026-11-25T11:30:00.123Z\"", ContractJson.SerializeToString(MqttSamples.Status with { Ts = local }), StringComparison.Ordinal);

        Assert.True(ContractTime.TryParse("2026-11-25T11:30:00.123Z", out DateTimeOffset parsed));
        Assert.Equal(ContractTime.Truncate(local), parsed);
        Assert.Equal(TimeSpan.Zero, parsed.Offset);
        Assert.Matches(ContractTime.Pattern, ContractTime.Format(DateTimeOffset.UtcNow));
    }

    [Theory]
    [InlineData("2026-11-25T11:30:00Z")]
    [InlineData("2026-11-25T11:30:00.123+08:00")]
    [InlineData("2026-11-25T11:30:00.123")]
    [InlineData("2026-11-25T11:30:00.1234Z")]
    [InlineData("2026-13-25T11:30:00.123Z")]
    [InlineData("")]
    [InlineData(null)]
    public void Other_timestamp_formats_do_not_parse(string? text)
    {
        Assert.False(ContractTime.TryParse(text, out _));
    }

    [Fact]
    public void Every_message_round_trips()
    {
        RoundTrip(MqttSamples.Status);
        RoundTrip(MqttSamples.PortTelemetry);
        RoundTrip(MqttSamples.PortState);
        RoundTrip(MqttSamples.BinTelemetry);
        RoundTrip(MqttSamples.BinState);
        RoundTrip(MqttSamples.AlarmRaised);
        RoundTrip(MqttSamples.AlarmCleared);
        RoundTrip(MqttSamples.Session);
        RoundTrip(MqttSamples.Reply);
    }

    [Fact]
    public void The_outbox_assigns_seq_with_a_copy()
    {
        PortStateMessage built = MqttSamples.PortState with { Seq = 0 };
        PortStateMessage queued = built with { Seq = 77 };
        Assert.Contains("\"seq\":77,", Encoding.UTF8.GetString(ContractJson.Serialize(queued)), StringComparison.Ordinal);
        Assert.Equal(0, built.Seq);
    }

    [Fact]
    public void Reading_a_bad_message_reports_instead_of_throwing()
    {
        Assert.False(ContractJson.TryDeserialize("""{"v":1,"ts":"yesterday","site":"s","gateway":"g"}"""u8, out StatusMessage? message, out string? error));
        Assert.Null(message);
        Assert.Contains("ts", error, StringComparison.Ordinal);
        Assert.False(ContractJson.TryDeserialize("""{"state":3}"""u8, out PortStateMessage? _, out error));
        Assert.NotNull(error);
        Assert.False(ContractJson.TryDeserialize("null"u8, out AlarmMessage? _, out error));
        Assert.NotNull(error);
    }

    [Fact]
    public void The_alarm_kind_vocabulary_adds_gateway_buffer_full()
    {
        Assert.Equal(Enum.GetValues<AlarmKind>().Length + 1, ContractAlarmKinds.All.Count);
        Assert.True(ContractAlarmKinds.IsKnown("gateway_buffer_full"));
        Assert.True(ContractAlarmKinds.IsKnown("bin_fire"));
        Assert.False(ContractAlarmKinds.IsKnown("BinFire"));
        Assert.False(AlarmKinds.TryParse(ContractAlarmKinds.GatewayBufferFull, out _));
    }

    private static void RoundTrip<T>(T message)
        where T : class
    {
        byte[] payload = ContractJson.Serialize(message);
        Assert.True(ContractJson.TryDeserialize(payload, out T? back, out string? error), error);
        Assert.Equal(message, back);
    }

    private static string[] Names(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateObject().Select(property => property.Name)];
    }
}
