using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;

namespace EdgeGateway.Tests.Bins;

/// <summary>A bin sensor that fails and recovers over and over is one flapping alarm, as in the development stack.</summary>
public sealed class BinAlarmFlappingTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 6, 0, 0, TimeSpan.FromHours(8));

    private readonly List<GatewayEvent> _events = [];
    private readonly BinMonitor _monitor;

    public BinAlarmFlappingTests() => _monitor = new BinMonitor(
        new BinDefinition
        {
            Id = "B1",
            Class = BinClass.Other,
            Geometry = new BinGeometry(1000, 100, []),
            FillSensors = [new UltrasonicFillSensor("us1", UltrasonicModel.Hcsr04, 6, 21, 0)],
            Thresholds = new BinThresholds(),
        },
        new Sink(_events));

    /// <summary>A 40 % bin <paramref name="halfMinutes"/> half minutes in, its lid switch failing or not.</summary>
    private static BinSample Sample(int halfMinutes, bool switchFault) =>
        new(Start.AddSeconds(halfMinutes * 30), [new FillSensorReadings("us1", [639, 640, 641, 640, 640], 0, null, 20, 4000)], LidOpen: false, Tilted: false,
            SwitchFault: switchFault ? "lid switch reads neither open nor closed" : null);

    private IEnumerable<Alarm> Raised => _events.OfType<AlarmRaised>().Select(r => r.Alarm).Where(a => a.Kind == AlarmKind.BinSensorFault);

    private IEnumerable<AlarmCleared> Cleared => _events.OfType<AlarmCleared>().Where(c => c.Alarm.Kind == AlarmKind.BinSensorFault);

    [Fact]
    public void A_sensor_fault_raised_and_cleared_30_times_in_90_minutes_is_one_flapping_alarm_and_one_clear_after_the_hold()
    {
        // A sample every 30 s; the switch fails every third minute; the fault clears two minutes after it last showed.
        for (int half = 0; half < 180; half++)
        {
            _monitor.OnSample(Sample(half, switchFault: half % 6 == 0));
        }

        // Three plain alarms, then a fourth that stays raised, marked flapping under its own id.
        Alarm[] raised = [.. Raised];
        Assert.Equal(5, raised.Length);
        Assert.Equal(4, raised.Select(a => a.Id).Distinct().Count());
        Assert.Equal([false, false, false, false, true], raised.Select(a => a.Flapping));
        Assert.Equal(raised[3].Id, raised[4].Id);
        Assert.Equal(3, Cleared.Count());
        Assert.Contains(_monitor.ActiveAlarms, a => a.Id == raised[4].Id && a.Flapping);

        // Healthy from minute 90: the last fault (minute 87) cleared at 89.5 (2 min after the first good sample), so
        // the alarm clears 10 min later, at minute 99.5.
        int clearedAt = -1;
        for (int half = 180; half < 240 && clearedAt < 0; half++)
        {
            _monitor.OnSample(Sample(half, switchFault: false));
            clearedAt = Cleared.Count() == 4 ? half : -1;
        }

        Assert.Equal(199, clearedAt);
        AlarmCleared last = Cleared.Last();
        Assert.Equal((raised[4].Id, true), (last.Alarm.Id, last.Alarm.Flapping));
        Assert.StartsWith("sensors read again (was flapping: raised 30 times", last.Reason, StringComparison.Ordinal);
        Assert.Empty(_monitor.ActiveAlarms);
        Assert.Equal(5, Raised.Count());
    }

    [Fact]
    public void A_fault_now_and_then_raises_and_clears_each_time()
    {
        // A fault every 15 minutes for 3 hours: twelve alarms, none flapping.
        for (int half = 0; half < 360; half++)
        {
            _monitor.OnSample(Sample(half, switchFault: half % 30 == 0));
        }

        Assert.Equal(12, Raised.Count());
        Assert.Equal(12, Cleared.Count());
        Assert.DoesNotContain(Raised, a => a.Flapping);
    }

    private sealed class Sink(List<GatewayEvent> events) : IGatewayEventSink
    {
        public void Publish(GatewayEvent gatewayEvent) => events.Add(gatewayEvent);
    }
}
