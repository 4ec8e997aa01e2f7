using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Simulation.Shed;
using UnitsNet;

namespace EdgeGateway.FleetSim.Fleet;

/// <summary>
/// A port's meter read from the shed model's true RMS values instead of through the MCP3208 binding. The fleet
/// simulates a district's gateways on one machine: each real gateway samples its own buses on its own Pi (its round
/// costs ~4.6 ms of a Pi-class CPU per 20 ports, measured by <c>bench</c>), so simulating 18,000 ports' ADCs here would
/// measure this machine's CPU, not the district's broker, hub and database. Protection, contract, outbox and link
/// above the meter are the gateway's own code; the bus-level path is proven per shed by the gateway's tests.
/// </summary>
internal static class ModelPortMeter
{
    public static MeterReading Read(ShedModel model, ShedOutlet outlet, double shortCircuitPeakA)
    {
        double volts = model.SupplyVrms;
        double amps = outlet.TrueCurrentA;

        // A capacitor-input charger's current peaks at about 2.5× its RMS; a resistive load's at √2.
        double peak = amps * (outlet.TruePowerFactor is { } pf && pf < 0.9 ? 2.5 : Math.Sqrt(2));
        if (peak >= shortCircuitPeakA)
        {
            return MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(peak));
        }

        return MeterReading.Ok(new PortMeasurement(
            ElectricPotential.FromVolts(volts),
            ElectricCurrent.FromAmperes(amps),
            Power.FromWatts(outlet.TrueRealPowerW),
            Power.FromWatts(volts * amps),
            amps > 0.01 ? outlet.TruePowerFactor : null,
            ElectricCurrent.FromAmperes(peak),
            false));
    }
}
