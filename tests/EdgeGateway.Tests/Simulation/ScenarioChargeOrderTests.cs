using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Simulation;

/// <summary>A scenario's start with an order, card, limit and tariff, and its stop (port_stop); a bad one refused with <c>FILE:LINE: message</c>.</summary>
public sealed class ScenarioChargeOrderTests
{
    private static readonly SiteConfiguration Demo = DemoScenario.Demo;

    private static ScenarioLoadResult Load(string command) => ScenarioLoader.LoadText("s.yaml", $"""
        speed: 0
        events:
          - at: "00:01:00"
            command: {command}
        """, Demo);

    [Fact]
    public void A_start_reads_its_order_card_limit_and_tariff_and_a_stop_is_port_stop()
    {
        ScenarioLoadResult result = ScenarioLoader.LoadText("s.yaml", """
            events:
              - at: "00:01:00"
                command: { kind: start, port: P01, operator: platform, order_id: ord-42, card: card-7, limit: { energy_wh: 500, amount_fen: 300 }, tariff: { fen_per_kwh: 150 } }
              - at: "00:30:00"
                command: { kind: stop, port: P01 }
            """, Demo);

        Assert.Empty(result.Problems);
        var start = (OperatorCommandEvent)result.Scenario!.Events[0];
        Assert.Equal(new ChargeOrder("ord-42", "card-7", new ChargeLimit { EnergyWh = 500, AmountFen = 300 }, new ChargeTariff { FenPerKwh = 150 }), start.Order);
        var stop = (OperatorCommandEvent)result.Scenario.Events[1];
        Assert.Equal((PortCommandKind.Stop, null), (stop.Kind, stop.Order));
    }

    [Fact]
    public void The_readme_example_of_a_paid_charge_loads()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "EdgeGateway.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        string readme = File.ReadAllText(Path.Combine(dir, "firmware-config", "scenarios", "README.md"));
        int from = readme.IndexOf("```yaml", readme.IndexOf("A charge paid for through the platform", StringComparison.Ordinal), StringComparison.Ordinal) + "```yaml".Length;
        string example = readme[from..readme.IndexOf("```", from, StringComparison.Ordinal)];

        ScenarioLoadResult result = ScenarioLoader.LoadText("README.md", "events:" + example, Demo);

        Assert.Empty(result.Problems);
        Assert.Equal(new ChargeOrder("ord-20261207-001", null, new ChargeLimit { AmountFen = 300 }, new ChargeTariff { FenPerKwh = 150 }), result.Scenario!.Events.OfType<OperatorCommandEvent>().First().Order);
    }

    [Theory]
    [InlineData("{ kind: start, port: P01, limit: { energy_wh: 0 } }", "s.yaml:4: events[].command.limit: limit.energy_wh must be more than 0")]
    [InlineData("{ kind: start, port: P01, limit: { amount_fen: 300 } }", "s.yaml:4: events[].command.limit: limit.amount_fen needs a tariff")]
    [InlineData("{ kind: start, port: P01, limit: { amount_fen: 50 }, tariff: { fen_per_hour: 100 } }", "does not buy one hour block")]
    [InlineData("{ kind: start, port: P01, tariff: { fen_per_kwh: 100, fen_per_hour: 100 } }", "tariff needs exactly one of fen_per_kwh, fen_per_hour")]
    [InlineData("{ kind: start, port: P01, order_id: \"ord 1\" }", "order_id must be 1 to 64")]
    [InlineData("{ kind: stop, port: P01, order_id: ord-1 }", "s.yaml:4: events[].command.order_id: only a start carries")]
    [InlineData("{ kind: start, port: P01, limit: { kwh: 1 } }", "s.yaml:4: ")]
    public void A_bad_order_is_refused_with_file_line_and_the_rule(string command, string expected)
    {
        ScenarioLoadResult result = Load(command);

        Assert.Null(result.Scenario);
        Assert.Contains(result.Problems, p => p.ToString().Contains(expected, StringComparison.Ordinal));
    }
}
