using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Cards;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Mqtt;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>The hub's card lists on the production broker: retained, read by their own gateway only, recomposed at the
/// minute's recheck only when another instance wrote to the card file.</summary>
public sealed partial class MosquittoDeployTests
{
    [Fact]
    public async Task The_hub_publishes_each_gateway_s_retained_card_list_which_that_gateway_receives_and_another_cannot_read()
    {
        string dir = Directory.CreateTempSubdirectory("edgegateway-cards-broker-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));
        var tenants = new TenantRegistry(
            new TenantDirectory(
                [new Company("acme", "顶峰物业", null, []), new Company("other", "别家物业", null, [])],
                [new TenantSite(ProductionBroker.SiteA, "A 棚", null, null, "acme", new ChargeTariff { FenPerKwh = 120 }), new TenantSite(ProductionBroker.SiteB, "B 棚", null, null, "other")]),
            Path.Combine(dir, "tenants.yaml"));
        var hub = new HubOptions
        {
            Broker = new Uri($"mqtts://localhost:{broker.Port}"),
            ClientId = ProductionBroker.Hub,
            Username = ProductionBroker.Hub,
            PasswordFile = broker.Account(ProductionBroker.Hub, "mqtt-password"),
            CaFile = broker.CaFile,
        };
        var store = CardStore.Open(Path.Combine(dir, "cards.db"));
        // The console's connection, as the hub publishes the lists on it.
        var link = new MqttConnection(hub.LinkOptions(HubOptions.ConsoleConnection, acknowledgeOnReceipt: true, receiveMaximum: 100), NullLogger<MqttConnection>.Instance);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.Connected += (_, _) => connected.TrySetResult();
        using var stop = new CancellationTokenSource();
        Task run = link.RunAsync(stop.Token);
        try
        {
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var publisher = new CardListPublisher(
                store, tenants, link, () => [(ProductionBroker.SiteA, ProductionBroker.GatewayA), (ProductionBroker.SiteB, ProductionBroker.GatewayB)],
                Options.Create(new CardOptions()), time, NullLogger<CardListPublisher>.Instance);
            store.IssueCard("acme", "04A1B2C3", "NO-0001", 1_000, "li", time.GetUtcNow());
            Assert.Equal(2, await publisher.PublishDueAsync(CancellationToken.None));

            // Retained: a gateway that subscribes afterwards gets its list.
            await using TlsMqttClient a = await ConnectAsync(UserA);
            await a.SubscribeAsync($"{TopicsA}/cards");
            (string topic, string payload) = Assert.Single(await a.ReceiveAsync(1, Quiet));
            Assert.Equal(ContractTopics.Cards(ProductionBroker.SiteA, ProductionBroker.GatewayA), topic);
            CardListMessage list = Parse(payload);
            Assert.Equal((1L, 120L, "NO-0001", 1_000L), (list.Revision, list.Tariff!.FenPerKwh!.Value, list.Cards.Single().Card, list.Cards.Single().BalanceFen));

            // Another gateway's list is not readable, and its own carries its company's cards only.
            await using TlsMqttClient b = await ConnectAsync(UserB);
            await b.SubscribeAsync($"{TopicsA}/cards");
            await b.SubscribeAsync($"{TopicsB}/cards");
            (string topicB, string payloadB) = Assert.Single(await b.ReceiveAsync(1, Quiet));
            Assert.Equal($"{TopicsB}/cards", topicB);
            Assert.Empty(Parse(payloadB).Cards);

            // A top-up goes out to the company's gateway at the next round, with the next revision; nothing is new for B.
            store.Credit("acme", "NO-0001", CardStore.TopUp, 500, "li", time.GetUtcNow());
            publisher.Changed("acme");
            Assert.Equal(1, await publisher.PublishDueAsync(CancellationToken.None));
            CardListMessage next = Parse(Assert.Single(await a.ReceiveAsync(1, Quiet)).Payload);
            Assert.Equal((2L, 1_500L), (next.Revision, next.Cards.Single().BalanceFen));
            Assert.Empty(await b.DrainAsync(TimeSpan.FromMilliseconds(200)));

            // The minute's recheck composes no list when nothing changed (it used to compose every gateway's, 2 here)...
            long composed = publisher.Composed;
            time.Advance(new CardOptions().RecheckInterval);
            Assert.Equal(0, await publisher.PublishDueAsync(CancellationToken.None));
            Assert.Equal(composed, publisher.Composed);
            // ...and every gateway's when the other instance wrote to the card file.
            using (var otherInstance = CardStore.Open(Path.Combine(dir, "cards.db")))
            {
                otherInstance.Credit("acme", "NO-0001", CardStore.TopUp, 100, "wu", time.GetUtcNow());
            }

            time.Advance(new CardOptions().RecheckInterval);
            Assert.Equal(1, await publisher.PublishDueAsync(CancellationToken.None));
            Assert.Equal(composed + 2, publisher.Composed);
            CardListMessage third = Parse(Assert.Single(await a.ReceiveAsync(1, Quiet)).Payload);
            Assert.Equal((3L, 1_600L), (third.Revision, third.Cards.Single().BalanceFen));
        }
        finally
        {
            // Retained messages outlive the test: take them back before the other tests of this broker subscribe to everything.
            foreach (string topic in new[] { $"{TopicsA}/cards", $"{TopicsB}/cards" })
            {
                await link.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, retain: true, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await stop.CancelAsync();
            await run;
            await link.DisposeAsync();
            store.Dispose();
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static CardListMessage Parse(string payload)
    {
        Assert.True(ContractJson.TryDeserialize(System.Text.Encoding.UTF8.GetBytes(payload), out CardListMessage? list, out string? error), error);
        return list!;
    }
}
