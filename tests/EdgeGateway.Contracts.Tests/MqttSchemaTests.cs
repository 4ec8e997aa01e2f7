using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using Json.Schema;

namespace EdgeGateway.Contracts.Tests;

public sealed class MqttSchemaTests
{
    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new(StringComparer.Ordinal);

    public static TheoryData<string> SchemaNames => new(ContractSchemas.Names);

    public static TheoryData<string, string> AllSamples => new()
    {
        { "status", ContractJson.SerializeToString(MqttSamples.Status) },
        { "status", ContractJson.SerializeToString(MqttSamples.Status with { Online = false, LastError = null, LastErrorTs = null, Seq = 0 }) },
        { "status", ContractJson.SerializeToString(MqttSamples.Status with { ClockSynced = false }) },
        { "status", ContractJson.SerializeToString(MqttSamples.Status with { ClockSynced = true, ClockStep = new ClockStepReport { StepMs = -7_200_000, DetectedTs = MqttSamples.Now, Corrected = 12, SentCount = 3, SentFirstSeq = 41_100, SentLastSeq = 41_102 } }) },
        { "port_telemetry", ContractJson.SerializeToString(MqttSamples.PortTelemetry) },
        { "port_telemetry", ContractJson.SerializeToString(MqttSamples.PortTelemetry with { State = PortState.Fault, RelayClosed = false, VoltageV = null, CurrentA = null, PowerW = null, PowerFactor = null, SessionEnergyWh = 0, SessionS = null, MeasuredTs = null, Fault = "meter bus timeout" }) },
        { "port_state", ContractJson.SerializeToString(MqttSamples.PortState) },
        { "port_state", ContractJson.SerializeToString(MqttSamples.PortState with { State = PortState.Idle, PreviousState = null, Reason = "start-up", Lockout = null }) },
        { "port_state", ContractJson.SerializeToString(MqttSamples.PortState with { State = PortState.Charging, Lockout = null, Session = new PortSessionState { Id = "0193a5c4-5f6e-7b8c", OrderId = "ord-42", StartedTs = MqttSamples.Now, EnergyWh = 12.5, CostFen = 2, Limit = new ChargeLimit { DurationMin = 120 } } }) },
        { "bin_telemetry", ContractJson.SerializeToString(MqttSamples.BinTelemetry) },
        { "bin_state", ContractJson.SerializeToString(MqttSamples.BinState) },
        { "bin_state", ContractJson.SerializeToString(MqttSamples.BinState with { FillPct = null, FillLevelMm = null, ForecastFullTs = null, LastCollectedTs = null, AverageFillSpeedPctPerDay = null, Fault = "all fill sensors failed" }) },
        { "alarm", ContractJson.SerializeToString(MqttSamples.AlarmRaised) },
        { "alarm", ContractJson.SerializeToString(MqttSamples.AlarmCleared) },
        { "alarm", ContractJson.SerializeToString(MqttSamples.AlarmRaised with { Flapping = true }) },
        { "alarm", ContractJson.SerializeToString(MqttSamples.AlarmRaised with { Reason = Reasons.ReasonCatalogue.InstantaneousOverCurrent(49.5, 40) }) },
        { "alarm", ContractJson.SerializeToString(MqttSamples.AlarmRaised with { Reason = Reasons.ReasonCatalogue.SensorFault("no echo") }) },
        { "alarm", ContractJson.SerializeToString(MqttSamples.AlarmCleared with { Flapping = true }) },
        { "alarm", ContractJson.SerializeToString(MqttSamples.AlarmRaised with { Kind = ContractAlarmKinds.GatewayBufferFull, Severity = AlarmSeverity.Warning, Source = "gateway", Value = 10_000, Threshold = 10_000, Unit = null }) },
        { "session", ContractJson.SerializeToString(MqttSamples.Session) },
        { "session", ContractJson.SerializeToString(MqttSamples.Session with { EndReason = SessionEndReason.DisabledByOperator }) },
        { "session", ContractJson.SerializeToString(MqttSamples.Session with { EndReason = SessionEndReason.PowerLoss }) },
        { "session", ContractJson.SerializeToString(MqttSamples.Session with { EndReason = SessionEndReason.LimitReached, OrderId = "ord-42", Card = "card-7", Limit = new ChargeLimit { EnergyWh = 500, AmountFen = 80 }, Tariff = new ChargeTariff { FenPerKwh = 160 }, CostFen = 80 }) },
        { "session", ContractJson.SerializeToString(MqttSamples.Session with { EndReason = SessionEndReason.UserStop, Tariff = new ChargeTariff { FenPerHour = 100 }, CostFen = 200 }) },
        { "session_resumed", ContractJson.SerializeToString(MqttSamples.SessionResumed) },
        { "command_request", ContractJson.SerializeToString(MqttSamples.Request) },
        { "command_request", ContractJson.SerializeToString(new CommandRequest()) },
        { "command_request", "{}" },
        { "command_reply", ContractJson.SerializeToString(MqttSamples.Reply) },
        { "cards", ContractJson.SerializeToString(MqttSamples.Cards) },
        { "cards", ContractJson.SerializeToString(MqttSamples.Cards with { Tariff = null, Cards = [], AppliedSessions = [] }) },
        { "cards", ContractJson.SerializeToString(MqttSamples.Cards with { Tariff = new ChargeTariff { FenPerHour = 100 } }) },
        { "command_reply", ContractJson.SerializeToString(CommandReply.Applied("port_start", MqttSamples.Now, "charging") with { SessionId = "0193a5c4-5f6e-7b8c" }) },
        { "command_request", ContractJson.SerializeToString(new CommandRequest { Port = "p03", Id = "c-1", OrderId = "ord-42", Card = "card-7", Limit = new ChargeLimit { EnergyWh = 500, DurationMin = 240, AmountFen = 300 }, Tariff = new ChargeTariff { FenPerKwh = 150 } }) },
        { "command_request", ContractJson.SerializeToString(new CommandRequest { Id = "c-2", Version = "0.2.0", Url = "https://hub.example/upgrade-bundles/t0k3n/edgegateway-0.2.0-linux-arm64.tar.gz", Sha256 = new string('a', 64), Signature = "MEUCIQ==" }) },
        { "command_reply", ContractJson.SerializeToString(CommandReply.Refused("port_reset", MqttSamples.Now, "reason is required")) },
        { "command_reply", ContractJson.SerializeToString(Localization.ReasonText.Reply("port_reset", MqttSamples.Now, false, Reasons.ReasonCatalogue.NothingToReset(PortState.Idle))) },
    };

