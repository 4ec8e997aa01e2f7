using System.Diagnostics;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.WebConsole;
using EdgeGateway.Hub.WebConsole.Dashboard;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>The live board and its fan-out, in process: what a slow browser costs the MQTT handler (nothing), and how
/// the board keeps the newest state when messages come out of order.</summary>
public sealed class DashboardStreamTests
{
    [Fact]
    public void A_subscriber_that_never_reads_does_not_hold_up_publishing_and_is_told_to_resync()
    {
        var stream = new DashboardStream();
        var board = new LiveDashboard(stream, TimeProvider.System);
        using DashboardSubscriber slow = stream.Subscribe(null);
        using DashboardSubscriber other = stream.Subscribe("another-site");

        var watch = Stopwatch.StartNew();
        for (int i = 0; i < DashboardStream.Capacity * 5; i++)
        {
            Assert.True(board.Apply(Topic("ports/P01/telemetry"), Telemetry(i)));
        }

        // A hang guard (a publisher blocked on the slow subscriber would never finish), not a speed bound.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"publishing took {watch.Elapsed}");
        Assert.True(slow.TakeOverflow());
        Assert.False(slow.TakeOverflow()); // once per overflow
        Assert.Equal(DashboardStream.Capacity, slow.Changes.Count);
        Assert.False(other.TakeOverflow());
        Assert.Equal(0, other.Changes.Count); // another site's subscriber gets none of it
    }

    [Fact]
    public void An_older_telemetry_arriving_after_a_newer_state_does_not_undo_the_state()
    {
        var board = new LiveDashboard(new DashboardStream(), TimeProvider.System);
        DateTimeOffset t0 = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);
        board.Apply(Topic("ports/P01/state"), ContractJson.Serialize(new PortStateMessage
        {
            Seq = 10, Ts = t0.AddSeconds(10), Site = "s", Gateway = "g", Port = "P01", State = PortState.Disabled, Reason = "overload", Lockout = "port_overload",
        }));
        board.Apply(Topic("ports/P01/telemetry"), Telemetry(5, t0.AddSeconds(5)));

        PortView port = board.FindPort("s", "g", "P01")!;
        Assert.Equal("disabled", port.State);
        Assert.Equal("port_overload", port.Lockout);
        Assert.True(port.NeedsAttention);
        Assert.Equal(5, port.PowerW); // the measurements are the newest there are
    }

    [Fact]
    public void The_board_refuses_what_ingest_refuses_and_a_far_future_stamp_does_not_freeze_a_port()
    {
        var board = new LiveDashboard(new DashboardStream(), TimeProvider.System);
        DateTimeOffset now = DateTimeOffset.UtcNow;

        Assert.True(board.Apply(Topic("ports/P01/telemetry"), Telemetry(1, new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero))));
        Assert.True(board.Apply(Topic("ports/P01/state"), ContractJson.Serialize(new PortStateMessage
        {
            Seq = 3, Ts = now.AddMinutes(1), Site = "s", Gateway = "g", Port = "P01", State = PortState.Fault, Reason = "meter", Fault = "meter bus timeout",
        })));
        Assert.Equal(("fault", "meter bus timeout"), (board.FindPort("s", "g", "P01")!.State, board.FindPort("s", "g", "P01")!.Fault));

        // Ranges as ingest checks them: a negative uptime is not shown.
        Assert.False(board.Apply(Topic("status"), ContractJson.Serialize(new StatusMessage
        {
            Seq = 4, Ts = now, Site = "s", Gateway = "g", Online = true, Version = "0.1.0", UptimeS = -1, OutboxDepth = 0,
        })));
        Assert.Equal("fault", board.FindPort("s", "g", "P01")!.State);
    }

    [Fact]
    public void A_message_whose_payload_names_another_gateway_than_its_topic_is_ignored()
    {
        var board = new LiveDashboard(new DashboardStream(), TimeProvider.System);
        Assert.False(board.Apply(new ContractTopic("s", "other", ContractTopicKind.PortTelemetry, Port: "P01"), Telemetry(1)));
        Assert.False(board.HasGateway("s", "other"));
    }

    private static ContractTopic Topic(string rest) =>
        ContractTopics.TryParse("edge/v1/s/g/" + rest, out ContractTopic topic) ? topic : throw new ArgumentException(rest);

    private static byte[] Telemetry(int i, DateTimeOffset? ts = null) => ContractJson.Serialize(new PortTelemetryMessage
    {
        Seq = i + 1,
        Ts = ts ?? DateTimeOffset.UnixEpoch.AddYears(56).AddSeconds(i),
        Site = "s",
        Gateway = "g",
        Port = "P01",
        State = PortState.Charging,
        RelayClosed = true,
        PowerW = i,
        SessionEnergyWh = 0,
        LifetimeEnergyWh = 0,
    });
}
