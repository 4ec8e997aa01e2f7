using System.Text;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Testing;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using MQTTnet;

namespace EdgeGateway.Mqtt.Tests;

/// <summary>
/// The gateway's outbox drain (<see cref="OutboxDrain"/>, src/EdgeGateway/Messaging) over a real
/// <see cref="MqttConnection"/> and Mosquitto: it lives in the gateway, but what it must get right is how it uses the
/// connection — the PUBLISH window, the broker's Receive Maximum, the order, what a refusal leaves behind.
/// </summary>
[Collection(SharedMosquitto.Name)]
[Trait("Category", "Servers")]
public sealed class OutboxDrainTests(MosquittoFixture fixture) : IDisposable
{
    private static readonly TimeSpan Wait = RunningLink.Wait;

    private readonly string _scratch = Directory.CreateTempSubdirectory("edgegateway-drain-test-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Drains_several_batches_in_outbox_order_with_the_window_kept_full_across_them_and_empties_the_outbox()
    {
        string prefix = $"edge/v1/drain/{Guid.NewGuid():N}";
        await using ProbeClient probe = await ProbeClient.ConnectAsync(fixture.Broker);
        await probe.SubscribeAsync(prefix + "/#");
        using DurableOutbox outbox = Open();
        // 350 messages over 7 topics: three and a half batches of 100.
        outbox.Append([.. Enumerable.Range(0, 350).Select(i => Telemetry($"{prefix}/p{i % 7}"))]);
        await using var link = new RunningLink(LinkOptions.For(fixture.Broker.Uri, "gw-drain"));
        await link.ConnectedAsync();
        int refills = 0;

        int removed = await new OutboxDrain(outbox, link.Connection, batch: 100, window: 16).DrainAsync(() => refills++, CancellationToken.None);

        Assert.Equal(350, removed);
        Assert.Equal(0, outbox.Stats.Depth);
        Assert.Equal(5, refills); // four peeks with messages, one that finds nothing new
        List<long> seqs = await ReceiveSeqsAsync(probe, 350);
        Assert.Equal(Enumerable.Range(1, 350).Select(i => (long)i), seqs); // one connection, one subscriber: the send order
    }

    [Fact]
    public async Task An_alarm_appended_during_a_drain_goes_out_next_ahead_of_the_telemetry_already_peeked()
    {
        // A slow broker: the window of 16 is out and no PUBACK comes back. The drain had peeked all 250 telemetry
        // messages; an alarm raised now must not wait behind the 234 still to be sent (seconds of PUBACKs on a loaded
        // broker: alarm -> notice p99 of 8 s at district load), but go out as soon as the window has room.
        string prefix = $"edge/v1/drain/{Guid.NewGuid():N}";
        await using ProbeClient probe = await ProbeClient.ConnectAsync(fixture.Broker);
        await probe.SubscribeAsync(prefix + "/#");
        using DurableOutbox outbox = Open();
        outbox.Append([.. Enumerable.Range(0, 250).Select(_ => Telemetry(prefix + "/telemetry"))]);
        await using var proxy = new InFlightCounter(fixture.Broker.Port);
        await using var link = new RunningLink(LinkOptions.For(proxy.Uri, "gw-drain"));
        await link.ConnectedAsync();
        proxy.HoldFromBroker();

        Task<int> drain = new OutboxDrain(outbox, link.Connection, batch: 250, window: 16).DrainAsync(null, CancellationToken.None);
        using (var bound = new CancellationTokenSource(Wait))
        {
            while (proxy.Published < 16)
            {
                await Task.Delay(10, bound.Token); // until the window is out (a hang bound, not a timing verdict)
            }
        }

        outbox.Append([new OutboxItem(prefix + "/alarm", MessageClass.Alarm, false, seq => Encoding.UTF8.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);
        proxy.ReleaseFromBroker();
        Assert.Equal(251, await drain.WaitAsync(Wait));

        var topics = new List<string>();
        for (int i = 0; i < 251; i++)
        {
            topics.Add((await probe.NextAsync(Wait)).Topic);
        }

        Assert.Equal(16, topics.IndexOf(prefix + "/alarm")); // right after the window that was out when it was raised
        Assert.Equal(0, outbox.Stats.Depth);
    }

    [Fact]
    public async Task A_refused_publish_stops_the_drain_and_it_and_everything_after_it_stay_in_the_outbox_in_order()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions
        {
            Users = new Dictionary<string, string> { ["gw-a"] = "a-pass", ["ops"] = "ops-pass" },
            Acl = "user gw-a\ntopic readwrite edge/v1/site/gw-a/#\n\nuser ops\ntopic readwrite edge/#\n",
        });
        await using ProbeClient ops = await ProbeClient.ConnectAsync(broker, "ops", "ops-pass");
        await ops.SubscribeAsync("edge/#");
        using DurableOutbox outbox = Open();
        outbox.Append([.. Enumerable.Range(0, 130).Select(_ => Telemetry("edge/v1/site/gw-a/telemetry"))]);
        outbox.Append([Telemetry("edge/v1/site/gw-b/telemetry")]); // seq 131: refused (PUBACK 0x87 NotAuthorized)
        outbox.Append([.. Enumerable.Range(0, 40).Select(_ => Telemetry("edge/v1/site/gw-a/telemetry"))]);
        string passwordFile = Path.Combine(_scratch, "password");
        await File.WriteAllTextAsync(passwordFile, "a-pass");
        MqttLinkOptions options = LinkOptions.For(broker.Uri, "gw-a");
        options.Username = "gw-a";
        options.PasswordFile = passwordFile;
        await using var link = new RunningLink(options);
        await link.ConnectedAsync();

        int removed = await new OutboxDrain(outbox, link.Connection, batch: 100, window: 16).DrainAsync(null, CancellationToken.None);

        // Only the run before the refusal left the outbox; what was in flight behind it (delivered or not) stays, and
        // nothing after the window was sent.
        Assert.Equal(130, removed);
        IReadOnlyList<OutboxRecord> left = outbox.PeekBatch(100);
        Assert.Equal(41, left.Count);
        Assert.Equal(Enumerable.Range(131, 41).Select(i => (long)i), left.Select(r => r.Seq));
        List<long> delivered = await ReceiveSeqsAsync(ops, 130);
        Assert.Equal(Enumerable.Range(1, 130).Select(i => (long)i), delivered);
        var afterRefusal = new List<long>();
        while (await ops.TryNextAsync(TimeSpan.FromMilliseconds(500)) is { } extra)
        {
            afterRefusal.Add(SeqOf(extra));
        }

        Assert.InRange(afterRefusal.Count, 0, OutboxDrain.DefaultWindow - 1);
        Assert.All(afterRefusal, seq => Assert.InRange(seq, 132, 131 + OutboxDrain.DefaultWindow - 1));
    }

    [Theory]
    [InlineData(3, 3, 3)] // the broker's Receive Maximum cuts the window
    [InlineData(20, 20, 16)] // Mosquitto's default: the drain's own window is the smaller
    [InlineData(0, 65_535, 16)] // no limit: Mosquitto sends no Receive Maximum, which means 65,535
    public async Task Never_has_more_publishes_awaiting_PUBACK_than_the_window_or_the_brokers_Receive_Maximum(int maxInflightMessages, int receiveMaximum, int window)
    {
        // Mosquitto advertises max_inflight_messages as its Receive Maximum (MQTT 5 §3.2.2.3.3) but does not refuse a
        // client that exceeds it, so the wire is watched: a proxy counts PUBLISHes not yet answered by a PUBACK.
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(new MosquittoBrokerOptions { ExtraConfiguration = [$"max_inflight_messages {maxInflightMessages}"] });
        await using var counter = new InFlightCounter(broker.Port);
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("edge/#");
        using DurableOutbox outbox = Open();
        outbox.Append([.. Enumerable.Range(0, 250).Select(i => Telemetry($"edge/v1/site/gw-a/p{i % 3}"))]);
        await using var link = new RunningLink(LinkOptions.For(counter.Uri, "gw-a"));
        await link.ConnectedAsync();
        Assert.Equal(receiveMaximum, link.Connection.ServerReceiveMaximum);

        int removed = await new OutboxDrain(outbox, link.Connection, batch: 100, window: 16).DrainAsync(null, CancellationToken.None);

        Assert.Equal(250, removed);
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), await ReceiveSeqsAsync(probe, 250));
        // Never exceeded; and used (on loopback the window fills, but a busy machine may answer before it does).
        Assert.InRange(counter.MaxInFlight, Math.Min(window, 4) - 1, window);
    }

    [Fact]
    public async Task Without_a_link_nothing_is_peeked_or_published()
    {
        using DurableOutbox outbox = Open();
        outbox.Append([Telemetry("edge/v1/site/gw-a/telemetry")]);
        await using var connection = new MqttConnection(LinkOptions.For(fixture.Broker.Uri, "gw-a"), new ListLogger<MqttConnection>());

        Assert.Equal(0, await new OutboxDrain(outbox, connection).DrainAsync(null, CancellationToken.None));
        Assert.Equal(1, outbox.Stats.Depth);
    }

    private DurableOutbox Open() => DurableOutbox.Open(new OutboxOptions { Path = Path.Combine(_scratch, Guid.NewGuid().ToString("N") + ".db") }, out _);

    /// <summary>A telemetry message whose payload is its seq.</summary>
    private static OutboxItem Telemetry(string topic) =>
        new(topic, MessageClass.Telemetry, false, seq => Encoding.UTF8.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static long SeqOf(MqttApplicationMessage message) => long.Parse(message.ConvertPayloadToString(), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<long>> ReceiveSeqsAsync(ProbeClient probe, int count)
    {
        var seqs = new List<long>(count);
        for (int i = 0; i < count; i++)
        {
            seqs.Add(SeqOf(await probe.NextAsync(Wait)));
        }

        return seqs;
    }
}
