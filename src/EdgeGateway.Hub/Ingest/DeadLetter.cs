using System.Text;
using System.Text.Json.Serialization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Ingest;

/// <summary>
/// A refused message as published on <c>edge/v1/_deadletter/{reason}</c>: the reason, what was wrong, and the message
/// itself (topic and payload), so that nothing refused is lost and an operator can replay it once the cause is fixed.
/// </summary>
public sealed record DeadLetter
{
    public required string Reason { get; init; }

    public required string Detail { get; init; }

    public required string Topic { get; init; }

    /// <summary>The payload as UTF-8 text when it is valid UTF-8, else null and <see cref="PayloadBase64"/> is set.</summary>
    public string? Payload { get; init; }

    public string? PayloadBase64 { get; init; }

    /// <summary>The payload's size in bytes (an oversized payload is cut to <see cref="ContractMessageReader.MaxPayloadBytes"/> here).</summary>
    public required int PayloadBytes { get; init; }

    public required DateTimeOffset ReceivedTs { get; init; }

    /// <summary>The hub instance that refused it.</summary>
    public required string Hub { get; init; }

    /// <summary><c>edge/v1/_deadletter/{reason}</c>.</summary>
    public string DeadLetterTopic => ContractTopics.Root + "/_deadletter/" + Reason;

    public static string WireName(RejectReason reason) => reason switch
    {
        RejectReason.PayloadTooLarge => "payload_too_large",
        RejectReason.BadTopic => "bad_topic",
        RejectReason.MalformedJson => "malformed_json",
        RejectReason.UnsupportedVersion => "unsupported_version",
        RejectReason.InvalidMessage => "invalid_message",
        RejectReason.TopicMismatch => "topic_mismatch",
        RejectReason.AbsurdValue => "absurd_value",
        RejectReason.RejectedByDatabase => "rejected_by_database",
        RejectReason.LimitExceeded => "limit_exceeded",
        _ => "unknown",
    };

    public static DeadLetter For(RejectReason reason, string detail, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt, string hub)
    {
        ReadOnlySpan<byte> kept = payload.Span[..Math.Min(payload.Length, ContractMessageReader.MaxPayloadBytes)];
        string? text = null;
        try
        {
            text = new UTF8Encoding(false, true).GetString(kept);
        }
        catch (DecoderFallbackException)
        {
        }

        return new DeadLetter
        {
            Reason = WireName(reason),
            Detail = detail,
            Topic = topic,
            Payload = text,
            PayloadBase64 = text is null ? Convert.ToBase64String(kept) : null,
            PayloadBytes = payload.Length,
            ReceivedTs = receivedAt,
            Hub = hub,
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, Converters = [typeof(ContractTimeConverter)])]
[JsonSerializable(typeof(DeadLetter))]
internal sealed partial class HubJson : JsonSerializerContext;
