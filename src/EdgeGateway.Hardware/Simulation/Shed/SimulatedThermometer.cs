using EdgeGateway.Hardware.ShedSensors;
using UnitsNet;

namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>How a simulated DS18B20 misbehaves.</summary>
public enum ThermometerFault
{
    None,

    /// <summary>The sensor dropped off the 1-Wire bus: the kernel reports a CRC failure.</summary>
    Disconnected,

    /// <summary>The sensor lost power mid-conversion and returns its power-on value, 85 °C.</summary>
    PowerOnReset,
}

/// <summary>
/// A DS18B20 of a simulated shed or bin. The 1-Wire binding reads a fixed sysfs path
/// (/sys/bus/w1/devices), which a simulator cannot stand behind without root and a mount namespace,
/// so this replaces <see cref="Ds18b20Thermometer"/> one layer above the binding — and still passes
/// every value through <see cref="Ds18b20Reading.Accept"/>, the same plausibility rules.
/// </summary>
public sealed class SimulatedThermometer(string id, Func<double> celsius) : IShedThermometer
{
    /// <summary>The cabinet thermometer of a simulated shed.</summary>
    public SimulatedThermometer(string id, ShedModel shed)
        : this(id, () => shed.CabinetTemperatureC)
    {
    }

    public string Id { get; } = id;

    public ThermometerFault Fault { get; set; }

    // The DS18B20 resolves 1/16 °C (12-bit mode, datasheet Table 1) and measures −55..+125 °C: beyond that
    // its reading saturates, and a sensor in a fire (over ~200 °C) stops answering altogether.
    private ThermometerReading Read(double actualC) => actualC > 200
        ? ThermometerReading.Failed(Id, $"thermometer {Id}: Unable to read temperature from device.")
        : Ds18b20Reading.Accept(Id, Temperature.FromDegreesCelsius(Math.Round(Math.Clamp(actualC, -55, 125) * 16) / 16));

    public ValueTask<ThermometerReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Fault switch
    {
        ThermometerFault.Disconnected => ThermometerReading.Failed(Id, $"thermometer {Id}: Unable to read temperature from device."),

        ThermometerFault.PowerOnReset => Ds18b20Reading.Accept(Id, Temperature.FromDegreesCelsius(Ds18b20Reading.PowerOnResetC)),

        _ => Read(celsius()),
    });
}
