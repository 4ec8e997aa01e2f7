using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using Json.Schema;
using MQTTnet;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>The gateway's MQTT link end to end: simulated shed → outbox → real Mosquitto → a subscriber.</summary>
[Trait("Category", "Servers")]
public sealed class MqttLinkTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60); // a hang bound, generous for a loaded machine

    // JsonSchema.Net registers each schema by its $id once per process.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonSchema> Schemas = new(StringComparer.Ordinal);

    private static async Task<List<MqttApplicationMessage>> CollectAsync(ProbeClient probe, Func<List<MqttApplicationMessage>, bool> done)
    {
        var received = new List<MqttApplicationMessage>();
        using var timeout = new CancellationTokenSource(Wait);
        while (!done(received))
        {
            MqttApplicationMessage? next = await probe.TryNextAsync(TimeSpan.FromSeconds(1));
            if (next is not null)
            {
                received.Add(next);
            }

            Assert.False(timeout.IsCancellationRequested, $"only {received.Count} messages arrived: {string.Join(", ", received.Select(m => m.Topic).Distinct())}");
        }

        return received;
    }

    private static JsonNode Json(MqttApplicationMessage message) => JsonNode.Parse(Encoding.UTF8.GetString(message.Payload.ToArray()))!;

    private static string SchemaFor(string topic) => ContractTopics.TryParse(topic, out ContractTopic t) ? t.Kind switch
    {
        ContractTopicKind.Status => "status",
        ContractTopicKind.PortTelemetry => "port_telemetry",
        ContractTopicKind.PortState => "port_state",
        ContractTopicKind.BinTelemetry => "bin_telemetry",
        ContractTopicKind.BinState => "bin_state",
        ContractTopicKind.Alarms => "alarm",
        ContractTopicKind.Sessions => "session",
        _ => throw new InvalidOperationException(topic),
    } : throw new InvalidOperationException($"not a contract topic: {topic}");

    [Fact]
    public async Task Alarms_sessions_states_telemetry_and_status_arrive_in_the_contract_shape()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("edge/#");
        await using LinkRig rig = await LinkRig.StartAsync(broker);

        rig.Shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 1000));
        rig.Shed.RunUntil(() => rig.Shed.Port("P2").State == Contracts.Ports.PortState.Disabled, TimeSpan.FromSeconds(10), "overload");
        rig.Shed.RunFor(TimeSpan.FromSeconds(12));
        await rig.ForwardAsync();

        List<MqttApplicationMessage> received = await CollectAsync(probe, r =>
            r.Any(m => m.Topic.EndsWith("/alarms", StringComparison.Ordinal))
            && r.Any(m => m.Topic.EndsWith("/sessions", StringComparison.Ordinal))
            && r.Any(m => m.Topic.EndsWith("/ports/P2/state", StringComparison.Ordinal))
            && r.Any(m => m.Topic.EndsWith("/ports/P1/telemetry", StringComparison.Ordinal))
            && r.Any(m => m.Topic.EndsWith("/status", StringComparison.Ordinal)));

        foreach (MqttApplicationMessage message in received)
        {
            JsonSchema schema = Schemas.GetOrAdd(SchemaFor(message.Topic), name => JsonSchema.FromText(ContractSchemas.Text(name)));
            using var document = System.Text.Json.JsonDocument.Parse(message.Payload.ToArray());
            EvaluationResults result = schema.Evaluate(document.RootElement.Clone(), new EvaluationOptions { OutputFormat = OutputFormat.List });
            string errors = string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
            Assert.True(result.IsValid, $"{message.Topic}: {errors} in {Encoding.UTF8.GetString(message.Payload.ToArray())}");
        }

        JsonNode alarm = Json(received.First(m => m.Topic.EndsWith("/alarms", StringComparison.Ordinal)));
        Assert.Equal("port_overload", (string?)alarm["kind"]);
        Assert.Equal("port:P2", (string?)alarm["source"]);

        // States are retained: a subscriber arriving later gets the port's last state at once.
        await using ProbeClient late = await ProbeClient.ConnectAsync(broker, clientId: "late-console");
        await late.SubscribeAsync(ContractTopics.PortState("test-site", "gw-test", "P2"));
        MqttApplicationMessage retained = await late.NextAsync(Wait);
        Assert.True(retained.Retain);
        Assert.Equal("disabled", (string?)Json(retained)["state"]);
    }

    [Fact]
    public async Task Broker_stopped_and_restarted_loses_no_seq_and_keeps_order_per_topic()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using LinkRig rig = await LinkRig.StartAsync(broker);
        rig.Shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
        rig.Shed.RunFor(TimeSpan.FromSeconds(25));
        await rig.ForwardAsync();

        await broker.StopAsync();

        // While the broker is away: an overload (alarm, session, state) and a minute of telemetry.
        rig.Shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 1000));
        rig.Shed.RunFor(TimeSpan.FromSeconds(60));
        await rig.ForwardAsync();
        await Task.Delay(1500);
        long lastSeq = rig.Outbox.Stats.LastSeq;
        Assert.True(rig.Outbox.Stats.Depth > 0, "messages wait in the outbox while the broker is down");

        await broker.StartAsync();
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("edge/#");

        // Retained states come at once; the rest as the outbox drains. Ask for a snapshot of nothing: just wait for the drain.
        using var deadline = new CancellationTokenSource(Wait);
        while (rig.Outbox.Stats.Depth > 0)
        {
            Assert.False(deadline.IsCancellationRequested, $"outbox still holds {rig.Outbox.Stats.Depth}");
            await Task.Delay(100);
        }

        Assert.Contains(rig.Shed.EventsOf<Events.AlarmRaised>(), e => e.Alarm.Kind == Contracts.Alarms.AlarmKind.PortOverload);
        Assert.True(rig.Outbox.Stats.LastSeq >= lastSeq);
        Assert.Equal(0, rig.Outbox.Stats.ThinnedTotal);
    }

    [Fact]
    public async Task What_the_outbox_holds_when_the_link_stops_is_published_before_it_disconnects()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("edge/stop-test/#");
        LinkRig rig = await LinkRig.StartAsync(broker);
        await using (rig)
        {
            using var deadline = new CancellationTokenSource(Wait);
            while (!rig.Connection.IsConnected || rig.Outbox.Stats.Depth > 0)
            {
                Assert.False(deadline.IsCancellationRequested, $"connected {rig.Connection.IsConnected}, outbox {rig.Outbox.Stats.Depth}");
                await Task.Delay(50);
            }

            // Appended to the outbox directly (no wake-up for the drain loop), then the link is stopped at once: only
            // a drain on the way out publishes these before the next start.
            rig.Outbox.Append([.. Enumerable.Range(0, 40).Select(i => new EdgeGateway.Messaging.Outbox.OutboxItem(
                $"edge/stop-test/{i}", EdgeGateway.Messaging.Outbox.MessageClass.Telemetry, false, seq => Encoding.UTF8.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture))))]);
        }

        var topics = new HashSet<string>(StringComparer.Ordinal);
        while (topics.Count < 40 && await probe.TryNextAsync(TimeSpan.FromSeconds(10)) is { } message)
        {
            topics.Add(message.Topic);
        }

        Assert.Equal(40, topics.Count);
    }

    [Fact]
    public async Task Every_seq_published_during_an_outage_reaches_a_persistent_subscriber_in_order_per_topic()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();

        // A district consumer with a persistent session: the broker queues for it while it is away.
        await using (ProbeClient consumer = await ProbeClient.ConnectAsync(broker, clientId: "district-consumer", persistentSession: true))
        {
            await consumer.SubscribeAsync("edge/v1/test-site/gw-test/#");
        }

        await using LinkRig rig = await LinkRig.StartAsync(broker);
        rig.Shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
        rig.Shed.RunFor(TimeSpan.FromSeconds(25));
        await rig.ForwardAsync();
        await WaitForEmptyOutboxAsync(rig);

        await broker.StopAsync();
        rig.Shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 1000));
        rig.Shed.RunFor(TimeSpan.FromSeconds(40));
        await rig.ForwardAsync();
        await Task.Delay(1500);
        Assert.True(rig.Outbox.Stats.Depth > 0, "messages wait in the outbox while the broker is down");
        await broker.StartAsync();
        await WaitForEmptyOutboxAsync(rig);

        var messages = new List<MqttApplicationMessage>();
        await using (ProbeClient consumer = await ProbeClient.ConnectAsync(broker, clientId: "district-consumer", persistentSession: true))
        {
            while (await consumer.TryNextAsync(TimeSpan.FromSeconds(2)) is { } message)
            {
                messages.Add(message);
            }
        }

        Assert.Contains(messages, m => m.Topic.EndsWith("/alarms", StringComparison.Ordinal));
        foreach (IGrouping<string, MqttApplicationMessage> topic in messages.GroupBy(m => m.Topic))
        {
            long[] perTopic = [.. topic.Select(m => (long)Json(m)["seq"]!)];
            Assert.Equal(perTopic.Order(), perTopic);
        }

        // Every seq from the first the consumer saw to the last, none missing (duplicates are allowed by QoS 1).
        long[] seqs = [.. messages.Select(m => (long)Json(m)["seq"]!).Where(seq => seq > 0).Distinct().Order()];
        Assert.Equal(seqs[^1] - seqs[0] + 1, seqs.Length);
        Assert.Equal(rig.Outbox.Stats.LastSeq, seqs[^1]);
    }

    /// <summary>Connected, and a moment for the command subscription the link makes on connect.</summary>
    private static async Task WaitForConnectionAsync(LinkRig rig)
    {
        using var deadline = new CancellationTokenSource(Wait);
        while (!rig.Connection.IsConnected)
        {
            Assert.False(deadline.IsCancellationRequested, "the link did not connect");
            await Task.Delay(50);
        }

        await Task.Delay(500);
    }

    private static async Task WaitForEmptyOutboxAsync(LinkRig rig)
    {
        using var deadline = new CancellationTokenSource(Wait);
        while (rig.Outbox.Stats.Depth > 0)
        {
            Assert.False(deadline.IsCancellationRequested, $"outbox still holds {rig.Outbox.Stats.Depth}");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("port_reset", "{\"port\":\"P1\",\"operator\":\"wang\"}", "reason")]
    [InlineData("port_enable", "{not json", "JSON")]
    [InlineData("port_disable", "{\"port\":42}", "port")]
    [InlineData("port_fly", "{}", "unknown command")]
    [InlineData("port_disable", "{\"port\":\"P99\",\"operator\":\"wang\"}", "unknown port")]
    public async Task Malformed_or_unsafe_commands_get_an_error_reply_and_change_nothing(string command, string payload, string reasonContains)
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using LinkRig rig = await LinkRig.StartAsync(broker);
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("replies/#");
        await WaitForConnectionAsync(rig);

        await probe.PublishAsync(ContractTopics.Command("test-site", "gw-test", command), payload, responseTopic: "replies/1", correlationData: [7, 7]);
        for (int i = 0; i < 20; i++)
        {
            rig.Shed.Round();
            await Task.Delay(50);
        }

        MqttApplicationMessage reply = await probe.NextAsync(Wait);
        JsonNode body = Json(reply);
        Assert.False((bool)body["ok"]!);
        Assert.Contains(reasonContains, (string?)body["message"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal(new byte[] { 7, 7 }, reply.CorrelationData);
        Assert.All(rig.Shed.Protection.Snapshot.Ports, p => Assert.Equal(Contracts.Ports.PortState.Idle, p.State));
    }

    [Fact]
    public async Task Port_disable_command_is_applied_and_answered_with_the_correlation_data()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using LinkRig rig = await LinkRig.StartAsync(broker);
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("replies/#");
        await WaitForConnectionAsync(rig);

        await probe.PublishAsync(ContractTopics.Command("test-site", "gw-test", "port_disable"), "{\"port\":\"P3\",\"operator\":\"maintenance-li\",\"reason\":\"cable damaged\"}", responseTopic: "replies/2", correlationData: [1, 2, 3]);
        Task<MQTTnet.MqttApplicationMessage> replyTask = probe.NextAsync(Wait);
        while (!replyTask.IsCompleted)
        {
            rig.Shed.Round();
            await Task.Delay(20);
        }

        MqttApplicationMessage reply = await replyTask;
        Assert.True((bool)Json(reply)["ok"]!);
        Assert.Equal(new byte[] { 1, 2, 3 }, reply.CorrelationData);
        Assert.Equal(Contracts.Ports.PortState.Disabled, rig.Shed.Port("P3").State);
    }
}

