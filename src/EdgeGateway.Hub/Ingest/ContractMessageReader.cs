using System.Globalization;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Ingest;

/// <summary>Why a message was refused; the wire name is the dead-letter topic's last level and the metric's tag.</summary>
public enum RejectReason
{
    /// <summary>Larger than <see cref="ContractMessageReader.MaxPayloadBytes"/>.</summary>
    PayloadTooLarge,

    /// <summary>The topic is not a contract v1 topic the hub ingests.</summary>
    BadTopic,

    /// <summary>Not JSON, or not one JSON object.</summary>
    MalformedJson,

    /// <summary><c>v</c> missing or not 1.</summary>
    UnsupportedVersion,

    /// <summary>A required field is missing or has the wrong type or enumeration value.</summary>
    InvalidMessage,

    /// <summary>Site, gateway, port or bin in the payload differ from the topic's.</summary>
    TopicMismatch,

    /// <summary>A value no gateway can have measured (negative power, a power factor of 3, a timestamp in 1970).</summary>
    AbsurdValue,

    /// <summary>The database refused the point itself (a field type conflict): retrying cannot help.</summary>
    RejectedByDatabase,

    /// <summary>The message names one port or bin more than its gateway may have (<see cref="HubLimits"/>).</summary>
    LimitExceeded,
}

/// <summary>What the hub does with one MQTT message.</summary>
public abstract record IngestDecision
{
    /// <summary>A valid contract message: store it.</summary>
    /// <param name="Topic">Its topic.</param>
    /// <param name="Message">The message; its <c>ts</c> is the hub's receive time when the gateway's could not be true (<paramref name="GatewayTs"/>).</param>
    /// <param name="GatewayTs">The gateway's own <c>ts</c> when it was implausible (the gateway's wall clock was not set) and replaced; null otherwise.</param>
    /// <param name="ClockProblem">Which stamps of the message are implausible, stored with it; null when none is.</param>
    public sealed record Accept(ContractTopic Topic, ContractMessage Message, DateTimeOffset? GatewayTs = null, string? ClockProblem = null) : IngestDecision;

    /// <summary>Not ingested and not an error: commands to gateways, the hub's own topics, dead letters.</summary>
    public sealed record Ignore : IngestDecision;

    /// <summary>Refused: dead-lettered with the reason and counted.</summary>
    public sealed record Reject(RejectReason Reason, string Detail) : IngestDecision;

    public static readonly Ignore Ignored = new();
}

/// <summary>
/// Turns an MQTT message into an <see cref="IngestDecision"/>, never throwing. Contract v1 rules
/// (src/EdgeGateway.Contracts/README.md): topic shape, <c>v</c> = 1, every required field present with its type,
/// envelope agrees with the topic, and values a meter or sensor can produce. Fields a newer v1 gateway adds are
/// ignored, as the contract's versioning section asks of consumers. Each reader keeps the port and bin ids each gateway
/// has named (<see cref="GatewayInventory"/>) and refuses those beyond the gateway's caps.
/// </summary>
public sealed class ContractMessageReader(TimeProvider time, HubLimits? limits = null)
{
    private readonly GatewayInventory _inventory = new(limits ?? new HubLimits());

    /// <summary>The largest payload read (a full bin state is about 700 bytes; a port telemetry about 400).</summary>
    public const int MaxPayloadBytes = 16 * 1024;

    /// <summary>Timestamps before this are a gateway clock that was never set.</summary>
    private static readonly DateTimeOffset Earliest = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far ahead of the hub's clock a gateway's <c>ts</c> may be (simulated sheds run ahead at --speed).</summary>
    public static readonly TimeSpan MaxClockLead = TimeSpan.FromDays(7);

    /// <summary>Prefixes of topics under the contract root that belong to the hub itself (never ingested).</summary>
    public static readonly string[] HubOwnedPrefixes = [ContractTopics.Root + "/_deadletter/", ContractTopics.Root + "/_hub/"];

    public IngestDecision Read(string topic, ReadOnlySpan<byte> payload)
    {
        foreach (string prefix in HubOwnedPrefixes)
        {
            if (topic.StartsWith(prefix, StringComparison.Ordinal))
            {
                return IngestDecision.Ignored;
            }
        }

        if (!ContractTopics.TryParse(topic, out ContractTopic parsed))
        {
            return new IngestDecision.Reject(RejectReason.BadTopic, $"'{topic}' is not a contract v1 topic");
        }

        return Read(parsed, payload);
    }

