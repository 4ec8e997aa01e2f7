using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;

namespace EdgeGateway.Tests.Bins;

/// <summary>The bin rules as pure logic: samples in, state and alarms out.</summary>
public sealed class BinMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 6, 0, 0, TimeSpan.FromHours(8));

    // 1000 mm to the bottom, 100 mm to the full line: fill % = (1000 − d) / 9.
    private static BinDefinition Bin(BinThresholds? thresholds = null, int sensors = 1) => new()
    {
        Id = "B1",
        Class = BinClass.Other,
        Geometry = new BinGeometry(1000, 100, []),
        FillSensors = Enumerable.Range(1, sensors).Select(i => (FillSensorDefinition)new UltrasonicFillSensor($"us{i}", UltrasonicModel.Hcsr04, 5 + i, 20 + i, 0)).ToArray(),
        Thresholds = thresholds ?? new BinThresholds(),
    };

    private static double DistanceFor(double fillPct) => 1000 - (fillPct * 9);

    private static FillSensorReadings Readings(string id, params double[] mm) => new(id, mm, 0, null, 20, 4000);

    private static BinSample At(int minute, double fillPct, double? temperatureC = null, bool? lid = false, bool? tilt = false, double? kg = null) =>
        new(Start.AddMinutes(minute), [Readings("us1", Enumerable.Repeat(DistanceFor(fillPct), 5).Select((d, i) => d + i - 2).ToArray())], kg, null, temperatureC, null, lid, tilt);

    private sealed class Rig
    {
        private Rig(BinDefinition bin) => Monitor = new BinMonitor(bin, new Sink(Events));

        public List<GatewayEvent> Events { get; } = [];

        public BinMonitor Monitor { get; }

        public static Rig Create(BinDefinition? bin = null) => new(bin ?? Bin());

        public IEnumerable<Alarm> Raised(AlarmKind kind) => Events.OfType<AlarmRaised>().Select(e => e.Alarm).Where(a => a.Kind == kind);

        public IEnumerable<AlarmCleared> Cleared(AlarmKind kind) => Events.OfType<AlarmCleared>().Where(e => e.Alarm.Kind == kind);
    }

    private sealed class Sink(List<GatewayEvent> events) : IGatewayEventSink
    {
        public void Publish(GatewayEvent gatewayEvent) => events.Add(gatewayEvent);
    }

    [Fact]
    public void Fill_percentage_follows_the_geometry_and_the_level_in_mm()
    {
        var rig = Rig.Create();

        rig.Monitor.OnSample(At(0, 45));

        BinSnapshot s = rig.Monitor.Snapshot();
        Assert.Equal(45, s.FillPct!.Value, 1);
        Assert.Equal(405, s.FillLevelMm!.Value, 0);
        Assert.Equal("other", s.Class);
    }

    [Fact]
    public void Spurious_short_echoes_within_a_sample_do_not_move_the_fill()
    {
        var rig = Rig.Create();
        double d = DistanceFor(40);

        // Two of seven pings bounce off a bag's edge at 150 mm (94 %).
        rig.Monitor.OnSample(new BinSample(Start, [Readings("us1", d, 150, d + 2, d - 1, 150, d + 1, d)]));

        Assert.Equal(40, rig.Monitor.Snapshot().FillPct!.Value, 0);
    }

    [Fact]
    public void A_single_spurious_sample_never_raises_overflow()
    {
        var rig = Rig.Create();
        rig.Monitor.OnSample(At(0, 50));
        rig.Monitor.OnSample(At(1, 52));

        // A whole sample of short echoes (a hand over the sensor), then back to normal.
        rig.Monitor.OnSample(At(2, 97));
        rig.Monitor.OnSample(At(3, 53));

        Assert.Empty(rig.Raised(AlarmKind.BinOverflow));
        Assert.InRange(rig.Monitor.Snapshot().FillPct!.Value, 50, 54);
    }

    [Fact]
    public void Nearly_full_and_overflow_raise_at_their_thresholds_and_clear_only_below_the_hysteresis()
    {
        var rig = Rig.Create();
        double[] fills = [70, 78, 81, 82, 83, 90, 94, 96, 97, 98, 93, 91, 89, 79, 77, 76, 74, 73, 72];
        for (int i = 0; i < fills.Length; i++)
        {
            rig.Monitor.OnSample(At(i * 10, fills[i]));
        }

        Assert.Single(rig.Raised(AlarmKind.BinNearlyFull));
        Assert.Single(rig.Raised(AlarmKind.BinOverflow));
        Assert.Equal(95, rig.Raised(AlarmKind.BinOverflow).Single().Threshold);

        // Overflow clears below 90 % (95 − 5), nearly-full below 75 % (80 − 5): each exactly once.
        AlarmCleared overflowCleared = Assert.Single(rig.Cleared(AlarmKind.BinOverflow));
        AlarmCleared nearlyCleared = Assert.Single(rig.Cleared(AlarmKind.BinNearlyFull));
        Assert.True(overflowCleared.At < nearlyCleared.At);
    }

    [Fact]
    public void Fill_hovering_at_a_threshold_does_not_flap()
    {
        var rig = Rig.Create();
        for (int i = 0; i < 30; i++)
        {
            rig.Monitor.OnSample(At(i * 5, i % 2 == 0 ? 79 : 81.5));
        }

        Assert.True(rig.Raised(AlarmKind.BinNearlyFull).Count() <= 1);
        Assert.Empty(rig.Cleared(AlarmKind.BinNearlyFull));
    }

    [Fact]
    public void Sudden_drop_is_a_collection_recorded_with_the_fill_before_it_and_clears_the_fill_alarms()
    {
        var rig = Rig.Create();
        foreach (double fill in new[] { 90.0, 96, 97, 97 })
        {
            rig.Monitor.OnSample(At(rig.Events.Count, fill));
        }

        rig.Monitor.OnSample(At(60, 3));
        Assert.Empty(rig.Events.OfType<BinCollected>());
        rig.Monitor.OnSample(At(61, 3));

        BinCollected collected = Assert.Single(rig.Events.OfType<BinCollected>());
        Assert.Equal(97, collected.FillPctBefore, 0);
        Assert.Equal(Start.AddMinutes(60), collected.At);
        BinSnapshot s = rig.Monitor.Snapshot();
        Assert.Equal(3, s.FillPct!.Value, 0);
        Assert.Equal(collected.At, s.LastCollectedAt);
        Assert.Single(rig.Cleared(AlarmKind.BinOverflow));
        Assert.True(s.ContainerEmpty);
    }

    [Fact]
    public void One_low_sample_is_not_a_collection()
    {
        var rig = Rig.Create();
        foreach (double fill in new[] { 60.0, 61, 62 })
        {
            rig.Monitor.OnSample(At(rig.Events.Count + (int)fill, fill));
        }

        rig.Monitor.OnSample(At(100, 2));
        rig.Monitor.OnSample(At(101, 62));
        rig.Monitor.OnSample(At(102, 63));

        Assert.Empty(rig.Events.OfType<BinCollected>());
        Assert.InRange(rig.Monitor.Snapshot().FillPct!.Value, 61, 63);
    }

    [Fact]
    public void Fill_speed_and_forecast_full_come_from_the_recent_fill_rate()
    {
        var rig = Rig.Create();

        // 2 % per hour for six hours: 48 %/day; the forecast runs from the (three-sample median) fill to the 95 % line.
        for (int hour = 0; hour <= 6; hour++)
        {
            rig.Monitor.OnSample(At(hour * 60, 20 + (2 * hour)));
        }

        BinSnapshot s = rig.Monitor.Snapshot();
        Assert.Equal(48, s.AverageFillSpeedPctPerDay!.Value, 0);
        Assert.Equal(30, s.FillPct!.Value, 0);
        Assert.Equal(s.LastSampleAt!.Value.AddHours((95 - 30) / 2.0), s.ForecastFullAt!.Value, TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Temperature_rising_fast_raises_fire_before_the_absolute_limit()
    {
        var rig = Rig.Create();
        double[] temperatures = [18, 18, 21, 27, 33, 39, 45];
        for (int i = 0; i < temperatures.Length; i++)
        {
            rig.Monitor.OnSample(At(i, 30, temperatures[i]));
        }

        Alarm fire = Assert.Single(rig.Raised(AlarmKind.BinFire));
        Assert.Equal(AlarmSeverity.Critical, fire.Severity);
        Assert.True(fire.Value < 60, $"raised at {fire.Value} °C");
        Assert.Contains("smouldering", fire.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warm_afternoon_is_not_a_fire_but_sixty_degrees_is()
    {
        var rig = Rig.Create();
        for (int i = 0; i < 30; i++)
        {
            rig.Monitor.OnSample(At(i, 30, 20 + (i * 0.5)));
        }

        Assert.Empty(rig.Raised(AlarmKind.BinFire));
        rig.Monitor.OnSample(At(31, 30, 61));
        Assert.Single(rig.Raised(AlarmKind.BinFire));
    }

    [Fact]
    public void Lid_open_longer_than_the_limit_raises_and_clears_after_it_has_been_closed_for_the_clear_time()
    {
        var rig = Rig.Create();
        for (int minute = 0; minute <= 9; minute++)
        {
            rig.Monitor.OnSample(At(minute, 40, lid: true));
        }

        Assert.Empty(rig.Raised(AlarmKind.BinLidOpen));
        rig.Monitor.OnSample(At(10, 40, lid: true));
        Assert.Single(rig.Raised(AlarmKind.BinLidOpen));

        rig.Monitor.OnSample(At(11, 40, lid: false));
        Assert.Empty(rig.Cleared(AlarmKind.BinLidOpen));
        rig.Monitor.OnSample(At(13, 40, lid: false));
        Assert.Single(rig.Cleared(AlarmKind.BinLidOpen));
    }

    [Fact]
    public void While_the_lid_is_open_the_fill_is_not_updated()
    {
        var rig = Rig.Create();
        rig.Monitor.OnSample(At(0, 40));

        // The sensor in an open lid sees the roof: would read as nearly empty.
        rig.Monitor.OnSample(At(1, 2, lid: true));

        Assert.Equal(40, rig.Monitor.Snapshot().FillPct!.Value, 0);
        Assert.Empty(rig.Events.OfType<BinCollected>());
    }

    [Fact]
    public void Tilt_on_two_samples_is_tamper_and_a_knock_is_not()
    {
        var rig = Rig.Create();
        rig.Monitor.OnSample(At(0, 40, tilt: true));
        rig.Monitor.OnSample(At(1, 40, tilt: false));
        Assert.Empty(rig.Raised(AlarmKind.BinTamper));

        rig.Monitor.OnSample(At(2, 40, tilt: true));
        rig.Monitor.OnSample(At(3, 40, tilt: true));
        Assert.Equal(AlarmSeverity.Major, Assert.Single(rig.Raised(AlarmKind.BinTamper)).Severity);
    }

    [Fact]
    public void No_echo_for_the_configured_samples_is_a_sensor_fault_and_clears_when_echoes_return()
    {
        var rig = Rig.Create();
        rig.Monitor.OnSample(At(0, 40));
        for (int i = 1; i <= 3; i++)
        {
            rig.Monitor.OnSample(new BinSample(Start.AddMinutes(i), [new FillSensorReadings("us1", [], 5, "no echo", 20, 4000)]));
        }

        Alarm fault = Assert.Single(rig.Raised(AlarmKind.BinSensorFault));
        Assert.Contains("us1", fault.Detail, StringComparison.Ordinal);
        Assert.Equal(40, rig.Monitor.Snapshot().FillPct!.Value, 0);

        rig.Monitor.OnSample(At(5, 41));
        rig.Monitor.OnSample(At(8, 41));
        Assert.Single(rig.Cleared(AlarmKind.BinSensorFault));
    }

    private static BinSample Untimed(int minute) =>
        new(Start.AddMinutes(minute), [new FillSensorReadings("us1", [], 5, "us1: echo timing disturbed on 4 pings running", 20, 4000) { Untimed = 5 }]);

    private static BinSample NoEcho(int minute) => new(Start.AddMinutes(minute), [new FillSensorReadings("us1", [], 5, "no echo", 20, 4000)]);

    [Fact]
    public void Samples_the_gateway_could_not_time_are_no_evidence_of_a_sensor_fault_until_the_untimed_limit()
    {
        var rig = Rig.Create(Bin(new BinThresholds { NoEchoSamples = 3, UntimedSamples = 6 }));
        rig.Monitor.OnSample(At(0, 40));

        for (int i = 1; i <= 5; i++)
        {
            rig.Monitor.OnSample(Untimed(i));
        }

        Assert.Empty(rig.Raised(AlarmKind.BinSensorFault));
        Assert.Equal(40, rig.Monitor.Snapshot().FillPct!.Value, 0);

        rig.Monitor.OnSample(Untimed(6));

        Alarm fault = Assert.Single(rig.Raised(AlarmKind.BinSensorFault));
        Assert.Contains("timing disturbed", fault.Detail, StringComparison.Ordinal);
        Assert.Contains("6 samples", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_sample_restarts_the_untimed_count()
    {
        var rig = Rig.Create(Bin(new BinThresholds { UntimedSamples = 3 }));
        rig.Monitor.OnSample(At(0, 40));
        rig.Monitor.OnSample(Untimed(1));
        rig.Monitor.OnSample(Untimed(2));
        rig.Monitor.OnSample(At(3, 40));
        rig.Monitor.OnSample(Untimed(4));
        rig.Monitor.OnSample(Untimed(5));

        Assert.Empty(rig.Raised(AlarmKind.BinSensorFault));
    }

    [Fact]
    public void Untimed_samples_between_samples_without_an_echo_neither_count_nor_break_the_run()
    {
        var rig = Rig.Create(Bin(new BinThresholds { NoEchoSamples = 3, UntimedSamples = 100 }));
        rig.Monitor.OnSample(At(0, 40));
        rig.Monitor.OnSample(NoEcho(1));
        rig.Monitor.OnSample(Untimed(2));
        rig.Monitor.OnSample(NoEcho(3));
        rig.Monitor.OnSample(Untimed(4));
        Assert.Empty(rig.Raised(AlarmKind.BinSensorFault));

        rig.Monitor.OnSample(NoEcho(5));

        Alarm fault = Assert.Single(rig.Raised(AlarmKind.BinSensorFault));
        Assert.Contains("no echo for 3 samples", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_raised_no_echo_fault_stands_through_samples_that_could_not_be_timed()
    {
        var rig = Rig.Create(Bin(new BinThresholds { NoEchoSamples = 2, UntimedSamples = 100, AlarmClearAfter = TimeSpan.FromMinutes(2) }));
        rig.Monitor.OnSample(At(0, 40));
        rig.Monitor.OnSample(NoEcho(1));
        rig.Monitor.OnSample(NoEcho(2));
        Assert.Single(rig.Raised(AlarmKind.BinSensorFault));

        for (int i = 3; i <= 10; i++)
        {
            rig.Monitor.OnSample(Untimed(i));
        }

        Assert.Empty(rig.Cleared(AlarmKind.BinSensorFault));
        Assert.Contains("no echo", rig.Monitor.Snapshot().Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sample_with_some_untimed_and_some_silent_pings_counts_as_no_echo()
    {
        var rig = Rig.Create(Bin(new BinThresholds { NoEchoSamples = 2, UntimedSamples = 100 }));
        rig.Monitor.OnSample(At(0, 40));
        for (int i = 1; i <= 2; i++)
        {
            rig.Monitor.OnSample(new BinSample(Start.AddMinutes(i), [new FillSensorReadings("us1", [], 5, "no echo", 20, 4000) { Untimed = 3 }]));
        }

        Assert.Single(rig.Raised(AlarmKind.BinSensorFault));
    }

    [Fact]
    public void Spider_web_inside_the_blind_zone_is_a_sensor_fault_not_an_overflow()
    {
        var rig = Rig.Create();
        rig.Monitor.OnSample(At(0, 40));
        for (int i = 1; i <= 4; i++)
        {
            rig.Monitor.OnSample(new BinSample(Start.AddMinutes(i), [Readings("us1", 12, 12, 12, 12, 12)]));
        }

        Assert.Contains("blind zone", Assert.Single(rig.Raised(AlarmKind.BinSensorFault)).Detail, StringComparison.Ordinal);
        Assert.Empty(rig.Raised(AlarmKind.BinOverflow));
    }

    [Fact]
    public void Bag_lodged_under_the_sensor_is_a_sensor_fault_not_an_overflow()
    {
        var rig = Rig.Create();
        rig.Monitor.OnSample(At(0, 30));
        rig.Monitor.OnSample(At(1, 31));
        for (int i = 2; i < 6; i++)
        {
            rig.Monitor.OnSample(At(i, 98));
        }

        Assert.Contains("lodged", Assert.Single(rig.Raised(AlarmKind.BinSensorFault)).Detail, StringComparison.Ordinal);
        Assert.Empty(rig.Raised(AlarmKind.BinOverflow));
        Assert.InRange(rig.Monitor.Snapshot().FillPct!.Value, 29, 32);
    }

    [Fact]
    public void Load_cell_that_saw_nothing_arrive_flags_a_jump_at_once_and_one_that_did_accepts_it()
    {
        var unconfirmed = Rig.Create();
        unconfirmed.Monitor.OnSample(At(0, 30, kg: 20));
        unconfirmed.Monitor.OnSample(At(1, 95, kg: 20.2));
        Assert.Single(unconfirmed.Raised(AlarmKind.BinSensorFault));

        var confirmed = Rig.Create();
        confirmed.Monitor.OnSample(At(0, 30, kg: 20));
        confirmed.Monitor.OnSample(At(1, 95, kg: 60));
        Assert.Empty(confirmed.Raised(AlarmKind.BinSensorFault));
    }

    [Fact]
    public void Stuck_sensor_is_a_sensor_fault()
    {
        var rig = Rig.Create();
        for (int i = 0; i < 6; i++)
        {
            rig.Monitor.OnSample(new BinSample(Start.AddMinutes(i), [Readings("us1", 500, 500, 500, 500, 500)]));
        }

        Assert.Contains("stuck at 500 mm", Assert.Single(rig.Raised(AlarmKind.BinSensorFault)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_sensors_that_disagree_are_a_sensor_fault_and_the_one_agreeing_with_the_bin_is_trusted()
    {
        var rig = Rig.Create(Bin(sensors: 2));
        Func<double, double, int, BinSample> both = (double a, double b, int minute) => new BinSample(Start.AddMinutes(minute),
            [Readings("us1", DistanceFor(a), DistanceFor(a) + 1, DistanceFor(a) - 1), Readings("us2", DistanceFor(b), DistanceFor(b) + 1, DistanceFor(b) - 1)]);
        rig.Monitor.OnSample(both(40, 42, 0));
        Assert.Equal(41, rig.Monitor.Snapshot().FillPct!.Value, 0);

        for (int i = 1; i <= 3; i++)
        {
            rig.Monitor.OnSample(both(41, 5, i));
        }

        Alarm fault = Assert.Single(rig.Raised(AlarmKind.BinSensorFault));
        Assert.Contains("us2 reads 5 %", fault.Detail, StringComparison.Ordinal);
        Assert.Equal(41, rig.Monitor.Snapshot().FillPct!.Value, 0);
    }

    [Fact]
    public void Calibration_table_maps_odd_shapes()
    {
        var geometry = new FillGeometry(new BinGeometry(1100, 150, [new(1100, 0), new(600, 55), new(150, 100)]));

        Assert.Equal(0, geometry.FillPct(1100), 1);
        Assert.Equal(27.5, geometry.FillPct(850), 1);
        Assert.Equal(55, geometry.FillPct(600), 1);
        Assert.Equal(77.5, geometry.FillPct(375), 1);
        Assert.Equal(100, geometry.FillPct(150), 1);
    }
}
