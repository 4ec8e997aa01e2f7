using System.Globalization;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>The retained state of a charging port carries its running session (energy, cost), renewed once a telemetry period.</summary>
public sealed class RunningSessionStateTests
{
    [Fact]
    public async Task A_charging_ports_state_carries_its_energy_and_cost_once_a_period_and_an_idle_ports_state_is_not_repeated()
    {
        await using OfflineShedLink rig = await OfflineShedLink.StartAsync("session-state");
        rig.Shed.Outlet("P1").Plug(new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
        var order = new ChargeOrder("ord-r1", null, new ChargeLimit { EnergyWh = 100 }, new ChargeTariff { FenPerKwh = 10_000 });
        Task<CommandResult> started = rig.Shed.Protection.SubmitAsync(new PortCommand(PortCommandKind.Start, "P1", "platform", null, order));
        rig.Shed.Round();
        Assert.True((await started).Accepted);

        rig.Shed.RunFor(TimeSpan.FromSeconds(20));

        // Twenty-odd periods, the first after the gateway's phase within the period.
        await OfflineShedLink.WaitForAsync(() => Running(rig, "P1").Count >= 20);
        List<JsonNode> states = Running(rig, "P1");
        Assert.InRange(states.Count, 19, 21);
        DateTimeOffset[] stamps = [.. states.Select(state => DateTimeOffset.Parse((string)state["ts"]!, CultureInfo.InvariantCulture))];
        Assert.All(stamps.Zip(stamps.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(1), pair.Second - pair.First));

        JsonNode[] running = [.. states.Select(state => state["session"]!)];
        double[] energy = [.. running.Select(s => (double)s["energy_wh"]!)];
        Assert.Equal(energy.Order(), energy);
        Assert.InRange(energy[^1], 0.5, 2);
        Assert.All(running, s => Assert.Equal("ord-r1", (string?)s["order_id"]));
        Assert.Equal(100, (double)running[^1]["limit"]!["energy_wh"]!);
        Assert.Equal(Math.Round(energy[^1] * 10), (long)running[^1]["cost_fen"]!, tolerance: 1);
        Assert.Empty(Running(rig, "P2"));
    }

    /// <summary>A port's state messages renewed for its running session, in order.</summary>
    private static List<JsonNode> Running(OfflineShedLink rig, string port) =>
        [.. rig.Messages($"/ports/{port}/state")
            .Select(r => JsonNode.Parse(r.Payload.Span)!)
            .Where(state => (string?)state["reason"] == "session running")];
}
