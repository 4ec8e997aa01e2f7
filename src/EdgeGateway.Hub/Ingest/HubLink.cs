using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Mqtt;
using MQTTnet.Protocol;

namespace EdgeGateway.Hub.Ingest;

/// <summary>
/// One of ingest's two MQTT connections, both MQTT 5 with a persistent session, QoS 1, deferred acknowledgement and a
/// Receive Maximum (§3.1.2.11.3) equal to its pipeline's queue capacity (shared forms <c>$share/{group}/…</c> when
/// instances share the load, MQTT 5 §4.8.2):
/// <list type="bullet">
/// <item><see cref="ForTelemetry"/>, client id <c>{client id}</c>: everything under <c>edge/v1/</c> but alarms and
/// session ends — status, port and bin telemetry and states, resumed sessions, and anything malformed to dead-letter;</item>
/// <item><see cref="ForAlarms"/>, client id <c>{client id}-alarms</c>: <c>edge/v1/+/+/alarms</c> and
/// <c>edge/v1/+/+/sessions</c>. A broker stops delivering on a connection whose Receive Maximum is used up; when InfluxDB
/// stalls, the telemetry connection's is, within seconds at district load, and alarms behind it waited for the
/// database. On their own connection they keep arriving, and are notified as they are read.</item>
/// </list>
/// Each publishes the dead letters of what it refused.
/// </summary>
public sealed class HubLink : IDeadLetterSink, IAsyncDisposable
{
    /// <summary>The alarm connection's name (<see cref="Broker.HubBrokerSettings.LinkOptions"/>): client id and user
    /// <c>{ClientId}-alarms</c>.</summary>
    public const string AlarmsConnection = "alarms";

    private HubLink(HubOptions options, string connection, int receiveMaximum, IReadOnlyList<string> filters, ILogger<MqttConnection> logger)
    {
        HubId = options.ClientId;
        Connection = new MqttConnection(options.LinkOptions(connection, acknowledgeOnReceipt: false, receiveMaximum: receiveMaximum), logger);
        Filters = filters;
        foreach (string filter in filters)
        {
            Connection.Subscribe(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }
    }

    public MqttConnection Connection { get; }

    public string HubId { get; }

    /// <summary>The subscriptions this connection makes.</summary>
    public IReadOnlyList<string> Filters { get; }

    /// <summary>The subscriptions, for a log line.</summary>
    public string Filter => string.Join(", ", Filters);

    /// <summary>Ingest's main connection: everything but alarms and session ends.</summary>
    public static HubLink ForTelemetry(HubOptions options, ILogger<MqttConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HubLink(options, "", options.Ingest.QueueCapacity, TelemetryFilters(options.SharedGroup), logger);
    }

    /// <summary>The alarm connection: alarms and session ends only.</summary>
    public static HubLink ForAlarms(HubOptions options, ILogger<MqttConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HubLink(options, AlarmsConnection, options.Ingest.AlarmQueueCapacity, AlarmFilters(options.SharedGroup), logger);
    }

    /// <summary>
    /// Every topic under <c>edge/v1/</c> except a gateway's <c>alarms</c> and <c>sessions</c> (MQTT has no exclusion, so
    /// by level): <c>edge/v1/+</c> and <c>edge/v1/+/+</c> (nothing valid; read to dead-letter), <c>edge/v1/+/+/status</c>,
    /// and every topic four levels or more below the root (<c>ports/…</c>, <c>bins/…</c>, <c>sessions/resumed</c>,
    /// <c>cmd/…</c>, and malformed ones). A gateway topic of three levels other than status, alarms and sessions is
    /// not subscribed: the broker's ACL grants a gateway no such topic.
    /// </summary>
    public static IReadOnlyList<string> TelemetryFilters(string? sharedGroup) =>
        [Shared(sharedGroup, "+"), Shared(sharedGroup, "+/+"), Shared(sharedGroup, "+/+/status"), Shared(sharedGroup, "+/+/+/+/#")];

    /// <summary><c>edge/v1/+/+/alarms</c> and <c>edge/v1/+/+/sessions</c>, or their shared forms.</summary>
    public static IReadOnlyList<string> AlarmFilters(string? sharedGroup) =>
        [Shared(sharedGroup, "+/+/alarms"), Shared(sharedGroup, "+/+/sessions")];

    private static string Shared(string? sharedGroup, string belowRoot) =>
        (sharedGroup is null ? "" : $"$share/{sharedGroup}/") + ContractTopics.Root + "/" + belowRoot;

    public async Task<bool> PublishAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(letter, HubJson.Default.DeadLetter);
        return await Connection.PublishAsync(
            letter.DeadLetterTopic,
            payload,
            retain: false,
            MqttQualityOfServiceLevel.AtLeastOnce,
            new MqttPublishProperties { ContentType = "application/json" },
            cancellationToken);
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

/// <summary>Ingest's two lanes, each a connection feeding its own pipeline: <see cref="Telemetry"/> (the bulk) and
/// <see cref="Alarms"/> (alarms and session ends, never behind the bulk). They share one seq tracker and one set of
/// counters.</summary>
public sealed class IngestLanes(IngestLane telemetry, IngestLane alarms) : IAsyncDisposable
{
    public IngestLane Telemetry { get; } = telemetry;

    public IngestLane Alarms { get; } = alarms;

    public IEnumerable<IngestLane> All => [Telemetry, Alarms];

    /// <summary>Disposes the alarm lane; the telemetry lane's link and pipeline are services of their own, which the
    /// container disposes.</summary>
    public async ValueTask DisposeAsync()
    {
        await Alarms.Link.DisposeAsync();
        Alarms.Pipeline.Dispose();
    }
}

/// <summary>A connection and the pipeline it feeds.</summary>
public sealed record IngestLane(string Name, HubLink Link, IngestPipeline Pipeline);
