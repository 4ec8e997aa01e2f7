using EdgeGateway.Board;
using EdgeGateway.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Board;

/// <summary>
/// relays-off (systemd's ExecStopPost) on the demo shed's simulated board: relays P01–P08 on the Pi's pins, P09–P16 on
/// an MCP23017. A dead expander must not keep the Pi-pin relays from opening.
/// </summary>
public sealed class RelaysOffTests
{
    private static (SiteConfiguration Site, SimulatedShed Shed) DemoShed()
    {
        SiteConfiguration site = SiteFileLoader.Load(FirmwareConfig.DemoSite).Configuration!;
        return (site, new SimulatedShed(site, new SimulatedClock(new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8))), seed: 1));
    }

    /// <summary>What a crashed gateway leaves: every coil energised (the crashed process's buses are gone with it).</summary>
    private static void EnergiseEveryCoil(SiteConfiguration site, SimulatedShed shed)
    {
        foreach (ChargingPortDefinition port in site.Ports)
        {
            shed.Outlet(port.Id).CoilEnergized = true;
        }
    }

    [Fact]
    public void Every_relay_is_opened_when_every_chip_answers()
    {
        (SiteConfiguration site, SimulatedShed shed) = DemoShed();
        EnergiseEveryCoil(site, shed);
        Assert.All(site.Ports, p => Assert.True(shed.Outlet(p.Id).CoilEnergized));

        using var board = ShedBoard.OpenEveryRelay(site, shed.Buses);

        Assert.Empty(board.UnreachableRelays);
        Assert.Equal(site.Ports.Count, board.Relays.Count);
        Assert.All(board.Relays, r => Assert.False(r.CommandedClosed));
        // The Pi's pins drive the model's coils on every write; the expander's latch was never set in this test.
        Assert.All(site.Ports.Where(p => p.Relay.Expander is null), p => Assert.False(shed.Outlet(p.Id).CoilEnergized, $"{p.Id} still energised"));
        Assert.Equal(0, RelaysOffCommand.Report(board));
    }

    [Fact]
    public void A_dead_relay_expander_does_not_keep_the_other_relays_from_opening()
    {
        (SiteConfiguration site, SimulatedShed shed) = DemoShed();
        EnergiseEveryCoil(site, shed);
        shed.Expander("relays-a").Answering = false;

        using var board = ShedBoard.OpenEveryRelay(site, shed.Buses);

        string[] onExpander = [.. site.Ports.Where(p => p.Relay.Expander == "relays-a").Select(p => p.Id)];
        string[] onPiPins = [.. site.Ports.Where(p => p.Relay.Expander is null).Select(p => p.Id)];
        Assert.NotEmpty(onExpander);
        Assert.NotEmpty(onPiPins);
        Assert.All(onPiPins, id => Assert.False(shed.Outlet(id).CoilEnergized, $"{id} still energised"));
        Assert.Equal(onPiPins.Length, board.Relays.Count);
        Assert.Contains(board.UnreachableRelays, u => u.Contains("relays-a", StringComparison.Ordinal) && u.Contains("0x20", StringComparison.Ordinal));
        Assert.All(onExpander, id => Assert.Contains(board.UnreachableRelays, u => u.StartsWith($"relay of {id}:", StringComparison.Ordinal)));
        Assert.Equal(3, RelaysOffCommand.Report(board));
    }
}