    /// <summary>The decision on a message whose topic is already parsed: the one validation every consumer of contract
    /// messages runs (ingest, and the console's live board), so that nothing is shown that is not stored.</summary>
    public IngestDecision Read(ContractTopic parsed, ReadOnlySpan<byte> payload)
    {
        // Commands and card lists are what the hub itself sends to gateways: nothing to store.
        if (parsed.Kind is ContractTopicKind.Command or ContractTopicKind.Cards)
        {
            return IngestDecision.Ignored;
        }

        if (payload.Length > MaxPayloadBytes)
        {
            return new IngestDecision.Reject(RejectReason.PayloadTooLarge, Invariant($"{payload.Length} bytes; the limit is {MaxPayloadBytes}"));
        }

        if (ReadVersion(payload) is { } versionProblem)
        {
            return versionProblem;
        }

        (ContractMessage? message, string? error) = parsed.Kind switch
        {
            ContractTopicKind.Status => Deserialize<StatusMessage>(payload),
            ContractTopicKind.PortTelemetry => Deserialize<PortTelemetryMessage>(payload),
            ContractTopicKind.PortState => Deserialize<PortStateMessage>(payload),
            ContractTopicKind.BinTelemetry => Deserialize<BinTelemetryMessage>(payload),
            ContractTopicKind.BinState => Deserialize<BinStateMessage>(payload),
            ContractTopicKind.Alarms => Deserialize<AlarmMessage>(payload),
            ContractTopicKind.Sessions => Deserialize<SessionMessage>(payload),
            ContractTopicKind.SessionResumed => Deserialize<SessionResumedMessage>(payload),
            _ => (null, "no message type for this topic"),
        };
        if (message is null)
        {
            return new IngestDecision.Reject(RejectReason.InvalidMessage, error ?? "unreadable");
        }

        if (Mismatch(parsed, message) is { } mismatch)
        {
            return new IngestDecision.Reject(RejectReason.TopicMismatch, mismatch);
        }

        if (Unknown(message) is { } unknown)
        {
            return new IngestDecision.Reject(RejectReason.InvalidMessage, unknown);
        }

        if (Absurd(message) is { } absurd)
        {
            return new IngestDecision.Reject(RejectReason.AbsurdValue, absurd);
        }

        if (_inventory.Admit(message) is { } excess)
        {
            return new IngestDecision.Reject(RejectReason.LimitExceeded, excess);
        }

        // A stamp no true clock can give is the gateway's clock not set yet (a board without a real-time clock, before
        // NTP, in a boot the gateway could not correct): the values are good, so the message is stored, not refused.
        string? clockProblem = ImplausibleStamps(message);
        if (message.Seq != 0 && Time("ts", message.Ts) is not null)
        {
            return new IngestDecision.Accept(parsed, message with { Ts = time.GetUtcNow() }, message.Ts, clockProblem);
        }

        return new IngestDecision.Accept(parsed, message, null, clockProblem);
    }

    private static (ContractMessage? Message, string? Error) Deserialize<T>(ReadOnlySpan<byte> payload)
        where T : ContractMessage =>
        ContractJson.TryDeserialize(payload, out T? message, out string? error) ? (message, null) : (null, error);

    /// <summary>Finds the top-level <c>v</c> before the message is bound, so that a v2 payload is refused as v2 and not
    /// as "a field is missing"; a payload that is not one JSON object is refused here too.</summary>
    private static IngestDecision.Reject? ReadVersion(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new IngestDecision.Reject(RejectReason.MalformedJson, "the payload is not a JSON object");
            }

