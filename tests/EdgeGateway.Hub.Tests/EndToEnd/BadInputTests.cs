using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>Garbage on the contract topics: each message refused with its reason on edge/v1/_deadletter/{reason},
/// counted, never written, and the hub keeps ingesting good messages after it.</summary>
[Trait("Category", "Servers")]
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Telemetry(long seq, string site = "s1", string port = "p1", double power = 80, int v = 1, string gateway = "g1") =>
        ContractJson.SerializeToString(new PortTelemetryMessage
        {
            V = v, Seq = seq, Ts = DateTimeOffset.UtcNow, Site = site, Gateway = gateway, Port = port, State = PortState.Charging,
            RelayClosed = true, VoltageV = 230, CurrentA = 0.5, PowerW = power, PowerFactor = 0.7, SessionEnergyWh = 1,
            SessionS = 60, LifetimeEnergyWh = 10, MeasuredTs = DateTimeOffset.UtcNow,
        });

    private static string BinState(long seq, string binClass) =>
        ContractJson.SerializeToString(new BinStateMessage
        {
            Seq = seq, Ts = DateTimeOffset.UtcNow, Site = "s1", Gateway = "g1", Bin = "b1", Class = binClass, FillPct = 40,
            NearlyFull = false, ContainerFull = false, ContainerEmpty = false, LidOpen = false, Tilted = false,
        });

    [Fact]
    public async Task Each_bad_message_is_dead_lettered_with_its_reason_and_none_is_written()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using ProbeClient deadLetters = await ProbeClient.ConnectAsync(broker, clientId: "dead-letter-watch");
        await deadLetters.SubscribeAsync("edge/v1/_deadletter/#");
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Path.Combine(_dir, "hub"));
        await using ProbeClient publisher = await ProbeClient.ConnectAsync(broker, clientId: "garbage-source");

        const string Topic = "edge/v1/s1/g1/ports/p1/telemetry";
        (string Topic, string Payload, string Reason, string DetailContains)[] cases =
        [
            (Topic, "{\"v\":1,\"seq\":", "malformed_json", ""),
            (Topic, "[1,2,3]", "malformed_json", "not a JSON object"),
            (Topic, Telemetry(1, v: 2), "unsupported_version", "contract version 2"),
            (Topic, Telemetry(2).Replace("\"relay_closed\":true,", ""), "invalid_message", "relay_closed"),
            (Topic, Telemetry(3, power: -40), "absurd_value", "power_w"),
            (Topic, Telemetry(4, site: "s2"), "topic_mismatch", "site"),
            ("edge/v1/s1/g1/ports/p1/oops", Telemetry(5), "bad_topic", "oops"),
            (Topic, "{\"v\":1,\"pad\":\"" + new string('x', 20_000) + "\"}", "payload_too_large", "20"),
            // A tag value ending in a backslash broke InfluxDB's line protocol (refused only as rejected_by_database);
            // the reader now refuses it, and markup as a bin class, for what they are.
            ("edge/v1/s1/g1/alarms", ContractJson.SerializeToString(Notifications.Alarms.Raised(site: "s1", gateway: "g1", source: "port:p1\\", at: DateTimeOffset.UtcNow) with { Seq = 7 }), "invalid_message", "source 'port:p1\\'"),
            ("edge/v1/s1/g1/bins/b1/state", BinState(8, "<b>bogus</b>"), "invalid_message", "class '<b>bogus</b>'"),
        ];

        foreach ((string topic, string payload, _, _) in cases)
        {
            await publisher.PublishAsync(topic, payload);
        }

        await publisher.PublishAsync(Topic, Telemetry(6)); // a good one after the garbage

        var letters = new List<(string Topic, JsonElement Body)>();
        while (letters.Count < cases.Length && await deadLetters.TryNextAsync(TimeSpan.FromSeconds(10)) is { } message)
        {
            letters.Add((message.Topic, JsonSerializer.Deserialize<JsonElement>(Encoding.UTF8.GetString(message.Payload.ToArray()))));
        }

        Assert.Equal(cases.Length, letters.Count);
        for (int i = 0; i < cases.Length; i++)
        {
            (string topic, string payload, string reason, string detail) = cases[i];
            (string letterTopic, JsonElement body) = letters.Single(l => l.Body.GetProperty("topic").GetString() == topic
                && l.Body.GetProperty("payload").GetString() is { } p
                && (p == payload || (p.Length == EdgeGateway.Hub.Ingest.ContractMessageReader.MaxPayloadBytes && payload.StartsWith(p, StringComparison.Ordinal))));
            Assert.Equal($"edge/v1/_deadletter/{reason}", letterTopic);
            Assert.Equal(reason, body.GetProperty("reason").GetString());
            Assert.Contains(detail, body.GetProperty("detail").GetString());
            Assert.Equal(Encoding.UTF8.GetByteCount(payload), body.GetProperty("payload_bytes").GetInt32());
            Assert.Equal(hub.ClientId, body.GetProperty("hub").GetString());
        }

        // Only the good message was written; the counts say why the rest were not.
        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", "g1"), 1, TimeSpan.FromSeconds(15));
        Assert.Equal([6L], stored);
        JsonElement health = await hub.HealthAsync();
        Assert.Equal(cases.Length, health.GetProperty("rejected").GetInt64());
        Assert.Equal(2, health.GetProperty("rejected_by_reason").GetProperty("malformed_json").GetInt64());
        Assert.False(hub.Process.HasExited);

        hub.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task A_seq_beyond_the_contract_is_dead_lettered_and_monitoring_stays_sound()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using ProbeClient deadLetters = await ProbeClient.ConnectAsync(broker, clientId: "dead-letter-watch");
        await deadLetters.SubscribeAsync("edge/v1/_deadletter/#");
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Path.Combine(_dir, "hub"));
        await using ProbeClient publisher = await ProbeClient.ConnectAsync(broker, clientId: "huge-seq-source");

        // Two gateways, each a good number and then long.MaxValue (the probe's), then the next good number.
        foreach (string gateway in new[] { "g1", "g2" })
        {
            string topic = $"edge/v1/s1/{gateway}/ports/p1/telemetry";
            await publisher.PublishAsync(topic, Telemetry(1, gateway: gateway));
            await publisher.PublishAsync(topic, Telemetry(long.MaxValue, gateway: gateway));
            await publisher.PublishAsync(topic, Telemetry(2, gateway: gateway));
        }

        var letters = new List<(string Topic, JsonElement Body)>();
        while (letters.Count < 2 && await deadLetters.TryNextAsync(TimeSpan.FromSeconds(10)) is { } message)
        {
            letters.Add((message.Topic, JsonSerializer.Deserialize<JsonElement>(Encoding.UTF8.GetString(message.Payload.ToArray()))));
        }

        Assert.Equal(2, letters.Count);
        Assert.All(letters, letter =>
        {
            Assert.Equal("edge/v1/_deadletter/absurd_value", letter.Topic);
            Assert.Contains("seq 9223372036854775807 is above", letter.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        });

        List<long> stored = await StoredPoints.WaitForAsync(() => StoredPoints.SeqsAsync(influx, "edge", "g2"), 2, TimeSpan.FromSeconds(15));
        Assert.Equal([1L, 2L], stored);
        JsonElement health = await hub.HealthAsync(); // throws unless /healthz answers 200 (it answered 500: OverflowException)
        Assert.Equal(0, health.GetProperty("seq_missing").GetInt64());
        Assert.Equal(0, health.GetProperty("seq_outstanding").GetInt64());
        Assert.Equal(2, health.GetProperty("rejected_by_reason").GetProperty("absurd_value").GetInt64());
        hub.AssertNoErrorsLogged();
    }
}
