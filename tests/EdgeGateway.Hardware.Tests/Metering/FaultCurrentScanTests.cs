using System.Device.Spi;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Mcp3208;
using EdgeGateway.Hardware.Simulation.Shed;
using Iot.Device.Adc;
using UnitsNet;

namespace EdgeGateway.Hardware.Tests.Metering;

/// <summary>
/// The fault-current scan: every other port's CT sampled between the pairs of the port being measured, the
/// short-circuit decision taken on the scan, a pinned input left to the meter-fault checks; and a measurement that
/// starts on the crossing where the previous one ended.
/// </summary>
public sealed class FaultCurrentScanTests
{
    private const int Bias = 2048;

    /// <summary>The sample, 1-based, on which the scan's watch confirms fault current, or 0 when it never does.</summary>
    private static int ConfirmedAt(params int[] codes) => ConfirmedAtAllowing(1, codes);

    /// <summary>As above, with up to <paramref name="withinAtMost"/> samples within the threshold allowed between two on opposite rails.</summary>
    private static int ConfirmedAtAllowing(int withinAtMost, params int[] codes)
    {
        var watch = new ScanFaultWatch();
        for (int k = 0; k < codes.Length; k++)
        {
            if (watch.IsFaultCurrent(codes[k], codes[k] - Bias, 1600, 41, withinAtMost))
            {
                return k + 1;
            }
        }

        return 0;
    }

    [Fact]
    public void A_saturated_short_is_confirmed_when_a_scan_sample_finds_it_on_the_other_rail() =>
        Assert.Equal(4, ConfirmedAt(2100, 4095, 4095, 0, 4095));

    [Fact]
    public void A_saturated_short_is_still_confirmed_when_a_scan_sample_falls_on_its_zero_crossing() =>
        Assert.Equal(4, ConfirmedAt(2100, 4095, 2050, 0));

    [Fact]
    public void A_CT_input_that_opens_between_two_scan_samples_is_never_fault_current() =>
        Assert.Equal(0, ConfirmedAt([2100, 2000, 2050, .. Enumerable.Repeat(0, 200)]));

    [Fact]
    public void An_input_pinned_at_the_top_rail_is_never_fault_current() =>
        Assert.Equal(0, ConfirmedAt([.. Enumerable.Repeat(4095, 200)]));

    [Fact]
    public void A_fault_current_within_the_ADC_range_is_confirmed_on_its_second_scan_sample_because_it_moves() =>
        Assert.Equal(2, ConfirmedAt(3700, 3800, 3900));

    [Fact]
    public void Sampled_every_other_slot_a_saturated_short_is_confirmed_across_its_zero_crossing_however_many_samples_fall_in_it()
    {
        // 240 µs apart, a fault current of a few times the threshold spends several samples within it around zero.
        int[] crossing = [2100, 4095, 4095, 3000, 2048, 1000, 0];
        Assert.Equal(0, ConfirmedAt(crossing));
        Assert.Equal(7, ConfirmedAtAllowing(ScanFaultWatch.ArmedWithinAtMost, crossing));
    }

    [Fact]
    public void Sampled_every_other_slot_an_input_that_opens_is_still_never_fault_current() =>
        Assert.Equal(0, ConfirmedAtAllowing(ScanFaultWatch.ArmedWithinAtMost, [2100, 2000, 2050, .. Enumerable.Repeat(0, 200)]));

    [Fact]
    public void A_single_scan_sample_beyond_the_threshold_is_not_a_short() =>
        Assert.Equal(0, ConfirmedAt(2100, 4095, 2100, 2050, 0, 2000));

    [Fact]
    public void A_short_on_another_port_trips_during_this_ports_measurement_within_one_mains_cycle()
    {
        using var rig = new ScanRig();
        rig.Settle();
        TimeSpan onset = rig.Clock.Elapsed + TimeSpan.FromMilliseconds(3);
        rig.Other.Plug(new OnsetLoad(rig.Other.Load!, new ShortCircuitLoad(), onset));

        MeterReading reading = rig.Measured.Measure(40);

        Assert.Equal(MeterReadStatus.Ok, reading.Status);
        (int port, ElectricCurrent peak, TimeSpan at) = Assert.Single(rig.Listener.Shorts);
        Assert.Equal(1, port);
        Assert.True(peak.Amperes >= 40, $"peak {peak.Amperes} A");
        Assert.True(at - onset <= TimeSpan.FromMilliseconds(20), $"confirmed {(at - onset).TotalMilliseconds} ms after the onset");
    }

    [Fact]
    public void A_CT_input_that_opens_on_another_charging_port_is_not_taken_for_a_short()
    {
        using var rig = new ScanRig();
        rig.Settle();
        rig.Other.InputFault = SensorInputFault.Open; // 0 V: 49.5 A from the bias, past the 40 A threshold

        for (int i = 0; i < 5; i++)
        {
            rig.Measured.Measure(40);
        }

        Assert.True(rig.Scan.Conversions > 100, $"{rig.Scan.Conversions} scan conversions");
        Assert.Empty(rig.Listener.Shorts);
    }

    [Fact]
    public void A_port_whose_relay_is_open_is_not_scanned()
    {
        using var rig = new ScanRig();
        rig.Settle();
        rig.Listener.Watched[1] = false;
        long before = rig.Scan.Conversions;
        rig.Other.Plug(new ShortCircuitLoad());

        rig.Measured.Measure(40);

        Assert.Equal(before, rig.Scan.Conversions);
        Assert.Empty(rig.Listener.Shorts);
    }

