using EdgeGateway.Messaging;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>A district's gateways report telemetry spread over the period, not in lockstep after a common start.</summary>
public sealed class TelemetryPhaseTests
{
    [Fact]
    public void A_district_of_gateways_spreads_its_telemetry_over_the_period()
    {
        var period = TimeSpan.FromSeconds(10);
        TimeSpan[] phases = [.. Enumerable.Range(1, 645).Select(i => MqttLink.TelemetryPhase($"linzi-{i:000}", "gw1", period))];

        Assert.All(phases, p => Assert.InRange(p, TimeSpan.FromTicks(1), period));

        // Ten one-second slots: none holds more than twice its share (64.5) of the sheds.
        int[] perSecond = [.. Enumerable.Range(0, 10).Select(s => phases.Count(p => (int)p.TotalSeconds == s || (s == 9 && p == period)))];
        Assert.All(perSecond, n => Assert.InRange(n, 20, 129));
    }

    [Fact]
    public void A_gateway_keeps_its_phase_across_restarts()
    {
        var period = TimeSpan.FromSeconds(10);

        Assert.Equal(MqttLink.TelemetryPhase("linzi-001", "gw1", period), MqttLink.TelemetryPhase("linzi-001", "gw1", period));
        Assert.NotEqual(MqttLink.TelemetryPhase("linzi-001", "gw1", period), MqttLink.TelemetryPhase("linzi-002", "gw1", period));
    }
}