[Trait("Category", "Servers")]
public sealed class OutboxBoundThroughTheLinkTests
{
    [Fact]
    public async Task Full_outbox_thins_telemetry_counts_it_raises_gateway_buffer_full_and_still_delivers_every_alarm_and_session()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using LinkRig rig = await LinkRig.StartAsync(broker, maxMessages: 60);
        // The auditor's session outlives the broker's restart (persistence on): what the link delivers the moment it
        // reconnects is queued for the auditor even if the link is quicker than the auditor's own reconnect.
        await using (ProbeClient early = await ProbeClient.ConnectAsync(broker, clientId: "auditor", persistentSession: true))
        {
            await early.SubscribeAsync("edge/v1/test-site/gw-test/#");
        }

        await broker.StopAsync();

        // Broker away: ports charge (telemetry every 10 s of shed time), one overload and one no-load notice.
        rig.Shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
        rig.Shed.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 1000));
        rig.Shed.Model.RequestStart(rig.Shed.Outlet("P3"));
        for (int i = 0; i < 40; i++)
        {
            rig.Shed.RunFor(TimeSpan.FromSeconds(10));
            await rig.ForwardAsync();
            await Task.Delay(150);
        }

        Assert.True(rig.Outbox.Stats.ThinnedTotal > 0, "telemetry was thinned");
        long alarmsRaised = rig.Shed.EventsOf<Events.AlarmRaised>().Count();
        long sessions = rig.Shed.EventsOf<Events.SessionClosed>().Count();
        Assert.True(alarmsRaised >= 2 && sessions >= 2, $"{alarmsRaised} alarms, {sessions} sessions");

        await broker.StartAsync();
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker, clientId: "auditor", persistentSession: true);

        var received = new List<MQTTnet.MqttApplicationMessage>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (!(received.Count(m => m.Topic.EndsWith("/alarms", StringComparison.Ordinal)) >= alarmsRaised + 1
            && received.Count(m => m.Topic.EndsWith("/sessions", StringComparison.Ordinal)) >= sessions))
        {
            Assert.False(deadline.IsCancellationRequested, $"received {received.Count} messages");
            if (await probe.TryNextAsync(TimeSpan.FromSeconds(1)) is { } message)
            {
                received.Add(message);
            }
        }

        string[] kinds = [.. received.Where(m => m.Topic.EndsWith("/alarms", StringComparison.Ordinal))
            .Select(m => (string)System.Text.Json.Nodes.JsonNode.Parse(Encoding.UTF8.GetString(m.Payload.ToArray()))!["kind"]!)];
        Assert.Contains("gateway_buffer_full", kinds);
        Assert.Contains("port_overload", kinds);
        Assert.Contains("port_no_load", kinds);
        Assert.Equal(sessions, received.Count(m => m.Topic.EndsWith("/sessions", StringComparison.Ordinal)));
    }
}

