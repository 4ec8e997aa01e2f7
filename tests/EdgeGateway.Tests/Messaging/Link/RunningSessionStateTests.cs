using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Testing;
using EdgeGateway.Tests.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>The retained state of a charging port carries its running session (energy, cost), renewed once a telemetry period.</summary>
public sealed class RunningSessionStateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-session-state-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_charging_ports_state_carries_its_energy_and_cost_once_a_period_and_an_idle_ports_state_is_not_repeated()
    {
        // A one-second telemetry period, no broker (the outbox keeps everything), the shed run on this thread.
        using var shed = new ShedHarness(ShedHarness.SiteYaml.Replace("temperaturePeriodSeconds: 1", "temperaturePeriodSeconds: 1\n  telemetryPeriodSeconds: 1", StringComparison.Ordinal));
        using var outbox = DurableOutbox.Open(new OutboxOptions { Path = Path.Combine(_dir, "outbox.db"), MaxMessages = 100_000 }, out _);
        await using var connection = new MqttConnection(LinkOptions.For(new Uri("mqtt://127.0.0.1:9"), "session-state"), NullLogger<MqttConnection>.Instance);
        using var link = new MqttLink(shed.Runtime, outbox, connection, NullLogger<MqttLink>.Instance);
        using var stop = new CancellationTokenSource();
        await link.StartAsync(stop.Token);
        try
        {
            // The link's first report goes at once, when its loop starts (and its shed-time schedule with it); the shed starts after it.
            DateTime deadline = DateTime.UtcNow.AddSeconds(20);
            while (!outbox.PeekBatch(100_000).Any(r => r.Topic.EndsWith("/ports/P1/telemetry", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            shed.Outlet("P1").Plug(new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
            var order = new ChargeOrder("ord-r1", null, new ChargeLimit { EnergyWh = 100 }, new ChargeTariff { FenPerKwh = 10_000 });
            Task<CommandResult> started = shed.Protection.SubmitAsync(new PortCommand(PortCommandKind.Start, "P1", "platform", null, order));
            shed.Round();
            Assert.True((await started).Accepted);

            shed.RunFor(TimeSpan.FromSeconds(20));

            // Twenty-odd periods, the first after the gateway's phase within the period. The link's loop
            // appends what fell due within a tenth of a second; a generous deadline only bounds a failure.
            while (Running(outbox, "P1").Count < 20 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            List<JsonNode> states = Running(outbox, "P1");
            Assert.InRange(states.Count, 19, 21);
            DateTimeOffset[] stamps = [.. states.Select(state => DateTimeOffset.Parse((string)state["ts"]!, System.Globalization.CultureInfo.InvariantCulture))];
            Assert.All(stamps.Zip(stamps.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(1), pair.Second - pair.First));
            JsonNode[] running = [.. states.Select(state => state["session"]!)];
            double[] energy = [.. running.Select(s => (double)s["energy_wh"]!)];
            Assert.Equal(energy.Order(), energy);
            Assert.InRange(energy[^1], 0.5, 2);
            Assert.All(running, s => Assert.Equal("ord-r1", (string?)s["order_id"]));
            Assert.Equal(100, (double)running[^1]["limit"]!["energy_wh"]!);
            Assert.Equal((long)Math.Round(energy[^1] * 10), (long)running[^1]["cost_fen"]!, tolerance: 1);
            Assert.Empty(Running(outbox, "P2"));
        }
        finally
        {
            await stop.CancelAsync();
            await link.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A port's state messages renewed for its running session, in order.</summary>
    private static List<JsonNode> Running(DurableOutbox outbox, string port) =>
        [.. outbox.PeekBatch(100_000)
            .Where(r => r.Topic.EndsWith($"/ports/{port}/state", StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.Payload.Span)!)
            .Where(state => (string?)state["reason"] == "session running")];
}
