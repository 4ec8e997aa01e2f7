using EdgeGateway.Commands;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// port_start with a limit and port_stop through the commands area on the bus-level simulator, with no broker at all:
/// the gateway ends the charge at its limit on its own meter and clock.
/// </summary>
public sealed class ChargeLimitOnSimulatedShedTests
{
    private static async Task<CommandReply> Execute(ShedHarness h, ShedCommands commands, string name, CommandRequest request)
    {
        Task<CommandReply> reply = commands.ExecuteAsync(name, request, h.Runtime.Time.GetUtcNow());
        h.Round();
        return await reply.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_energy_limit_set_by_port_start_ends_the_charge_offline_at_the_limit_and_port_stop_ends_another_as_user_stop()
    {
        using var h = new ShedHarness();
        var commands = new ShedCommands(h.Site, h.Protection, null, _ => { }, NullLogger.Instance);
        h.Outlet("P1").Plug(new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
        h.Outlet("P2").Plug(new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));

        CommandReply started = await Execute(h, commands, ContractCommands.PortStart, new CommandRequest
        {
            Port = "P1", Id = "c-1", OrderId = "ord-s1", Limit = new ChargeLimit { EnergyWh = 2 }, Tariff = new ChargeTariff { FenPerKwh = 1000 },
        });
        Assert.True(started.Ok, started.Message);
        Assert.Equal(started.SessionId, h.Port("P1").SessionId);
        Assert.True((await Execute(h, commands, ContractCommands.PortStart, new CommandRequest { Port = "P2", Id = "c-2" })).Ok);

        h.RunUntil(() => h.EventsOf<SessionClosed>().Any(), TimeSpan.FromMinutes(2), "the energy limit");

        ChargingSession session = h.EventsOf<SessionClosed>().Single().Session;
        Assert.Equal(("P1", SessionEndReason.LimitReached, "ord-s1", 2L), (session.PortId, session.EndReason, session.Order?.OrderId, session.CostFen));

        // A 200 W charger adds under 0.03 Wh per 500 ms round: the relay opened within one measurement of the limit.
        Assert.InRange(session.EnergyWh, 2, 2.05);
        Assert.False(h.RelayClosed("P1"));
        Assert.Equal(PortState.Idle, h.Port("P1").State);

        CommandReply stopped = await Execute(h, commands, ContractCommands.PortStop, new CommandRequest { Port = "P2", Id = "c-3" });
        Assert.True(stopped.Ok, stopped.Message);
        Assert.Equal(SessionEndReason.UserStop, h.EventsOf<SessionClosed>().Single(s => s.Session.PortId == "P2").Session.EndReason);
        Assert.False(h.RelayClosed("P2"));

        CommandReply nothing = await Execute(h, commands, ContractCommands.PortStop, new CommandRequest { Port = "P2", Id = "c-4" });
        Assert.Equal((false, "no session to stop"), (nothing.Ok, nothing.Message));
    }
}
