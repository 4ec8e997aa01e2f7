using System.Text;
using EdgeGateway.Testing;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>Broker restarts and network cuts; each test has its own broker.</summary>
[Trait("Category", "Servers")]
public sealed class MqttConnectionRecoveryTests
{
    private static readonly TimeSpan Wait = RunningLink.Wait;

    [Fact]
    public async Task Reconnects_after_the_broker_restarts_resumes_the_session_resubscribes_and_receives_commands_again()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using var link = new RunningLink(LinkOptions.For(broker.Uri, "gw-a"), ("edge/v1/site/gw-a/cmd/#", MqttQualityOfServiceLevel.AtLeastOnce));
        Assert.False((await link.ConnectedAsync()).SessionPresent);
        await SendCommandAndExpectIt(broker, link, "before");

        await broker.StopAsync();
        MqttLinkDisconnectedEventArgs down = await link.DisconnectedAsync();
        Assert.False(link.Connection.IsConnected);
        Assert.False(await link.Connection.PublishAsync("edge/v1/site/gw-a/status", "x"u8.ToArray(), false, MqttQualityOfServiceLevel.AtLeastOnce));
        await link.ConnectFailedAsync(); // retries while the broker is away

        await broker.StartAsync();
        MqttLinkConnectedEventArgs again = await link.ConnectedAsync();
        Assert.True(again.SessionPresent, $"broker restored the persistent session (disconnect reason {down.Reason})");
        await SendCommandAndExpectIt(broker, link, "after");
        Assert.True(await link.Connection.PublishAsync("edge/v1/site/gw-a/status", "x"u8.ToArray(), false, MqttQualityOfServiceLevel.AtLeastOnce));
    }

    [Fact]
    public async Task Resubscribes_when_the_broker_lost_the_session()
    {
        // Killed (nothing saved) and started again: no session at the broker, the link's own SUBSCRIBE restores the commands.
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions { Persistence = false });
        await using var link = new RunningLink(LinkOptions.For(broker.Uri, "gw-a"), ("edge/v1/site/gw-a/cmd/#", MqttQualityOfServiceLevel.AtLeastOnce));
        await link.ConnectedAsync();

        await broker.KillAsync();
        await link.DisconnectedAsync();
        await broker.StartAsync();

        Assert.False((await link.ConnectedAsync()).SessionPresent);
        await SendCommandAndExpectIt(broker, link, "fresh");
    }

    [Fact]
    public async Task A_cut_link_makes_the_broker_publish_the_retained_will_and_commands_sent_meanwhile_arrive_after_reconnect()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using var network = new TcpCutter(broker.Port);
        MqttLinkOptions options = LinkOptions.For(network.Uri, "gw-a");
        options.Will = new MqttWill { Topic = "edge/v1/site/gw-a/status", Payload = """{"state":"offline"}""", Retain = true };
        await using var link = new RunningLink(options, ("edge/v1/site/gw-a/cmd/#", MqttQualityOfServiceLevel.AtLeastOnce));
        await link.ConnectedAsync();
        await using ProbeClient watcher = await ProbeClient.ConnectAsync(broker);
        await watcher.SubscribeAsync("edge/v1/site/gw-a/status");
        Assert.Null(await watcher.TryNextAsync(TimeSpan.FromMilliseconds(200))); // no will while the link is up

        network.Cut();

        MqttApplicationMessage will = await watcher.NextAsync(Wait);
        Assert.Equal("""{"state":"offline"}""", will.ConvertPayloadToString());
        await link.DisconnectedAsync();

        // Retained: a subscriber arriving later still gets it, flagged retained.
        await using (ProbeClient late = await ProbeClient.ConnectAsync(broker))
        {
            await late.SubscribeAsync("edge/v1/site/gw-a/status");
            MqttApplicationMessage retained = await late.NextAsync(Wait);
            Assert.True(retained.Retain);
            Assert.Equal("""{"state":"offline"}""", retained.ConvertPayloadToString());
        }

        // A QoS 1 command while the gateway is away is queued in its persistent session.
        await using ProbeClient ops = await ProbeClient.ConnectAsync(broker);
        MqttClientPublishResult queued = await ops.PublishAsync("edge/v1/site/gw-a/cmd/relay", "queued");
        Assert.True(queued.IsSuccess, queued.ReasonCode.ToString());

        network.Restore();
        Assert.True((await link.ConnectedAsync()).SessionPresent);
        MqttIncomingMessage command = await link.MessageAsync();
        Assert.Equal("queued", Encoding.UTF8.GetString(command.Payload.Span));
    }

    [Fact]
    public async Task A_clean_stop_disconnects_without_the_will()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using ProbeClient watcher = await ProbeClient.ConnectAsync(broker);
        await watcher.SubscribeAsync("edge/v1/site/gw-a/status");
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.Will = new MqttWill { Topic = "edge/v1/site/gw-a/status", Payload = "offline" };
        var link = new RunningLink(options);
        await link.ConnectedAsync();

        await link.DisposeAsync();

        Assert.Null(await watcher.TryNextAsync(TimeSpan.FromMilliseconds(500)));
        Assert.True(broker.Log.Contains($"Received DISCONNECT from {options.ClientId}", StringComparison.Ordinal), broker.Log + "\n" + link.Logger.Text);
    }

    private static async Task SendCommandAndExpectIt(MosquittoBroker broker, RunningLink link, string payload)
    {
        await using ProbeClient ops = await ProbeClient.ConnectAsync(broker);
        MqttClientPublishResult sent = await ops.PublishAsync("edge/v1/site/gw-a/cmd/relay", payload);
        Assert.Equal(MqttClientPublishReasonCode.Success, sent.ReasonCode);
        MqttIncomingMessage command = await link.MessageAsync();
        Assert.Equal(payload, Encoding.UTF8.GetString(command.Payload.Span));
    }
}
