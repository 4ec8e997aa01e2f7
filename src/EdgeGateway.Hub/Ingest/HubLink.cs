using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace EdgeGateway.Hub.Ingest;

/// <summary>
/// The hub's MQTT connection for ingest: MQTT 5, persistent session under the instance's client id, QoS 1 on
/// <c>edge/v1/#</c> (or <c>$share/{group}/edge/v1/#</c> when instances share the load, MQTT 5 §4.8.2), deferred
/// acknowledgement, and a Receive Maximum (§3.1.2.11.3) equal to the ingest queue's capacity. It also publishes dead
/// letters.
/// </summary>
public sealed class HubLink : IDeadLetterSink, IAsyncDisposable
{
    private readonly HubOptions _options;

    public HubLink(IOptions<HubOptions> options, ILogger<MqttConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        Connection = new MqttConnection(_options.LinkOptions("", acknowledgeOnReceipt: false, receiveMaximum: _options.Ingest.QueueCapacity), logger);
        Filter = SubscriptionFilter(_options.SharedGroup);
        Connection.Subscribe(Filter, MqttQualityOfServiceLevel.AtLeastOnce);
    }

    public MqttConnection Connection { get; }

    public string HubId => _options.ClientId;

    /// <summary>The subscription ingest makes.</summary>
    public string Filter { get; }

    /// <summary><c>edge/v1/#</c>, or the shared form of it.</summary>
    public static string SubscriptionFilter(string? sharedGroup) =>
        sharedGroup is null ? ContractTopics.Root + "/#" : $"$share/{sharedGroup}/{ContractTopics.Root}/#";

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
