using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;

namespace EdgeGateway.Tests.Protection;

/// <summary>A relay's contact-feedback input compared with the relay's command.</summary>
public sealed class RelayFeedbackTests
{
    private static readonly TimeSpan Round = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void Contacts_reading_open_while_the_relay_is_commanded_closed_raise_relay_fault_at_the_next_read_and_end_the_session()
    {
        var h = new ShedHarness();
        h.Start(0);

        // Straight after the command the contacts may not have moved yet.
        h.Protection.OnRelayFeedback(0, contactClosed: false);
        Assert.Empty(h.Events.Raised(AlarmKind.RelayFault));
        long mark = h.Mark();

        h.Advance(Round);
        h.Protection.OnRelayFeedback(0, contactClosed: false);

        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.RelayFault));
        Assert.Equal((AlarmSeverity.Critical, "port:p1"), (alarm.Severity, alarm.Source));
        Assert.Contains("feedback reads open", alarm.Detail, StringComparison.Ordinal);
        Assert.Equal(SessionEndReason.RelayFault, Assert.Single(h.Sessions(0)).EndReason);
        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Fault, "relay_fault"), (port.State, port.Lockout));
        Assert.Empty(h.Events.Raised(AlarmKind.PortNoLoad));
        Assert.False(h.Send(PortCommandKind.Start, 0).Accepted);
    }

    [Fact]
    public void Contacts_reading_closed_while_the_relay_is_commanded_open_raise_relay_fault()
    {
        var h = new ShedHarness();
        h.Protection.OnRelayFeedback(1, contactClosed: true);
        h.Advance(Round);
        h.Protection.OnRelayFeedback(1, contactClosed: true);

        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.RelayFault));
        Assert.Equal("port:p2", alarm.Source);
        Assert.Contains("welded", alarm.Detail, StringComparison.Ordinal);
        Assert.Equal(PortState.Fault, h.State(1));
    }

    [Fact]
    public void Feedback_that_agrees_or_disagrees_only_once_raises_nothing()
    {
        var h = new ShedHarness();
        h.Protection.OnRelayFeedback(0, contactClosed: false);
        h.Start(0);
        h.Protection.OnRelayFeedback(0, contactClosed: false);  // not operated yet
        h.Advance(Round);
        h.Protection.OnRelayFeedback(0, contactClosed: true);
        h.Draw(0, 150);
        h.Advance(Round);
        h.Protection.OnRelayFeedback(0, contactClosed: true);
        h.Send(PortCommandKind.Stop, 0);
        h.Protection.OnRelayFeedback(0, contactClosed: true);   // not released yet
        h.Advance(Round);
        h.Protection.OnRelayFeedback(0, contactClosed: false);

        Assert.Empty(h.Events.Raised(AlarmKind.RelayFault));
        Assert.Equal(PortState.Idle, h.State(0));
    }
}
