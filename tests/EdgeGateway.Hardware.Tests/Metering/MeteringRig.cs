using System.Device.Spi;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Mcp3208;
using EdgeGateway.Hardware.Simulation.Shed;
using Iot.Device.Adc;

namespace EdgeGateway.Hardware.Tests.Metering;

/// <summary>
/// One AC port on the bench: the shed model's VT on channel 0 and one CT on channel 1 of a simulated
/// MCP3208, read through the real Iot.Device.Adc.Mcp3208 binding.
/// </summary>
internal sealed class MeteringRig : IDisposable
{
    public const double VoltsPerAdcVolt = 268.97;
    public const double AmpsPerAdcVolt = 30;

    public MeteringRig(int seed = 1)
    {
        Clock = new SimulatedClock(new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8)));
        Model = new ShedModel(Clock, 220, 50, seed, TimeSpan.FromHours(8));
        Outlet = Model.AddOutlet("P01", isDc: false);
        AdcFrontEnd frontEnd = Model.CreateAdcFrontEnd(3.3);
        frontEnd.WireVoltageTransformer(0, VoltsPerAdcVolt);
        frontEnd.WireCurrentTransformer(1, Outlet, AmpsPerAdcVolt);
        Chip = new SimulatedMcp3208(new SpiConnectionSettings(0, 0) { ClockFrequency = 1_000_000 }, Clock, frontEnd, 3.3);
        Adc = new Mcp3208(Chip);
        Sampler = new MainsCycleSampler(new AdcInput(Adc, "adc0", 0, 3.3, 12), VoltsPerAdcVolt, 220, 1, Clock);
        Meter = new AcPortMeter(Sampler, new AdcInput(Adc, "adc0", 1, 3.3, 12), AmpsPerAdcVolt);
    }

    public SimulatedClock Clock { get; }

    public ShedModel Model { get; }

    public ShedOutlet Outlet { get; }

    public SimulatedMcp3208 Chip { get; }

    public Mcp3208 Adc { get; }

    public MainsCycleSampler Sampler { get; }

    public AcPortMeter Meter { get; }

    public void PowerOn(OutletLoad load)
    {
        Outlet.Plug(load);
        Outlet.CoilEnergized = true;
    }

    /// <summary>Measures a few times first, so the offsets have settled, as they have in a running gateway.</summary>
    public MeterReading Measure(double shortCircuitPeakA = double.PositiveInfinity, int warmUp = 3)
    {
        for (int i = 0; i < warmUp; i++)
        {
            Meter.Measure(shortCircuitPeakA);
            Clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        return Meter.Measure(shortCircuitPeakA);
    }

    public void Dispose() => Adc.Dispose();
}
