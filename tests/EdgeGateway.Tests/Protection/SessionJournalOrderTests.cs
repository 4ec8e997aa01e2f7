using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

/// <summary>The session journal keeps a session's order and limit, so a gateway restarted mid-charge still ends it at its limit.</summary>
public sealed class SessionJournalOrderTests : IDisposable
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-orders-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_clean_stop_and_a_restart_keep_the_order_and_the_limit_which_then_ends_the_session()
    {
        var before = new ShedHarness();
        var journal = new SessionJournal(_dir, [], before.Time, BootClock.None, () => before.Protection.Snapshot);
        var order = new ChargeOrder("ord-j1", null, new ChargeLimit { EnergyWh = 3 }, new ChargeTariff { FenPerKwh = 1000 });
        Assert.True(before.Send(new PortCommand(PortCommandKind.Start, "p2", "platform", null, order)).Accepted);
        before.DrawFor(1, 360, TimeSpan.FromSeconds(20), Second);
        before.Protection.SuspendAll();
        foreach (RecordedEvent e in before.Events.Entries)
        {
            await journal.HandleAsync(e.Event, CancellationToken.None);
        }

        await journal.WriteEnergyAsync(CancellationToken.None);

        JournalledSession saved = Assert.Single(SessionJournal.Load(_dir, out string? problem));
        Assert.Null(problem);
        Assert.Equal(order, saved.Order);
        Assert.InRange(saved.EnergyWh, 1.99, 2.01);

        var after = new ShedHarness();
        after.Protection.ResumeSessions([(saved, TimeSpan.FromMinutes(1))]);
        after.Draw(1, 0);
        after.Sensors(ShedHarness.Quiet);
        after.Protection.OnRoundComplete();
        Assert.True(after.Relays.IsClosed(1));

        // The last Wh at 360 W: ten seconds (eleven with the rounding of the sum).
        for (int s = 0; s < 11 && after.Sessions(1).Count == 0; s++)
        {
            after.Advance(Second);
            after.Draw(1, 360);
        }

        ChargingSession closed = Assert.Single(after.Sessions(1));
        Assert.Equal((SessionEndReason.LimitReached, "ord-j1", 3L), (closed.EndReason, closed.Order?.OrderId, closed.CostFen));
    }
}
