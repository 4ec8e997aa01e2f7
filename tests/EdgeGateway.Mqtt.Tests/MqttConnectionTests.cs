using System.Diagnostics;
using System.Text;
using EdgeGateway.Testing;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt.Tests;

[Collection(SharedMosquitto.Name)]
[Trait("Category", "Servers")]
public sealed class MqttConnectionTests(MosquittoFixture fixture)
{
    private static readonly TimeSpan Wait = RunningLink.Wait;

    private MosquittoBroker Broker => fixture.Broker;

    [Fact]
    public async Task Publishes_QoS1_acknowledged_by_PUBACK_and_a_subscriber_receives_it_with_its_properties()
    {
        string topic = $"edge/v1/site/{Guid.NewGuid():N}/status";
        await using ProbeClient probe = await ProbeClient.ConnectAsync(Broker);
        await probe.SubscribeAsync(topic);
        await using var link = new RunningLink(LinkOptions.For(Broker.Uri, "gw-a"));
        MqttLinkConnectedEventArgs connected = await link.ConnectedAsync();
        Assert.True(link.Connection.IsConnected);
        Assert.False(connected.SessionPresent);

        bool acknowledged = await link.Connection.PublishAsync(
            topic,
            Encoding.UTF8.GetBytes("""{"state":"online"}"""),
            retain: false,
            MqttQualityOfServiceLevel.AtLeastOnce,
            new MqttPublishProperties
            {
                ResponseTopic = "edge/v1/site/x/reply",
                CorrelationData = new byte[] { 1, 2, 3 },
                ContentType = "application/json",
                UserProperties = [new("schema", "status/1")],
            });

        Assert.True(acknowledged);
        MqttApplicationMessage received = await probe.NextAsync(Wait);
        Assert.Equal(topic, received.Topic);
        Assert.Equal("""{"state":"online"}""", received.ConvertPayloadToString());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, received.QualityOfServiceLevel);
        Assert.Equal("edge/v1/site/x/reply", received.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3 }, received.CorrelationData);
        Assert.Equal("application/json", received.ContentType);
        Assert.Contains(received.UserProperties!, p => p.Name == "schema" && p.ReadValueAsString() == "status/1");
    }

    [Fact]
    public async Task A_QoS1_publish_with_no_subscriber_is_still_acknowledged()
    {
        // Mosquitto answers PUBACK "NoMatchingSubscribers" (0x10), a success code in MQTT 5: the broker took the message.
        await using var link = new RunningLink(LinkOptions.For(Broker.Uri, "gw-a"));
        await link.ConnectedAsync();

        Assert.True(await link.Connection.PublishAsync($"edge/v1/site/{Guid.NewGuid():N}/nobody", "x"u8.ToArray(), false, MqttQualityOfServiceLevel.AtLeastOnce));
    }

    [Fact]
    public async Task Commands_on_the_subscribed_filter_reach_the_handler_with_response_topic_and_correlation_data()
    {
        string site = Guid.NewGuid().ToString("N");
        await using var link = new RunningLink(LinkOptions.For(Broker.Uri, "gw-a"), ($"edge/v1/site/{site}/cmd/#", MqttQualityOfServiceLevel.AtLeastOnce));
        await link.ConnectedAsync();
        await using ProbeClient probe = await ProbeClient.ConnectAsync(Broker);

        MqttClientPublishResult sent = await probe.PublishAsync($"edge/v1/site/{site}/cmd/relay", "off", responseTopic: $"ops/{site}/reply", correlationData: [7, 7]);

        Assert.Equal(MqttClientPublishReasonCode.Success, sent.ReasonCode);
        MqttIncomingMessage command = await link.MessageAsync();
        Assert.Equal($"edge/v1/site/{site}/cmd/relay", command.Topic);
        Assert.Equal("off", Encoding.UTF8.GetString(command.Payload.Span));
        Assert.Equal($"ops/{site}/reply", command.ResponseTopic);
        Assert.Equal(new byte[] { 7, 7 }, command.CorrelationData!.Value.ToArray());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, command.QualityOfService);
    }

    [Fact]
    public async Task A_subscription_added_while_connected_is_made_at_once()
    {
        string site = Guid.NewGuid().ToString("N");
        await using var link = new RunningLink(LinkOptions.For(Broker.Uri, "gw-a"));
        await link.ConnectedAsync();
        link.Connection.Subscribe($"edge/v1/site/{site}/cmd/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using ProbeClient probe = await ProbeClient.ConnectAsync(Broker);

        // The SUBSCRIBE goes out in the background: publish until the link has it (bounded).
        var deadline = Stopwatch.StartNew();
        MqttIncomingMessage? command = null;
        while (command is null && deadline.Elapsed < Wait)
        {
            await probe.PublishAsync($"edge/v1/site/{site}/cmd/ping", "1");
            command = await TryNext(link, TimeSpan.FromMilliseconds(200));
        }

        Assert.NotNull(command);
    }

    [Fact]
    public async Task Publish_returns_false_at_once_when_the_link_is_not_up()
    {
        // Never started, and running against a port where nothing listens: both answer false without waiting for the
        // operation timeout (a minute here, so the bound below tells "at once" from "waited" on however busy a machine).
        MqttLinkOptions Options(Uri broker)
        {
            MqttLinkOptions options = LinkOptions.For(broker, "gw-a");
            options.OperationTimeout = TimeSpan.FromSeconds(60);
            return options;
        }

        await using var idle = new MqttConnection(Options(Broker.Uri), new ListLogger<MqttConnection>());
        var watch = Stopwatch.StartNew();
        Assert.False(await idle.PublishAsync("edge/v1/site/gw-a/status", "x"u8.ToArray(), true, MqttQualityOfServiceLevel.AtLeastOnce));

        await using var link = new RunningLink(Options(new Uri("mqtt://127.0.0.1:9")));
        await link.ConnectFailedAsync();
        Assert.False(link.Connection.IsConnected);
        Assert.False(await link.Connection.PublishAsync("edge/v1/site/gw-a/status", "x"u8.ToArray(), true, MqttQualityOfServiceLevel.AtLeastOnce));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}: waited for the operation timeout");
    }

    private static async Task<MqttIncomingMessage?> TryNext(RunningLink link, TimeSpan timeout)
    {
        try
        {
            return await link.NextAsync(link.Messages, "message", timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }
}