[Trait("Category", "Servers")]
public sealed class ReloadConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A broker, a linked simulated shed reading <c>siteFile</c> (written with the harness's site), and a probe listening for replies, once connected.</summary>
    private sealed record ReloadRig(MosquittoBroker Broker, LinkRig Link, ProbeClient Probe) : IAsyncDisposable
    {
        public static async Task<ReloadRig> StartAsync(string siteFile)
        {
            await File.WriteAllTextAsync(siteFile, EdgeGateway.Tests.Simulation.ShedHarness.SiteYaml);
            MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
            LinkRig link = await LinkRig.StartAsync(broker, siteFile: siteFile);
            ProbeClient probe = await ProbeClient.ConnectAsync(broker);
            await probe.SubscribeAsync("replies/#");
            while (!link.Connection.IsConnected)
            {
                await Task.Delay(50);
            }

            await Task.Delay(500);
            return new ReloadRig(broker, link, probe);
        }

        public async ValueTask DisposeAsync()
        {
            await Probe.DisposeAsync();
            await Link.DisposeAsync();
            await Broker.DisposeAsync();
        }
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> CommandAsync(LinkRig rig, ProbeClient probe, string name, string payload)
    {
        await probe.PublishAsync(ContractTopics.Command("test-site", "gw-test", name), payload, responseTopic: "replies/reload", correlationData: [9]);
        Task<MQTTnet.MqttApplicationMessage> reply = probe.NextAsync(TimeSpan.FromSeconds(120));
        while (!reply.IsCompleted)
        {
            rig.Shed.Round();
            await Task.Delay(20);
        }

        return System.Text.Json.Nodes.JsonNode.Parse(Encoding.UTF8.GetString((await reply).Payload.ToArray()))!;
    }

    [Fact]
    public async Task Reload_applies_new_thresholds_at_once_and_refuses_a_wiring_change_changing_nothing()
    {
        string siteFile = Path.Combine(_dir, "site.yaml");
        await using ReloadRig reload = await ReloadRig.StartAsync(siteFile);
        (LinkRig rig, ProbeClient probe) = (reload.Link, reload.Probe);

        // A 600 W draw is fine under the default 1000 W limit …
        rig.Shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.LeadAcid, 600, 0.2, 5000));
        rig.Shed.RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal(Contracts.Ports.PortState.Charging, rig.Shed.Port("P1").State);

        // … until the site file lowers it to 500 W and is reloaded.
        await File.WriteAllTextAsync(siteFile, EdgeGateway.Tests.Simulation.ShedHarness.SiteYaml.Replace("    completeHoldMinutes: 1", "    completeHoldMinutes: 1\n    maxPowerW: 500", StringComparison.Ordinal));
        System.Text.Json.Nodes.JsonNode applied = await CommandAsync(rig, probe, "reload_config", "");
        Assert.True((bool)applied["ok"]!, (string?)applied["message"]);
        rig.Shed.RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal("port_overload", rig.Shed.Port("P1").Lockout);

        // A moved relay pin cannot be applied live: refused, and the thresholds in force stay.
        await File.WriteAllTextAsync(siteFile, EdgeGateway.Tests.Simulation.ShedHarness.SiteYaml.Replace("relay: { gpio: 6 }", "relay: { gpio: 19 }", StringComparison.Ordinal));
        System.Text.Json.Nodes.JsonNode refused = await CommandAsync(rig, probe, "reload_config", "");
        Assert.False((bool)refused["ok"]!);
        Assert.Contains("site.Ports[1].Relay.Gpio", (string?)refused["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_of_a_hostile_site_file_is_refused_and_the_gateway_keeps_running_and_reloading()
    {
        string siteFile = Path.Combine(_dir, "site.yaml");
        await using ReloadRig reload = await ReloadRig.StartAsync(siteFile);
        (LinkRig rig, ProbeClient probe) = (reload.Link, reload.Probe);

        // 50,000 nested '[' killed the running gateway (a stack overflow cannot be caught).
        await File.WriteAllTextAsync(siteFile, "site: " + new string('[', 50_000) + new string(']', 50_000) + "\n");
        System.Text.Json.Nodes.JsonNode refused = await CommandAsync(rig, probe, "reload_config", "");
        Assert.False((bool)refused["ok"]!);
        Assert.Contains($"{siteFile}:1: nested deeper than 64 levels", (string?)refused["message"], StringComparison.Ordinal);

        // Still running: the next good file reloads.
        rig.Shed.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.LeadAcid, 600, 0.2, 5000));
        await File.WriteAllTextAsync(siteFile, EdgeGateway.Tests.Simulation.ShedHarness.SiteYaml.Replace("    completeHoldMinutes: 1", "    completeHoldMinutes: 1\n    maxPowerW: 500", StringComparison.Ordinal));
        System.Text.Json.Nodes.JsonNode applied = await CommandAsync(rig, probe, "reload_config", "");
        Assert.True((bool)applied["ok"]!, (string?)applied["message"]);
        rig.Shed.RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal("port_overload", rig.Shed.Port("P1").Lockout);
    }
}
