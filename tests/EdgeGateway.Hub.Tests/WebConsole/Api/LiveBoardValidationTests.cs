using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>
/// The live board reads contract messages through ingest's validation: what an outside probe published (a telemetry
/// stamped 9999-12-31 that froze a port at "charging 180.5 W" so that a genuine fault never showed, and a status with
/// <c>uptime_s</c> −1 that was displayed) is checked on its way to the board as it is on its way to the database.
/// Through the real hub, its console and Mosquitto.
/// </summary>
[Collection(SharedConsoleApi.Name)]
[Trait("Category", "Servers")]
public sealed class LiveBoardValidationTests(ConsoleApiRig stack)
{
    private const string Site = "probe-site";
    private const string Gateway = "gw-probe";
    private const string Port = "P01";

    [Fact]
    public async Task A_far_future_telemetry_does_not_freeze_a_port_a_later_fault_shows_and_a_negative_uptime_is_not_shown()
    {
        await using ProbeClient gateway = await ProbeClient.ConnectAsync(stack.Broker, clientId: "board-probe-" + Guid.NewGuid().ToString("N")[..6]);
        DateTimeOffset now = ContractTime.Truncate(DateTimeOffset.UtcNow);
        long seq = 0;

        await gateway.PublishAsync(ContractTopics.Status(Site, Gateway), ContractJson.SerializeToString(Status(++seq, now, uptimeS: 5)));
        await gateway.PublishAsync(ContractTopics.PortTelemetry(Site, Gateway, Port), ContractJson.SerializeToString(new PortTelemetryMessage
        {
            Seq = ++seq, Ts = new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), Site = Site, Gateway = Gateway, Port = Port,
            State = PortState.Charging, RelayClosed = true, VoltageV = 230, CurrentA = 0.8, PowerW = 180.5, PowerFactor = 0.98,
            SessionEnergyWh = 1, SessionS = 60, LifetimeEnergyWh = 10, MeasuredTs = now,
        }));
        await gateway.PublishAsync(ContractTopics.PortTelemetry(Site, Gateway, Port), ContractJson.SerializeToString(Fault(++seq, now.AddSeconds(30), "meter bus timeout")));
        await gateway.PublishAsync(ContractTopics.Status(Site, Gateway), ContractJson.SerializeToString(Status(++seq, now.AddSeconds(31), uptimeS: -1)));
        // A last genuine message, so that the board has read everything before it is looked at.
        await gateway.PublishAsync(ContractTopics.PortTelemetry(Site, Gateway, Port), ContractJson.SerializeToString(Fault(++seq, now.AddSeconds(32), "meter bus timeout, still")));

        ConsoleClient admin = await stack.AsAsync("admin");
        JsonElement? shown = null;
        await ConsoleApiRig.Eventually(async () =>
        {
            shown = ConsoleApiRig.FindGateway(await admin.GetJsonAsync("/api/board"), Site, Gateway);
            return shown is { } g && ConsoleApiRig.FindItem(g, "ports", "port", Port) is { } p
                && p.GetProperty("fault").ValueKind == JsonValueKind.String && p.GetProperty("fault").GetString() == "meter bus timeout, still";
            // (The genuine messages are stamped 30 s on: the far-future one is stamped with its receive time, as ingest
            // stores it, and a loaded machine may take a moment to deliver it.)
        }, TimeSpan.FromSeconds(30), $"the board never showed the port's genuine fault: {shown}");

        JsonElement port = ConsoleApiRig.FindItem(shown!.Value, "ports", "port", Port)!.Value;
        Assert.Equal("fault", port.GetProperty("state").GetString());
        Assert.False(port.GetProperty("relay_closed").ValueKind == JsonValueKind.True, "the relay of a faulted port shown closed");
        Assert.Equal(5, shown.Value.GetProperty("uptime_s").GetInt64());
    }

    [Fact]
    public async Task A_telemetry_stamped_days_ahead_that_the_reader_accepts_does_not_hold_the_port_either()
    {
        const string Ahead = "P02";
        await using ProbeClient gateway = await ProbeClient.ConnectAsync(stack.Broker, clientId: "board-ahead-" + Guid.NewGuid().ToString("N")[..6]);
        DateTimeOffset now = ContractTime.Truncate(DateTimeOffset.UtcNow);

        // Three days ahead: within what the reader accepts from a gateway whose clock is wrong, so it is stored and shown …
        await gateway.PublishAsync(ContractTopics.PortTelemetry(Site, Gateway, Ahead), ContractJson.SerializeToString(new PortTelemetryMessage
        {
            Seq = 100, Ts = now.AddDays(3), Site = Site, Gateway = Gateway, Port = Ahead,
            State = PortState.Charging, RelayClosed = true, VoltageV = 230, CurrentA = 0.8, PowerW = 180.5, PowerFactor = 0.98,
            SessionEnergyWh = 1, SessionS = 60, LifetimeEnergyWh = 10, MeasuredTs = now.AddDays(3),
        }));

        // … but the genuine fault that follows, stamped seconds later in true time, is what the board shows.
        await gateway.PublishAsync(ContractTopics.PortTelemetry(Site, Gateway, Ahead), ContractJson.SerializeToString(Fault(101, now.AddSeconds(30), "meter bus timeout") with { Port = Ahead }));

        ConsoleClient admin = await stack.AsAsync("admin");
        JsonElement? shown = null;
        await ConsoleApiRig.Eventually(async () =>
        {
            shown = ConsoleApiRig.FindGateway(await admin.GetJsonAsync("/api/board"), Site, Gateway);
            return shown is { } g && ConsoleApiRig.FindItem(g, "ports", "port", Ahead) is { } p && p.GetProperty("state").GetString() == "fault";
        }, TimeSpan.FromSeconds(30), $"a telemetry stamped three days ahead held the port: {shown}");

        JsonElement port = ConsoleApiRig.FindItem(shown!.Value, "ports", "port", Ahead)!.Value;
        Assert.Equal("meter bus timeout", port.GetProperty("fault").GetString());
        Assert.False(port.GetProperty("relay_closed").ValueKind == JsonValueKind.True, "the relay of a faulted port shown closed");
    }

    private static StatusMessage Status(long seq, DateTimeOffset ts, long uptimeS) => new()
    {
        Seq = seq, Ts = ts, Site = Site, Gateway = Gateway, Online = true, Version = "0.1.0-probe", UptimeS = uptimeS, OutboxDepth = 0,
    };

    private static PortTelemetryMessage Fault(long seq, DateTimeOffset ts, string fault) => new()
    {
        Seq = seq, Ts = ts, Site = Site, Gateway = Gateway, Port = Port, State = PortState.Fault, RelayClosed = false,
        SessionEnergyWh = 0, LifetimeEnergyWh = 10, Fault = fault,
    };
}
