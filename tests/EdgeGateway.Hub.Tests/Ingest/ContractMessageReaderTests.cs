using System.Text;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Ingest;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Ingest;

public sealed class ContractMessageReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
    private readonly ContractMessageReader _reader = new(new FakeTimeProvider(Now));

    internal static PortTelemetryMessage Telemetry(long seq = 7) => new()
    {
        Seq = seq,
        Ts = Now.AddSeconds(-1),
        Site = "linzi-001",
        Gateway = "gw-01",
        Port = "p03",
        State = PortState.Charging,
        RelayClosed = true,
        VoltageV = 229.8,
        CurrentA = 0.81,
        PowerW = 120.5,
        PowerFactor = 0.64,
        SessionEnergyWh = 33.2,
        SessionS = 1200,
        LifetimeEnergyWh = 5120.4,
        MeasuredTs = Now.AddSeconds(-1),
    };

    private IngestDecision Read(string topic, string payload) => _reader.Read(topic, Encoding.UTF8.GetBytes(payload));

    private static string Json(ContractMessage message) => message switch
    {
        PortTelemetryMessage t => ContractJson.SerializeToString(t),
        _ => throw new ArgumentException("unexpected"),
    };

    private const string TelemetryTopic = "edge/v1/linzi-001/gw-01/ports/p03/telemetry";

    [Fact]
    public void A_session_resumed_is_accepted_and_stored_apart_from_closed_sessions()
    {
        var resumed = new SessionResumedMessage
        {
            Seq = 12, Ts = Now.AddSeconds(-1), Site = "linzi-001", Gateway = "gw-01", SessionId = "s-1", Port = "p03",
            StartedTs = Now.AddHours(-1), OfflineS = 212.5, EnergyWh = 301.2, PeakPowerW = 212.4,
        };

        IngestDecision decision = Read("edge/v1/linzi-001/gw-01/sessions/resumed", ContractJson.SerializeToString(resumed));

        IngestDecision.Accept accept = Assert.IsType<IngestDecision.Accept>(decision);
        Assert.Equal(ContractTopicKind.SessionResumed, accept.Topic.Kind);
        string line = Hub.Storage.ContractPoints.From(accept.Message, Now).ToLineProtocol();
        Assert.StartsWith("session_resumed,gateway=gw-01,port=p03,site=linzi-001 ", line);
        Assert.Contains("offline_s=212.5", line);
        Assert.Contains(Hub.Storage.ContractPoints.SessionResumed, Hub.Storage.ContractPoints.Measurements);
        Assert.IsType<IngestDecision.Reject>(Read("edge/v1/linzi-001/gw-01/sessions/resumed", ContractJson.SerializeToString(resumed with { OfflineS = -5 })));
    }

    [Fact]
    public void A_valid_port_telemetry_is_accepted_with_its_parsed_topic()
    {
        IngestDecision decision = Read(TelemetryTopic, Json(Telemetry()));

        IngestDecision.Accept accept = Assert.IsType<IngestDecision.Accept>(decision);
        Assert.Equal(ContractTopicKind.PortTelemetry, accept.Topic.Kind);
        Assert.Equal("p03", accept.Topic.Port);
        Assert.Equal(120.5, ((PortTelemetryMessage)accept.Message).PowerW);
    }

    [Theory]
    [InlineData("{\"v\":1,", RejectReason.MalformedJson)]
    [InlineData("not json", RejectReason.MalformedJson)]
    [InlineData("[1,2]", RejectReason.MalformedJson)]
    [InlineData("{\"v\":1} trailing", RejectReason.MalformedJson)]
    [InlineData("{\"v\":2,\"anything\":true}", RejectReason.UnsupportedVersion)]
    [InlineData("{\"v\":\"1\"}", RejectReason.UnsupportedVersion)]
    [InlineData("{\"seq\":1}", RejectReason.UnsupportedVersion)]
    [InlineData("{\"v\":1,\"seq\":1,\"ts\":\"2026-11-25T07:59:59.000Z\",\"site\":\"linzi-001\",\"gateway\":\"gw-01\"}", RejectReason.InvalidMessage)]
    public void Garbage_is_refused_with_its_reason(string payload, RejectReason reason)
    {
        IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(Read(TelemetryTopic, payload));
        Assert.Equal(reason, reject.Reason);
        Assert.False(string.IsNullOrWhiteSpace(reject.Detail));
    }

    [Fact]
    public void A_missing_required_field_is_named_in_the_reason()
    {
        string payload = Json(Telemetry()).Replace("\"relay_closed\":true,", "");

        IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(Read(TelemetryTopic, payload));
        Assert.Equal(RejectReason.InvalidMessage, reject.Reason);
        Assert.Contains("relay_closed", reject.Detail);
    }

    [Fact]
    public void An_unknown_state_is_invalid()
    {
        string payload = Json(Telemetry()).Replace("\"charging\"", "\"exploding\"");

        Assert.Equal(RejectReason.InvalidMessage, Assert.IsType<IngestDecision.Reject>(Read(TelemetryTopic, payload)).Reason);
    }

    [Fact]
    public void A_field_a_newer_v1_gateway_adds_is_ignored()
    {
        string payload = Json(Telemetry()).Replace("\"relay_closed\":true,", "\"relay_closed\":true,\"frequency_hz\":50.01,");

        Assert.IsType<IngestDecision.Accept>(Read(TelemetryTopic, payload));
    }

    [Theory]
    [InlineData("edge/v1/linzi-001/gw-01/ports/p03/voltage")]
    [InlineData("edge/v1/linzi-001/gw-01/printer")]
    [InlineData("edge/v2/linzi-001/gw-01/ports/p03/telemetry")]
    [InlineData("edge/v1/linzi 001/gw-01/status")]
    public void A_topic_outside_the_contract_is_refused(string topic)
    {
        IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(Read(topic, Json(Telemetry())));
        Assert.Equal(RejectReason.BadTopic, reject.Reason);
    }

    [Theory]
    [InlineData("edge/v1/linzi-001/gw-01/cmd/port_reset")]
    [InlineData("edge/v1/_deadletter/bad_topic")]
    [InlineData("edge/v1/_hub/replies/edge-hub")]
    public void Commands_and_the_hubs_own_topics_are_ignored_not_refused(string topic) =>
        Assert.IsType<IngestDecision.Ignore>(Read(topic, "{}"));

    [Theory]
    [InlineData("edge/v1/other-site/gw-01/ports/p03/telemetry", "site")]
    [InlineData("edge/v1/linzi-001/gw-02/ports/p03/telemetry", "gateway")]
    [InlineData("edge/v1/linzi-001/gw-01/ports/p04/telemetry", "port")]
    public void An_envelope_that_disagrees_with_its_topic_is_refused(string topic, string what)
    {
        IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(Read(topic, Json(Telemetry())));
        Assert.Equal(RejectReason.TopicMismatch, reject.Reason);
        Assert.StartsWith(what, reject.Detail);
    }

    [Fact]
    public void Absurd_values_are_refused_naming_the_field()
    {
        (PortTelemetryMessage Message, string Field)[] cases =
        [
            (Telemetry() with { PowerW = -5 }, "power_w"),
            (Telemetry() with { PowerFactor = 3 }, "power_factor"),
            (Telemetry() with { VoltageV = 40_000 }, "voltage_v"),
            (Telemetry(seq: 0), "seq"),
            (Telemetry(seq: long.MaxValue), "seq"),
            (Telemetry(seq: ContractMessage.MaxSeq + 1), "seq"),
        ];

        foreach ((PortTelemetryMessage message, string field) in cases)
        {
            IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(Read(TelemetryTopic, Json(message)));
            Assert.Equal(RejectReason.AbsurdValue, reject.Reason);
            Assert.StartsWith(field, reject.Detail);
        }
    }

    /// <summary>A generated corpus of hostile payloads on a port telemetry topic: deep JSON, huge numbers, wrong types,
    /// huge strings. Each is refused with its reason and a detail, never an exception.</summary>
    public static TheoryData<string> HostilePayloads => new(new[]
    {
        "deep-array", "deep-object-inside-a-good-message", "deep-and-too-large", "seq-long-max", "seq-above-long", "seq-exponent",
        "seq-fraction", "power-overflowing-double", "power-huge", "version-huge", "nan", "seq-as-string", "power-as-string",
        "site-as-number", "relay-as-string", "ts-as-number", "state-unknown", "huge-site-string", "huge-port-string", "array-root",
        "two-objects",
    });

    private static string HostilePayload(string name)
    {
        string good = ContractJson.SerializeToString(Telemetry());
        string With(string field, string json) => System.Text.RegularExpressions.Regex.Replace(good, $"\"{field}\":[^,}}]+", $"\"{field}\":{json}");
        return name switch
        {
            "deep-array" => "{\"v\":1,\"x\":" + new string('[', 8_000) + new string(']', 8_000) + "}",
            "deep-object-inside-a-good-message" => good.TrimEnd('}') + ",\"extra\":" + string.Concat(Enumerable.Repeat("{\"a\":", 2_000)) + "1" + new string('}', 2_001),
            "deep-and-too-large" => "{\"v\":1,\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}",
            "seq-long-max" => With("seq", "9223372036854775807"),
            "seq-above-long" => With("seq", "99999999999999999999999"),
            "seq-exponent" => With("seq", "1e30"),
            "seq-fraction" => With("seq", "7.5"),
            "power-overflowing-double" => With("power_w", "1e400"),
            "power-huge" => With("power_w", "1e300"),
            "version-huge" => With("v", "1e400"),
            "nan" => With("power_w", "NaN"),
            "seq-as-string" => With("seq", "\"7\""),
            "power-as-string" => With("power_w", "\"lots\""),
            "site-as-number" => With("site", "5"),
            "relay-as-string" => With("relay_closed", "\"yes\""),
            "ts-as-number" => With("ts", "1700000000"),
            "state-unknown" => With("state", "\"<script>\""),
            "huge-site-string" => With("site", "\"" + new string('x', 15_000) + "\""),
            "huge-port-string" => With("port", "\"" + new string('x', 20_000) + "\""),
            "array-root" => "[" + good + "]",
            "two-objects" => good + good,
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(HostilePayloads))]
    public async Task A_hostile_payload_is_refused_with_a_reason_never_an_exception(string name)
    {
        string payload = HostilePayload(name);
        Assert.NotEqual(ContractJson.SerializeToString(Telemetry()), payload); // the corpus changed what it meant to

        IngestDecision decision = await Task.Run(() => Read(TelemetryTopic, payload)).WaitAsync(TimeSpan.FromMinutes(1));

        IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(decision);
        Assert.False(string.IsNullOrWhiteSpace(reject.Detail), name);
    }

    [Fact]
    public void The_largest_seq_a_JSON_number_holds_exactly_is_accepted()
    {
        IngestDecision.Accept accept = Assert.IsType<IngestDecision.Accept>(Read(TelemetryTopic, Json(Telemetry(seq: ContractMessage.MaxSeq))));
        Assert.Equal(9_007_199_254_740_991, accept.Message.Seq);
    }

    [Theory]
    [InlineData(-1)] // 1970: a board that booted without a clock and could not correct the message (an earlier boot)
    [InlineData(30)] // a month ahead
    public void A_message_from_an_unset_gateway_clock_is_stored_at_its_receive_time_not_refused(int days)
    {
        DateTimeOffset unset = days < 0 ? DateTimeOffset.UnixEpoch.AddMinutes(3) : Now.AddDays(days);

        IngestDecision.Accept accept = Assert.IsType<IngestDecision.Accept>(Read(TelemetryTopic, Json(Telemetry() with { Ts = unset, MeasuredTs = unset })));

        Assert.Equal(Now, accept.Message.Ts);
        Assert.Equal(unset, accept.GatewayTs);
        Assert.StartsWith("ts ", accept.ClockProblem);
        Assert.Contains("measured_ts ", accept.ClockProblem, StringComparison.Ordinal);
        Assert.Equal(120.5, ((PortTelemetryMessage)accept.Message).PowerW);
    }

    [Fact]
    public void A_session_that_spans_a_backward_clock_step_is_stored_with_its_clock_problem()
    {
        var session = new SessionMessage
        {
            Seq = 9, Ts = Now, Site = "linzi-001", Gateway = "gw-01", SessionId = "s-1", Port = "p03",
            StartedTs = Now.AddMinutes(20), EndedTs = Now, DurationS = 600, EnergyWh = 40, PeakPowerW = 180, EndReason = SessionEndReason.Complete,
        };

        IngestDecision.Accept accept = Assert.IsType<IngestDecision.Accept>(
            _reader.Read("edge/v1/linzi-001/gw-01/sessions", ContractJson.Serialize(session)));

        Assert.Equal(Now, accept.Message.Ts);
        Assert.Null(accept.GatewayTs);
        Assert.Equal("ended_ts is before started_ts", accept.ClockProblem);
    }

    [Fact]
    public void Plausible_stamps_carry_no_clock_problem()
    {
        IngestDecision.Accept accept = Assert.IsType<IngestDecision.Accept>(Read(TelemetryTopic, Json(Telemetry())));
        Assert.Null(accept.GatewayTs);
        Assert.Null(accept.ClockProblem);
    }

    [Fact]
    public void An_oversized_payload_is_refused_before_it_is_parsed()
    {
        string payload = "{\"v\":1,\"pad\":\"" + new string('x', ContractMessageReader.MaxPayloadBytes) + "\"}";

        IngestDecision.Reject reject = Assert.IsType<IngestDecision.Reject>(Read(TelemetryTopic, payload));
        Assert.Equal(RejectReason.PayloadTooLarge, reject.Reason);
    }

    [Fact]
    public void The_last_will_with_seq_zero_is_accepted_but_other_seq_zero_messages_are_not()
    {
        var will = new StatusMessage { Seq = 0, Ts = Now, Site = "linzi-001", Gateway = "gw-01", Online = false, Version = "1.0", UptimeS = 0, OutboxDepth = 0 };
        Assert.IsType<IngestDecision.Accept>(_reader.Read("edge/v1/linzi-001/gw-01/status", ContractJson.Serialize(will)));
        Assert.IsType<IngestDecision.Reject>(_reader.Read("edge/v1/linzi-001/gw-01/status", ContractJson.Serialize(will with { Online = true })));
    }
}
