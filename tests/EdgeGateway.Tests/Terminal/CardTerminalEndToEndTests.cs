using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Tests.Terminal;

/// <summary>
/// A resident charges with a card, end to end: the gateway process in --simulate on the card terminal demo site, the
/// hub's retained card list on a real Mosquitto, a scenario that lays the card on the reader and keys the port on the
/// keypad (through the real MFRC522 and KeyMatrix bindings on the simulated chips), the session started with the card
/// and ended as limit_reached once the card's balance is used up, its record carrying the card and the cost.
/// </summary>
[Trait("Category", "Servers")]
public sealed class CardTerminalEndToEndTests : IDisposable
{
    private const string Site = "linzi-demo-card";
    private const string Gateway = "gw-01";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-card-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_swiped_card_and_a_keyed_port_charge_until_the_balance_is_used_up()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using ProbeClient hub = await ProbeClient.ConnectAsync(broker, clientId: "hub");
        await hub.SubscribeAsync($"edge/v1/{Site}/{Gateway}/sessions");

        // 10 fen at 100 元/kWh buys 1 Wh: a 180 W charger uses it up in 20 s of shed time.
        var list = new CardListMessage
        {
            Revision = 1,
            Ts = DateTimeOffset.UtcNow,
            Site = Site,
            Gateway = Gateway,
            Tariff = new ChargeTariff { FenPerKwh = 10_000 },
            Cards = [new CardEntry { Uid = "04A1B2C3D4E5F6", Card = "card-0001", BalanceFen = 10, Blocked = false }],
            AppliedSessions = [],
        };
        await hub.PublishAsync(ContractTopics.Cards(Site, Gateway), ContractJson.SerializeToString(list), retain: true);

        string scenario = Path.Combine(_dir, "card.yaml");
        await File.WriteAllTextAsync(scenario, """
            name: card e2e
            speed: 20
            start: "2026-11-25T19:00:00+08:00"
            seed: 5
            arrivals:
              peakPerHour: 0
            events:
              - at: "00:00:05"
                port: P03
                plug: { load: lithium, powerW: 180, stateOfCharge: 0.3, capacityWh: 720, requestStart: false }
              - at: "00:01:00"
                card: 04A1B2C3D4E5F6
              - at: "00:01:20"
                keys: "3#"
              - at: "00:01:30"
                card: none
            """);

        await using var gateway = ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", "firmware-config/sites/demo-card-terminal.yaml", "--scenario", scenario,
            "--duration", "00:03:00", "--data-dir", Path.Combine(_dir, "data"), "--broker", broker.Uri.ToString(),
        ]);

        JsonNode session = await NextSessionAsync(hub, gateway, TimeSpan.FromSeconds(90));

        Assert.Equal("P03", (string?)session["port"]);
        Assert.Equal("card-0001", (string?)session["card"]);
        Assert.Equal("limit_reached", (string?)session["end_reason"]);
        Assert.Equal(10, (long?)session["cost_fen"]);
        Assert.Equal(10, (long?)session["limit"]!["amount_fen"]);
        Assert.InRange((double)session["energy_wh"]!, 1.0, 1.2);
        Assert.Contains("Terminal port_start on P03 for card card-0001 (limit 10 fen): True", gateway.Output, StringComparison.Ordinal);

        // The wallet noted the session as spent until the hub lists it applied.
        string pendingFile = Path.Combine(_dir, "data", "card-sessions.json");
        string sessionId = (string)session["session_id"]!;
        DateTime until = DateTime.UtcNow.AddSeconds(30); // bounds a failure only
        while (!(File.Exists(pendingFile) && (await File.ReadAllTextAsync(pendingFile)).Contains(sessionId, StringComparison.Ordinal)) && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        Assert.Contains(sessionId, await File.ReadAllTextAsync(pendingFile), StringComparison.Ordinal);
    }

    private static async Task<JsonNode> NextSessionAsync(ProbeClient hub, ProductProcess gateway, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout; // bounds a failure only
        while (DateTime.UtcNow < deadline)
        {
            if (await hub.TryNextAsync(TimeSpan.FromSeconds(1)) is { } message)
            {
                return JsonNode.Parse(Encoding.UTF8.GetString(message.Payload.ToArray()))!;
            }

            Assert.False(gateway.HasExited, "the gateway ended before a session was recorded:\n" + gateway.Output);
        }

        throw new TimeoutException("no session record:\n" + gateway.Output);
    }
}
