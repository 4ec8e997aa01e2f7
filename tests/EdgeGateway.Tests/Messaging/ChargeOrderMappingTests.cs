using System.Text.Json;
using EdgeGateway.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;

namespace EdgeGateway.Tests.Messaging;

/// <summary>A charge's order, limit and cost in the session record and the running session in the port's retained state.</summary>
public sealed class ChargeOrderMappingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, 0, TimeSpan.Zero);

    private static readonly ChargeOrder Order = new("ord-m1", "card-7", new ChargeLimit { EnergyWh = 500, AmountFen = 80 }, new ChargeTariff { FenPerKwh = 160 });

    private static ContractMapper Mapper() => new(SiteFileLoader.Load(FirmwareConfig.DemoSite).Configuration!);

    private static JsonElement Json(OutboxItem item) => JsonDocument.Parse(item.Render(1)).RootElement;

    [Fact]
    public void A_closed_session_carries_its_order_card_limit_tariff_and_cost()
    {
        var closed = new ChargingSession("s-1", "P01", T0, T0.AddHours(1), 500, 180, SessionEndReason.LimitReached) { Order = Order, CostFen = 80 };

        OutboxItem item = Assert.Single(Mapper().ForEvent(new SessionClosed(closed.EndedAt, closed)));

        Assert.True(ContractJson.TryDeserialize(item.Render(1).Span, out SessionMessage? message, out string? error), error);
        Assert.Equal(("ord-m1", "card-7", 80L, SessionEndReason.LimitReached), (message!.OrderId, message.Card, message.CostFen, message.EndReason));
        Assert.Equal((Order.Limit, Order.Tariff), (message.Limit, message.Tariff));
        JsonElement json = Json(item);
        Assert.Equal("limit_reached", json.GetProperty("end_reason").GetString());
        Assert.Equal("""{"fen_per_kwh":160}""", json.GetProperty("tariff").GetRawText());
    }

    [Fact]
    public void The_retained_port_state_carries_the_running_session_with_its_energy_and_cost_and_none_once_it_ended()
    {
        var port = new PortSnapshot("P01", PortState.Charging, true, 220, 1, 200, 0.6, T0, 123.4567, 9000, T0, null, null)
        {
            SessionId = "s-2",
            SessionOrder = Order,
            SessionCostFen = 20,
        };

        JsonElement session = Json(Mapper().PortStateNow(port, T0.AddMinutes(30), "session running")).GetProperty("session");

        Assert.Equal(("s-2", "ord-m1", "card-7", 123.457, 20), (session.GetProperty("id").GetString(), session.GetProperty("order_id").GetString(), session.GetProperty("card").GetString(), session.GetProperty("energy_wh").GetDouble(), session.GetProperty("cost_fen").GetInt32()));
        Assert.Equal(500, session.GetProperty("limit").GetProperty("energy_wh").GetDouble());

        PortSnapshot idle = port with { State = PortState.Idle, SessionId = null, SessionStartedAt = null, SessionOrder = null, SessionCostFen = null };
        Assert.Equal(JsonValueKind.Null, Json(Mapper().PortStateNow(idle, T0.AddHours(1), "limit_reached")).GetProperty("session").ValueKind);
    }
}