            long? version = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                bool isVersion = reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("v"u8);
                reader.Read();
                if (isVersion)
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v))
                    {
                        return new IngestDecision.Reject(RejectReason.UnsupportedVersion, "'v' must be the integer 1");
                    }

                    version = v;
                }

                reader.TrySkip();
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return new IngestDecision.Reject(RejectReason.MalformedJson, "the JSON object is not closed");
            }

            if (reader.Read())
            {
                return new IngestDecision.Reject(RejectReason.MalformedJson, "data after the JSON object");
            }

            return version switch
            {
                null => new IngestDecision.Reject(RejectReason.UnsupportedVersion, "'v' is missing"),
                ContractTopics.ContractVersion => null,
                _ => new IngestDecision.Reject(RejectReason.UnsupportedVersion, Invariant($"contract version {version.Value}; this hub reads v{ContractTopics.ContractVersion}")),
            };
        }
        catch (JsonException exception)
        {
            return new IngestDecision.Reject(RejectReason.MalformedJson, exception.Message);
        }
    }

    private static string? Mismatch(ContractTopic topic, ContractMessage message)
    {
        if (!string.Equals(topic.Site, message.Site, StringComparison.Ordinal))
        {
            return $"site '{message.Site}' in the payload, '{topic.Site}' in the topic";
        }

        if (!string.Equals(topic.Gateway, message.Gateway, StringComparison.Ordinal))
        {
            return $"gateway '{message.Gateway}' in the payload, '{topic.Gateway}' in the topic";
        }

        string? payloadPort = message switch
        {
            PortTelemetryMessage t => t.Port,
            PortStateMessage s => s.Port,
            _ => null,
        };
        if (topic.Port is not null && !string.Equals(topic.Port, payloadPort, StringComparison.Ordinal))
        {
            return $"port '{payloadPort}' in the payload, '{topic.Port}' in the topic";
        }

        string? payloadBin = message switch
        {
            BinTelemetryMessage t => t.Bin,
            BinStateMessage s => s.Bin,
            _ => null,
        };
        if (topic.Bin is not null && !string.Equals(topic.Bin, payloadBin, StringComparison.Ordinal))
        {
            return $"bin '{payloadBin}' in the payload, '{topic.Bin}' in the topic";
        }

        return null;
    }

    /// <summary>
    /// Enumerations the C# types hold as strings (<c>class</c>, <c>kind</c>, <c>source</c>) and ids not in a topic
    /// (alarm, session, a session's port): each must be one the contract defines, so that no tag InfluxDB stores can
    /// carry markup, a NUL, a trailing backslash (which broke the line protocol) or an unbounded length.
    /// </summary>
    private static string? Unknown(ContractMessage message) => message switch
    {
        BinTelemetryMessage b => BinClass(b.Class),
        BinStateMessage b => BinClass(b.Class),
        SessionMessage s => Id("session_id", s.SessionId) ?? Id("port", s.Port),
        SessionResumedMessage r => Id("session_id", r.SessionId) ?? Id("port", r.Port),
        AlarmMessage a => Id("alarm_id", a.AlarmId)
            ?? (ContractAlarmKinds.IsKnown(a.Kind) ? null : $"kind '{Shown(a.Kind)}' is not an alarm kind of the contract")
            ?? (ContractIds.IsValidAlarmSource(a.Source) ? null
                : $"source '{Shown(a.Source)}' is not one of {string.Join(", ", ContractIds.PlainSources)} or port:, bin:, thermometer: and an id"),
        _ => null,
    };

    private static string? BinClass(string value) =>
        BinClasses.All.Contains(value, StringComparer.Ordinal) ? null : $"class '{Shown(value)}' is not one of {string.Join(", ", BinClasses.All)}";

    private static string? Id(string name, string value) =>
        ContractIds.IsValid(value) ? null : $"{name} '{Shown(value)}' is not 1 to {ContractIds.MaxLength} of A-Z a-z 0-9 _ -, starting with a letter or digit";

    /// <summary>A refused value as the dead letter's detail shows it: at most 80 characters, control characters escaped.</summary>
    private static string Shown(string value)
    {
        string cut = value.Length > 80 ? value[..80] + "…" : value;
        return string.Concat(cut.Select(c => char.IsControl(c) ? Invariant($"\\u{(int)c:x4}") : c.ToString()));
    }

    private static string? Absurd(ContractMessage message)
    {
        bool lastWill = message is StatusMessage { Online: false } && message.Seq == 0;
        if (message.Seq < 1 && !lastWill)
        {
            return Invariant($"seq {message.Seq}: sequence numbers start at 1 (0 only in an offline Last Will)");
        }

        if (message.Seq > ContractMessage.MaxSeq)
        {
            return Invariant($"seq {message.Seq} is above the contract's largest, {ContractMessage.MaxSeq} (2^53 - 1)");
        }

        return message switch
        {
            PortTelemetryMessage t =>
                Range("voltage_v", t.VoltageV, 0, 1000) ?? Range("current_a", t.CurrentA, 0, 1000) ?? Range("power_w", t.PowerW, 0, 1_000_000)
                ?? Range("power_factor", t.PowerFactor, 0, 1) ?? Range("session_energy_wh", t.SessionEnergyWh, 0, 1e9)
                ?? Range("session_s", t.SessionS, 0, 366L * 86400) ?? Range("lifetime_energy_wh", t.LifetimeEnergyWh, 0, 1e12),
            BinTelemetryMessage b => Bin(b.FillPct, b.FillLevelMm, b.WeightKg, b.TemperatureC),
            BinStateMessage b => Bin(b.FillPct, b.FillLevelMm, b.WeightKg, b.TemperatureC)
                ?? Range("fill_at_last_collection_pct", b.FillAtLastCollectionPct, -50, 200)
                ?? Range("average_fill_speed_pct_per_day", b.AverageFillSpeedPctPerDay, -10_000, 10_000),
            SessionMessage s =>
                Range("duration_s", s.DurationS, 0, 366d * 86400) ?? Range("energy_wh", s.EnergyWh, 0, 1e9)
                ?? Range("peak_power_w", s.PeakPowerW, 0, 1_000_000),
            SessionResumedMessage r =>
                Range("offline_s", r.OfflineS, 0, 366d * 86400) ?? Range("energy_wh", r.EnergyWh, 0, 1e9)
                ?? Range("peak_power_w", r.PeakPowerW, 0, 1_000_000),
            AlarmMessage a => a.Event == AlarmEvent.Cleared && a.ClearedTs is null ? "a cleared alarm needs cleared_ts" : null,
            StatusMessage s => Range("uptime_s", s.UptimeS, 0, 100L * 366 * 86400) ?? Range("outbox_depth", s.OutboxDepth, 0, 100_000_000),
            _ => null,
        };
    }

    /// <summary>
    /// The stamps that cannot be true time: before 2020, too far ahead, or a session that ended before it started (a
    /// session that began before the gateway's clock stepped back and ended after). Null when all are plausible. The
    /// Last Will's <c>ts</c> is never used (it is stored at the receive time anyway).
    /// </summary>
    private string? ImplausibleStamps(ContractMessage message)
    {
        string?[] stamps = message switch
        {
            PortTelemetryMessage t => [Time("measured_ts", t.MeasuredTs)],
            BinTelemetryMessage b => [Time("sampled_ts", b.SampledTs)],
            SessionMessage s => [Time("started_ts", s.StartedTs), Time("ended_ts", s.EndedTs), s.EndedTs < s.StartedTs ? "ended_ts is before started_ts" : null],
            SessionResumedMessage r => [Time("started_ts", r.StartedTs)],
            AlarmMessage a => [Time("raised_ts", a.RaisedTs), Time("cleared_ts", a.ClearedTs)],
            _ => [],
        };
        string[] found = [.. stamps.Prepend(message.Seq == 0 ? null : Time("ts", message.Ts)).OfType<string>()];
        return found.Length == 0 ? null : string.Join("; ", found);
    }

    private static string? Bin(double? fillPct, double? levelMm, double? weightKg, double? temperatureC) =>
        Range("fill_pct", fillPct, -50, 200) ?? Range("fill_level_mm", levelMm, -10_000, 10_000)
        ?? Range("weight_kg", weightKg, -50, 10_000) ?? Range("temperature_c", temperatureC, -60, 500);

    private string? Time(string name, DateTimeOffset? value)
    {
        if (value is not { } ts)
        {
            return null;
        }

        DateTimeOffset latest = time.GetUtcNow() + MaxClockLead;
        return ts < Earliest || ts > latest
            ? $"{name} {ContractTime.Format(ts)} is outside {ContractTime.Format(Earliest)} .. {ContractTime.Format(latest)}"
            : null;
    }

    private static string? Range(string name, double? value, double min, double max) =>
        value is { } v && (v < min || v > max || !double.IsFinite(v))
            ? Invariant($"{name} {v} is outside {min} .. {max}")
            : null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
