using System.IO.Ports;
using EdgeGateway.Hardware.Modbus;

namespace EdgeGateway.Hardware.Metering.SupplyMeters;

/// <summary>What a supply meter register holds.</summary>
public enum SupplyQuantity
{
    /// <summary>RMS voltage, V.</summary>
    Voltage,

    /// <summary>RMS current, A.</summary>
    Current,

    /// <summary>Active power, W (imported positive).</summary>
    ActivePower,

    /// <summary>Power factor, 0–1 (signed on some meters: the sign says lead or lag).</summary>
    PowerFactor,

    /// <summary>Line frequency, Hz.</summary>
    Frequency,

    /// <summary>Imported active energy, kWh.</summary>
    ImportEnergy,
}

/// <summary>
/// One quantity's register: <paramref name="Address"/> on the wire (0-based, as in the request's start field),
/// <paramref name="Name"/> as the manufacturer's table calls it, two registers holding an IEEE 754 single, high word
/// first (every map here), times <paramref name="Scale"/> for the unit <see cref="SupplyQuantity"/> names.
/// </summary>
public sealed record SupplyMeterRegister(SupplyQuantity Quantity, ushort Address, string Name, double Scale = 1);

/// <summary>
/// A meter's register map, as data: the function code its measurements are read with, its factory line settings and
/// where each quantity is. The site file picks one by <see cref="Id"/> (<c>supply_meter.map</c>).
/// </summary>
public sealed record SupplyMeterMap(string Id, string Description, ModbusFunction Function, int DefaultBaud, Parity DefaultParity, IReadOnlyList<SupplyMeterRegister> Registers)
{
    /// <summary>
    /// Chint DDSU666 single-phase meter (operation manual, "Modbus communication address table"): holding registers read
    /// with function 03, IEEE 754 singles high word first; U at 2000H, I 2002H, P 2004H in kW, PF 200AH, Freq 200EH,
    /// ImpEp (forward active energy) 4000H in kWh. Factory setting 9600 baud, n.8.1, address 1.
    /// </summary>
    public static readonly SupplyMeterMap Ddsu666 = new("ddsu666", "Chint DDSU666", ModbusFunction.ReadHoldingRegisters, 9600, Parity.None,
    [
        new(SupplyQuantity.Voltage, 0x2000, "U"),
        new(SupplyQuantity.Current, 0x2002, "I"),
        new(SupplyQuantity.ActivePower, 0x2004, "P", Scale: 1000),
        new(SupplyQuantity.PowerFactor, 0x200A, "PF"),
        new(SupplyQuantity.Frequency, 0x200E, "Freq"),
        new(SupplyQuantity.ImportEnergy, 0x4000, "ImpEp"),
    ]);

    /// <summary>
    /// Eastron SDM120-Modbus (protocol document, input registers 3X): function 04, IEEE 754 singles high word first;
    /// 30001 Voltage (address 0000H), 30007 Current (0006H), 30013 Active power W (000CH), 30031 Power factor (001EH),
    /// 30071 Frequency (0046H), 30073 Import active energy kWh (0048H). Factory setting 2400 baud, 8N1, address 1.
    /// </summary>
    public static readonly SupplyMeterMap Sdm120 = new("sdm120", "Eastron SDM120", ModbusFunction.ReadInputRegisters, 2400, Parity.None,
    [
        new(SupplyQuantity.Voltage, 0x0000, "Voltage"),
        new(SupplyQuantity.Current, 0x0006, "Current"),
        new(SupplyQuantity.ActivePower, 0x000C, "Active power"),
        new(SupplyQuantity.PowerFactor, 0x001E, "Power factor"),
        new(SupplyQuantity.Frequency, 0x0046, "Frequency"),
        new(SupplyQuantity.ImportEnergy, 0x0048, "Import active energy"),
    ]);

    /// <summary>
    /// Eastron SDM630-Modbus (protocol document, input registers 3X), a three-phase meter read as the shed's total:
    /// function 04, IEEE 754 singles high word first; 30043 Average line to neutral volts (002AH), 30049 Sum of line
    /// currents (0030H), 30053 Total system power W (0034H), 30063 Total system power factor (003EH), 30071 Frequency
    /// (0046H), 30073 Total import kWh (0048H). Factory setting 9600 baud, 8N1, address 1.
    /// </summary>
    public static readonly SupplyMeterMap Sdm630 = new("sdm630", "Eastron SDM630", ModbusFunction.ReadInputRegisters, 9600, Parity.None,
    [
        new(SupplyQuantity.Voltage, 0x002A, "Average line to neutral volts"),
        new(SupplyQuantity.Current, 0x0030, "Sum of line currents"),
        new(SupplyQuantity.ActivePower, 0x0034, "Total system power"),
        new(SupplyQuantity.PowerFactor, 0x003E, "Total system power factor"),
        new(SupplyQuantity.Frequency, 0x0046, "Frequency"),
        new(SupplyQuantity.ImportEnergy, 0x0048, "Total import kWh"),
    ]);

    public static IReadOnlyList<SupplyMeterMap> All { get; } = [Ddsu666, Sdm120, Sdm630];

    public static bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SupplyMeterMap? map)
    {
        map = All.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase));
        return map is not null;
    }

    /// <summary>The register of <paramref name="quantity"/>.</summary>
    public SupplyMeterRegister Register(SupplyQuantity quantity) => Registers.First(r => r.Quantity == quantity);

    /// <summary>Two registers, high word first, as the IEEE 754 single they carry.</summary>
    public static float DecodeFloat(ushort high, ushort low) => BitConverter.UInt32BitsToSingle(((uint)high << 16) | low);

    /// <summary>A single as two registers, high word first.</summary>
    public static (ushort High, ushort Low) EncodeFloat(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return ((ushort)(bits >> 16), (ushort)bits);
    }
}
