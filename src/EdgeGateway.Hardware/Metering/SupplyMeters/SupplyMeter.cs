using EdgeGateway.Hardware.Modbus;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Metering.SupplyMeters;

/// <summary>One reading of the shed's supply meter: every quantity of its map, in V, A, W, Hz and kWh.</summary>
public readonly record struct SupplyMeterReading(double VoltageV, double CurrentA, double PowerW, double PowerFactor, double FrequencyHz, double ImportEnergyKWh);

/// <summary>
/// The RS-485 energy meter on the shed's incoming supply, read through <see cref="ModbusRtuMaster"/> with its
/// <see cref="SupplyMeterMap"/>: one two-register request per quantity (a meter answers an exception for a range that
/// covers a register it does not have, so no request spans a gap of the map). Never throws for what the meter does:
/// a failure of any request fails the whole reading with its reason, and a value that is not a number is refused.
/// </summary>
public sealed class SupplyMeter(ModbusRtuMaster master, byte unit, SupplyMeterMap map)
{
    public ModbusRtuMaster Master => master;

    public byte Unit => unit;

    public SupplyMeterMap Map => map;

    public string Description => Invariant($"{map.Description} at unit {unit}");

    public bool TryRead(out SupplyMeterReading reading, out string? fault)
    {
        reading = default;
        Span<double> values = stackalloc double[Enum.GetValues<SupplyQuantity>().Length];
        Span<ushort> words = stackalloc ushort[2];
        foreach (SupplyMeterRegister register in map.Registers)
        {
            if (!master.TryReadRegisters(unit, map.Function, register.Address, words, out ModbusFailure? failure))
            {
                fault = Invariant($"{Description}: {register.Name} ({register.Address:X4}H): {failure!.Message}");
                return false;
            }

            float value = SupplyMeterMap.DecodeFloat(words[0], words[1]);
            if (!float.IsFinite(value))
            {
                fault = Invariant($"{Description}: {register.Name} ({register.Address:X4}H) reads {value}, not a number");
                return false;
            }

            values[(int)register.Quantity] = value * register.Scale;
        }

        reading = new SupplyMeterReading(
            values[(int)SupplyQuantity.Voltage],
            values[(int)SupplyQuantity.Current],
            values[(int)SupplyQuantity.ActivePower],
            values[(int)SupplyQuantity.PowerFactor],
            values[(int)SupplyQuantity.Frequency],
            values[(int)SupplyQuantity.ImportEnergy]);
        fault = null;
        return true;
    }
}
