using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Simulation;

namespace EdgeGateway.Calibration;

/// <summary>
/// The simulated shed <c>calibrate --simulate</c> measures: the chips of a "hardware" site file (their
/// true gains: its <c>ampsPerAdcVolt</c>, <c>voltsPerAdcVolt</c>, <c>shuntOhms</c> and <c>voltageDivider</c>), whatever the
/// site file being calibrated says, on a supply held at a steady voltage, with the installer's load plugged in.
/// </summary>
public static class CalibrationShed
{
    /// <summary>Shed time the simulated installation starts at (any instant does; a fixed one keeps runs alike).</summary>
    public static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, SimulatedShed.ChinaStandardTime);

    /// <param name="hardware">The site file whose factors the simulated chips really have.</param>
    /// <param name="loadPort">Where the load is plugged in (null: nowhere).</param>
    /// <param name="load">The load (null: nothing plugged in).</param>
    /// <param name="supplyV">The busbar's RMS voltage, held steady.</param>
    /// <param name="seed">The noise's seed.</param>
    public static SimulatedShed Create(SiteConfiguration hardware, string? loadPort, OutletLoad? load, double supplyV, int seed = 1)
    {
        var shed = new SimulatedShed(hardware, new SimulatedClock(Start), seed);
        shed.Model.HeldSupplyVrms = supplyV;
        if (loadPort is not null && load is not null)
        {
            shed.Outlet(loadPort).Plug(load);
        }

        shed.Model.Settle();
        return shed;
    }

    /// <summary>A resistive reference load that draws <paramref name="watts"/> at <paramref name="volts"/> (a heater).</summary>
    public static OutletLoad Heater(double watts, double volts) => new ResistiveLoad(watts, volts, "reference heater");
}