    [Fact]
    public void There_is_a_schema_for_every_message()
    {
        Assert.Equal(
            ["alarm", "bin_state", "bin_telemetry", "cards", "command_reply", "command_request", "port_state", "port_telemetry", "session", "session_resumed", "status"],
            ContractSchemas.Names);
        Assert.Equal(ContractSchemas.Text("status"), ContractSchemas.Text("status.schema.json"));
        Assert.Throws<KeyNotFoundException>(() => ContractSchemas.Text("nope"));
    }

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void Every_schema_is_draft_2020_12_strict_and_builds(string name)
    {
        JsonNode schema = JsonNode.Parse(ContractSchemas.Text(name))!;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
        Assert.False((bool)schema["additionalProperties"]!);
        Assert.NotNull(Schema(name));

        // Every timestamp field carries the exact pattern; every field has a description.
        foreach ((string field, JsonNode? property) in schema["properties"]!.AsObject())
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)property!["description"]), $"{name}.{field} has no description");
            if (field.EndsWith("_ts", StringComparison.Ordinal) && field != "forecast_empty_ts" || field == "ts")
            {
                Assert.Equal(ContractTime.Pattern, (string?)property["pattern"]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void Every_message_validates_against_its_schema(string name, string json)
    {
        AssertValid(name, json);
    }

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void Every_seq_is_bounded_at_the_largest_integer_JSON_holds_exactly(string name)
    {
        if (JsonNode.Parse(ContractSchemas.Text(name))!["properties"]!["seq"] is not { } seq)
        {
            return; // commands and replies carry no seq
        }

        Assert.Equal(ContractMessage.MaxSeq, (long)seq["maximum"]!);
        JsonObject message = Sample(name);
        message["seq"] = ContractMessage.MaxSeq;
        AssertValid(name, message.ToJsonString());
        message["seq"] = ContractMessage.MaxSeq + 1;
        AssertInvalid(name, message.ToJsonString());
        message["seq"] = long.MaxValue;
        AssertInvalid(name, message.ToJsonString());
    }

    [Fact]
    public void Schema_names_match_the_message_types()
    {
        Assert.Equal("status", ContractSchemas.NameFor<StatusMessage>());
        Assert.Equal("alarm", ContractSchemas.NameFor<AlarmMessage>());
        Assert.Equal("bin_state", ContractSchemas.NameFor<BinStateMessage>());
    }

    public static TheoryData<string, string> RequiredFields => new()
    {
        { "status", "outbox_depth" },
        { "status", "seq" },
        { "port_telemetry", "power_w" },
        { "port_telemetry", "ts" },
        { "port_state", "state" },
        { "bin_telemetry", "fill_pct" },
        { "bin_state", "forecast_empty_ts" },
        { "alarm", "alarm_id" },
        { "alarm", "cleared_ts" },
        { "session", "energy_wh" },
        { "session", "v" },
        { "session_resumed", "offline_s" },
        { "session_resumed", "session_id" },
        { "command_reply", "ok" },
    };

    [Theory]
    [MemberData(nameof(RequiredFields))]
    public void A_message_missing_a_required_field_fails(string name, string field)
    {
        JsonObject message = Sample(name);
        Assert.True(message.Remove(field), $"{name} has no field {field}");
        AssertInvalid(name, message.ToJsonString());
    }

    /// <summary>Every field is always present (null when unknown): the reader refuses a message missing any field its
    /// schema requires — a nullable one too — naming it, so schema, reader and README agree. Only the fields the schemas
    /// leave optional (clock_synced, clock_step, flapping) may be left out.</summary>
    [Theory]
    [MemberData(nameof(MessageSchemaNames))]
    public void The_reader_refuses_a_message_missing_any_field_its_schema_requires(string name)
    {
        JsonObject sample = Sample(name);
        string[] required = [.. JsonNode.Parse(ContractSchemas.Text(name))!["required"]!.AsArray().Select(node => (string)node!)];
        Assert.NotEmpty(required);
        foreach (string field in required)
        {
            JsonObject message = sample.DeepClone().AsObject();
            Assert.True(message.Remove(field), $"{name} has no field {field}");
            byte[] payload = Encoding.UTF8.GetBytes(message.ToJsonString());

            (bool read, string? error) = name switch
            {
                "status" => (ContractJson.TryDeserialize(payload, out StatusMessage? _, out string? e), e),
                "port_telemetry" => (ContractJson.TryDeserialize(payload, out PortTelemetryMessage? _, out string? e), e),
                "port_state" => (ContractJson.TryDeserialize(payload, out PortStateMessage? _, out string? e), e),
                "bin_telemetry" => (ContractJson.TryDeserialize(payload, out BinTelemetryMessage? _, out string? e), e),
                "bin_state" => (ContractJson.TryDeserialize(payload, out BinStateMessage? _, out string? e), e),
                "alarm" => (ContractJson.TryDeserialize(payload, out AlarmMessage? _, out string? e), e),
                "session" => (ContractJson.TryDeserialize(payload, out SessionMessage? _, out string? e), e),
                "session_resumed" => (ContractJson.TryDeserialize(payload, out SessionResumedMessage? _, out string? e), e),
                "cards" => (ContractJson.TryDeserialize(payload, out CardListMessage? _, out string? e), e),
                _ => (ContractJson.TryDeserialize(payload, out CommandReply? _, out string? e), e),
            };

            Assert.False(read, $"{name} without {field} was read");
            Assert.Contains($"'{field}'", error, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> MessageSchemaNames => new(ContractSchemas.Names.Where(name => name != "command_request"));

    [Fact]
    public void A_status_from_a_gateway_before_clock_synced_still_validates_and_reads_as_unknown()
    {
        JsonObject message = Sample("status");
        Assert.True(message.Remove("clock_synced"));
        string json = message.ToJsonString();

        AssertValid("status", json);
        Assert.True(ContractJson.TryDeserialize(System.Text.Encoding.UTF8.GetBytes(json), out StatusMessage? status, out string? error), error);
        Assert.Null(status!.ClockSynced);

        Assert.Contains("\"clock_synced\":true", ContractJson.SerializeToString(MqttSamples.Status with { ClockSynced = true }), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void A_message_with_an_extra_field_fails(string name)
    {
        JsonObject message = Sample(name);
        message["power_kw"] = 0.2;
        AssertInvalid(name, message.ToJsonString());
    }

    [Theory]
    [InlineData("status", "ts", "2026-11-25T11:30:00Z")]
    [InlineData("status", "ts", "2026-11-25T11:30:00.123+08:00")]
    [InlineData("port_telemetry", "ts", "2026-11-25 11:30:00.123Z")]
    [InlineData("alarm", "raised_ts", "2026-11-25T11:30:00.1234567Z")]
    [InlineData("session", "ended_ts", "1764070200123")]
    [InlineData("bin_state", "last_collected_ts", "2026-11-25T11:30:00.123")]
    public void A_wrong_timestamp_format_fails(string name, string field, string value)
    {
        JsonObject message = Sample(name);
        message[field] = value;
        AssertInvalid(name, message.ToJsonString());
    }

    [Theory]
    [InlineData("port_telemetry", "state", "\"charging_now\"")]
    [InlineData("port_state", "previous_state", "\"Charging\"")]
    [InlineData("port_telemetry", "power_w", "\"178.6\"")]
    [InlineData("port_telemetry", "seq", "0")]
    [InlineData("status", "v", "2")]
    [InlineData("status", "seq", "0")]
    [InlineData("alarm", "severity", "\"fatal\"")]
    [InlineData("alarm", "kind", "\"port_on_fire\"")]
    [InlineData("alarm", "event", "\"acked\"")]
    [InlineData("alarm", "cleared_ts", "\"2026-11-25T12:00:00.000Z\"")]
    [InlineData("session", "end_reason", "\"user_stopped\"")]
    [InlineData("bin_state", "class", "\"glass\"")]
    [InlineData("bin_state", "forecast_empty_ts", "\"2026-11-25T12:00:00.000Z\"")]
    [InlineData("bin_telemetry", "bin", "\"kitchen/1\"")]
    [InlineData("command_request", "port", "3")]
    [InlineData("alarm", "source", "\"port:p03\\\\\"")]
    [InlineData("alarm", "source", "\"<b>shed</b>\"")]
    [InlineData("alarm", "source", "\"thermometer:\"")]
    [InlineData("alarm", "alarm_id", "\"a-20261125-0042-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"")]
    [InlineData("alarm", "alarm_id", "\"a b\"")]
    [InlineData("session", "session_id", "\"s\\u0000\"")]
    [InlineData("port_state", "port", "\"_p03\"")]
    [InlineData("status", "site", "\"sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss\"")]
    [InlineData("command_request", "alarm_id", "\"a,b\"")]
    public void Values_outside_the_vocabulary_fail(string name, string field, string json)
    {
        JsonObject message = Sample(name);
        message[field] = JsonNode.Parse(json);
        AssertInvalid(name, message.ToJsonString());
    }

    [Fact]
    public void A_cleared_alarm_needs_its_clear_time_and_reason()
    {
        JsonObject message = Sample("alarm");
        message["event"] = "cleared";
        AssertInvalid("alarm", message.ToJsonString());
    }

    [Fact]
    public void Flapping_is_an_optional_boolean_an_older_gateways_alarm_without_it_is_valid_and_reads_as_not_flapping()
    {
        JsonObject message = Sample("alarm");
        Assert.False((bool)message["flapping"]!);
        Assert.True(message.Remove("flapping"));
        AssertValid("alarm", message.ToJsonString());
        Assert.True(ContractJson.TryDeserialize(Encoding.UTF8.GetBytes(message.ToJsonString()), out AlarmMessage? read, out string? error), error);
        Assert.False(read!.Flapping);

        message["flapping"] = "yes";
        AssertInvalid("alarm", message.ToJsonString());
        message["flapping"] = true;
        AssertValid("alarm", message.ToJsonString());
        Assert.True(ContractJson.TryDeserialize(Encoding.UTF8.GetBytes(message.ToJsonString()), out read, out error), error);
        Assert.True(read!.Flapping);
    }

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void Every_id_in_every_schema_has_the_contracts_id_pattern(string name)
    {
        JsonNode properties = JsonNode.Parse(ContractSchemas.Text(name))!["properties"]!;
        string[] ids = ["site", "gateway", "port", "bin", "alarm_id", "session_id"];
        foreach (string id in ids.Where(id => properties[id] is not null))
        {
            Assert.Equal(ContractIds.Pattern, (string?)properties[id]!["pattern"]);
        }
    }

    [Fact]
    public void The_alarm_schema_lists_every_alarm_kind_and_gateway_buffer_full()
    {
        JsonNode schema = JsonNode.Parse(ContractSchemas.Text("alarm"))!;
        string[] kinds = [.. schema["properties"]!["kind"]!["enum"]!.AsArray().Select(node => (string)node!)];
        Assert.Equal(ContractAlarmKinds.All.Order(StringComparer.Ordinal), kinds.Order(StringComparer.Ordinal));
        Assert.Contains("gateway_buffer_full", kinds);
        Assert.Equal(Enum.GetValues<AlarmKind>().Length + 1, kinds.Length);
    }

    [Fact]
    public void The_schemas_list_every_port_state_and_end_reason()
    {
        JsonNode telemetry = JsonNode.Parse(ContractSchemas.Text("port_telemetry"))!;
        JsonNode session = JsonNode.Parse(ContractSchemas.Text("session"))!;
        Assert.Equal(
            Enum.GetValues<PortState>().Select(state => state.WireName()),
            telemetry["properties"]!["state"]!["enum"]!.AsArray().Select(node => (string)node!));
        Assert.Equal(
            Enum.GetValues<SessionEndReason>().Select(reason => reason.WireName()),
            session["properties"]!["end_reason"]!["enum"]!.AsArray().Select(node => (string)node!));
    }

    private static JsonObject Sample(string name)
    {
        string json = AllSamples.First(row => (string)row[0] == name)[1] as string ?? throw new InvalidOperationException();
        return JsonNode.Parse(json)!.AsObject();
    }

    private static JsonSchema Schema(string name) =>
        Schemas.GetOrAdd(name, key => JsonSchema.FromText(ContractSchemas.Text(key), new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    private static EvaluationResults Evaluate(string name, string json)
    {
        using var document = JsonDocument.Parse(json);
        return Schema(name).Evaluate(document.RootElement.Clone(), new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static void AssertValid(string name, string json)
    {
        EvaluationResults results = Evaluate(name, json);
        Assert.True(results.IsValid, $"{name} should be valid: {json}\n{Describe(results)}");
    }

    private static void AssertInvalid(string name, string json)
    {
        Assert.False(Evaluate(name, json).IsValid, $"{name} should be invalid: {json}");
    }

    private static string Describe(EvaluationResults results) =>
        string.Join("\n", (results.Details ?? []).Where(detail => detail.Errors is not null)
            .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Key} {error.Value}")));
}
