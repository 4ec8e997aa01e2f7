using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Contracts.Tests;

/// <summary>port_start's order, card, limit and tariff on the wire; port_stop; and what a charge costs.</summary>
public sealed class ChargeOrderTests
{
    private static CommandRequest Read(string json)
    {
        Assert.True(ContractJson.TryDeserializeCommand(Encoding.UTF8.GetBytes(json), out CommandRequest? request, out string? error), error);
        return request!;
    }

    [Fact]
    public void A_start_with_an_order_card_limit_and_tariff_is_read_and_reads_back_after_writing()
    {
        CommandRequest request = Read("""{"port":"p03","id":"c-1","order_id":"ord-42","card":"card-7","limit":{"energy_wh":500.5,"duration_min":240,"amount_fen":300},"tariff":{"fen_per_kwh":150}}""");

        Assert.Equal(new CommandRequest
        {
            Port = "p03", Id = "c-1", OrderId = "ord-42", Card = "card-7",
            Limit = new ChargeLimit { EnergyWh = 500.5, DurationMin = 240, AmountFen = 300 },
            Tariff = new ChargeTariff { FenPerKwh = 150 },
        }, request);
        Assert.True(ContractCommands.TryValidate(ContractCommands.PortStart, request, out string? error), error);
        Assert.Equal(request, Read(ContractJson.SerializeToString(request)));

        // A limit not set is left out of the JSON; the tariff has exactly one price.
        JsonNode json = JsonNode.Parse(ContractJson.SerializeToString(request with { Limit = new ChargeLimit { EnergyWh = 10 } }))!;
        Assert.Equal("""{"energy_wh":10}""", json["limit"]!.ToJsonString());
        Assert.Equal("""{"fen_per_kwh":150}""", json["tariff"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"limit":[]}""", "field 'limit' must be an object")]
    [InlineData("""{"limit":{"energy_kwh":1}}""", "unknown field 'limit.energy_kwh'")]
    [InlineData("""{"limit":{"energy_wh":"10"}}""", "field 'limit.energy_wh' must be a number")]
    [InlineData("""{"limit":{"amount_fen":1.5}}""", "field 'limit.amount_fen' must be an integer (fen)")]
    [InlineData("""{"limit":{"energy_wh":1,"energy_wh":2}}""", "field 'limit.energy_wh' appears more than once")]
    [InlineData("""{"limit":{"energy_wh":1e400}}""", "not a finite number")]
    [InlineData("""{"tariff":{"fen_per_kwh":1.5}}""", "field 'tariff.fen_per_kwh' must be an integer (fen)")]
    [InlineData("""{"tariff":{"yuan_per_kwh":1}}""", "unknown field 'tariff.yuan_per_kwh'")]
    [InlineData("""{"order_id":42}""", "field 'order_id' must be a string")]
    public void A_malformed_limit_or_tariff_is_refused_with_the_field(string json, string expected)
    {
        Assert.False(ContractJson.TryDeserializeCommand(Encoding.UTF8.GetBytes(json), out CommandRequest? request, out string? error));
        Assert.Null(request);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"port":"p1","limit":{"energy_wh":0}}""", "limit.energy_wh must be more than 0")]
    [InlineData("""{"port":"p1","limit":{"energy_wh":-5}}""", "limit.energy_wh must be more than 0")]
    [InlineData("""{"port":"p1","limit":{"energy_wh":100001}}""", "at most 100000")]
    [InlineData("""{"port":"p1","limit":{"duration_min":0}}""", "limit.duration_min must be more than 0")]
    [InlineData("""{"port":"p1","limit":{"duration_min":20000}}""", "at most 10080")]
    [InlineData("""{"port":"p1","limit":{"amount_fen":0},"tariff":{"fen_per_kwh":100}}""", "limit.amount_fen must be 1 to")]
    [InlineData("""{"port":"p1","limit":{"amount_fen":300}}""", "limit.amount_fen needs a tariff")]
    [InlineData("""{"port":"p1","limit":{"amount_fen":50},"tariff":{"fen_per_hour":100}}""", "does not buy one hour block")]
    [InlineData("""{"port":"p1","limit":{}}""", "limit needs at least one of")]
    [InlineData("""{"port":"p1","tariff":{}}""", "tariff needs exactly one of")]
    [InlineData("""{"port":"p1","tariff":{"fen_per_kwh":100,"fen_per_hour":100}}""", "tariff needs exactly one of")]
    [InlineData("""{"port":"p1","tariff":{"fen_per_kwh":-1}}""", "tariff.fen_per_kwh must be 0 to")]
    [InlineData("""{"port":"p1","order_id":"ord 1"}""", "order_id must be 1 to 64")]
    [InlineData("""{"port":"p1","card":"卡1"}""", "card must be 1 to 64")]
    [InlineData("""{"port":"p1","order_id":"ord-1","card":"card-1","limit":{"energy_wh":100000,"duration_min":10080,"amount_fen":1000000},"tariff":{"fen_per_hour":0}}""", null)]
    public void A_start_whose_limit_is_zero_absurd_or_unpriced_is_refused_with_the_rule(string json, string? expected)
    {
        bool valid = ContractCommands.TryValidate(ContractCommands.PortStart, Read(json), out string? error);

        Assert.Equal(expected is null, valid);
        if (expected is not null)
        {
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Port_stop_needs_a_port_and_nothing_else()
    {
        Assert.True(ContractCommands.TryValidate(ContractCommands.PortStop, Read("""{"port":"p1","id":"c-9"}"""), out string? error), error);
        Assert.False(ContractCommands.TryValidate(ContractCommands.PortStop, Read("{}"), out error));
        Assert.Equal("port is required", error);
    }

    [Theory]
    [InlineData(1000.0, 0, 150, null, 150)]        // 1 kWh at 1.50 元
    [InlineData(3.33, 0, 150, null, 0)]            // 0.4995 fen rounds down
    [InlineData(3.34, 0, 150, null, 1)]            // 0.501 fen rounds up
    [InlineData(1000.0, 0, 150, 100L, 100)]        // never more than paid
    public void The_cost_per_kwh_is_the_energys_price_to_the_nearest_fen(double energyWh, int minutes, long fenPerKwh, long? amount, long expected)
    {
        Assert.Equal(expected, new ChargeTariff { FenPerKwh = fenPerKwh }.CostFen(energyWh, TimeSpan.FromMinutes(minutes), amount));
    }

    [Theory]
    [InlineData(0, null, 100)]          // the first block starts with the charge
    [InlineData(60, null, 100)]
    [InlineData(61, null, 200)]         // a started block is a block
    [InlineData(181, 250L, 200)]        // 250 fen buys two blocks: no more is charged
    public void The_cost_per_hour_is_every_started_block(int minutes, long? amount, long expected)
    {
        Assert.Equal(expected, new ChargeTariff { FenPerHour = 100 }.CostFen(500, TimeSpan.FromMinutes(minutes), amount));
    }

    [Fact]
    public void An_amount_is_used_up_at_the_energy_or_the_blocks_it_buys_and_never_at_a_free_tariff()
    {
        var perKwh = new ChargeTariff { FenPerKwh = 150 };
        Assert.False(perKwh.AmountReached(300, 1999, TimeSpan.FromHours(9)));
        Assert.True(perKwh.AmountReached(300, 2000, TimeSpan.Zero));

        var perHour = new ChargeTariff { FenPerHour = 100 };
        Assert.False(perHour.AmountReached(250, 1e6, TimeSpan.FromHours(2) - TimeSpan.FromTicks(1)));
        Assert.True(perHour.AmountReached(250, 0, TimeSpan.FromHours(2)));

        Assert.False(new ChargeTariff { FenPerKwh = 0 }.AmountReached(1, 1e6, TimeSpan.FromDays(1)));
        Assert.False(new ChargeTariff { FenPerHour = 0 }.AmountReached(1, 1e6, TimeSpan.FromDays(1)));
    }
}