    [Fact]
    public void A_port_whose_current_rises_past_its_overload_limit_is_suspected_from_its_scan_samples()
    {
        using var rig = new ScanRig();
        rig.Settle();
        Assert.False(rig.Scan.TryTakeSuspect(out _));
        rig.Other.Plug(new OnsetLoad(rig.Other.Load!, new ResistiveLoad(1500, 220, "kettle"), rig.Clock.Elapsed));

        rig.Measured.Measure(40);
        rig.Measured.Measure(40);
        rig.Measured.Measure(40);

        Assert.True(rig.Scan.TryTakeSuspect(out int port));
        Assert.Equal(1, port);
        Assert.False(rig.Scan.TryTakeSuspect(out _));
        Assert.Empty(rig.Listener.Shorts);
    }

    [Fact]
    public void A_steady_charger_is_never_suspected()
    {
        using var rig = new ScanRig();
        rig.Settle();

        for (int i = 0; i < 20; i++)
        {
            rig.Measured.Measure(40);
        }

        Assert.False(rig.Scan.TryTakeSuspect(out _));
    }

    [Fact]
    public void A_measurement_that_follows_another_starts_on_the_crossing_where_it_ended_and_reads_true()
    {
        using var rig = new ScanRig();
        rig.Other.Plug(new ResistiveLoad(1000, 220, "heater"));
        rig.Settle();

        rig.Measured.Measure(40);
        TimeSpan start = rig.Clock.Elapsed;
        MeterReading reading = rig.OtherMeter.Measure(40);
        TimeSpan took = rig.Clock.Elapsed - start;

        // One 20 ms cycle and the pair that closes it, not the wait for a fresh crossing (up to a cycle more).
        Assert.True(took <= TimeSpan.FromMilliseconds(20.6), $"the measurement took {took.TotalMilliseconds} ms");
        Assert.Equal(MeterReadStatus.Ok, reading.Status);
        Assert.InRange(reading.Measurement.RealPowerW, rig.Other.TrueRealPowerW * 0.985, rig.Other.TrueRealPowerW * 1.015);
    }

    /// <summary>Two AC ports on one simulated MCP3208 (VT on channel 0, CTs on 1 and 2), the scan listening for both.</summary>
    private sealed class ScanRig : IDisposable
    {
        public ScanRig()
        {
            Clock = new SimulatedClock(new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8)));
            Model = new ShedModel(Clock, 220, 50, 1, TimeSpan.FromHours(8));
            Outlet = Model.AddOutlet("P01", isDc: false);
            Other = Model.AddOutlet("P02", isDc: false);
            AdcFrontEnd frontEnd = Model.CreateAdcFrontEnd(3.3);
            frontEnd.WireVoltageTransformer(0, MeteringRig.VoltsPerAdcVolt);
            frontEnd.WireCurrentTransformer(1, Outlet, MeteringRig.AmpsPerAdcVolt);
            frontEnd.WireCurrentTransformer(2, Other, MeteringRig.AmpsPerAdcVolt);
            Adc = new Mcp3208(new SimulatedMcp3208(new SpiConnectionSettings(0, 0) { ClockFrequency = 1_000_000 }, Clock, frontEnd, 3.3));
            Sampler = new MainsCycleSampler(new AdcInput(Adc, "adc0", 0, 3.3, 12), MeteringRig.VoltsPerAdcVolt, 220, 1, Clock);
            Measured = new AcPortMeter(Sampler, new AdcInput(Adc, "adc0", 1, 3.3, 12), MeteringRig.AmpsPerAdcVolt);
            OtherMeter = new AcPortMeter(Sampler, new AdcInput(Adc, "adc0", 2, 3.3, 12), MeteringRig.AmpsPerAdcVolt);
            Scan = new FaultCurrentScan([Measured, OtherMeter]) { Listener = Listener };
            Listener.Clock = Clock;
            Sampler.Scan = Scan;
            foreach (ShedOutlet outlet in Model.Outlets)
            {
                outlet.Plug(new EBikeCharger(BatteryChemistry.LeadAcid, 200, 0.3, 576));
                outlet.CoilEnergized = true;
            }
        }

        public SimulatedClock Clock { get; }

        public ShedModel Model { get; }

        public ShedOutlet Outlet { get; }

        public ShedOutlet Other { get; }

        public Mcp3208 Adc { get; }

        public MainsCycleSampler Sampler { get; }

        public AcPortMeter Measured { get; }

        public AcPortMeter OtherMeter { get; }

        public FaultCurrentScan Scan { get; }

        public RecordingListener Listener { get; } = new();

        /// <summary>Measures both ports a few times, so both CT offsets have settled as in a running gateway.</summary>
        public void Settle()
        {
            for (int i = 0; i < 3; i++)
            {
                Measured.Measure(40);
                OtherMeter.Measure(40);
                Clock.Advance(TimeSpan.FromMilliseconds(37));
            }

            Listener.Shorts.Clear();
        }

        public void Dispose() => Adc.Dispose();
    }

    /// <summary>Protection's part, as the sampler plays it: a threshold while the relay is closed, and the relay opened on a short.</summary>
    private sealed class RecordingListener : IFaultCurrentListener
    {
        public SimulatedClock? Clock { get; set; }

        public bool[] Watched { get; } = [true, true];

        public List<(int Port, ElectricCurrent Peak, TimeSpan At)> Shorts { get; } = [];

        public double ShortCircuitPeakAmps(int port) => Watched[port] ? 40 : double.PositiveInfinity;

        public double OverloadSuspectAmps(int port) => Watched[port] ? 1000 / 220.0 : double.PositiveInfinity;

        public void OnShortCircuit(int port, ElectricCurrent peak)
        {
            Shorts.Add((port, peak, Clock!.Elapsed));
            Watched[port] = false;
        }
    }
}
