using Iot.Device.OneWire;
using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.ShedSensors;

/// <summary>
/// A DS18B20 read through the Linux w1-gpio driver with <see cref="OneWireThermometerDevice"/>.
/// The binding reads the kernel's sysfs file at a fixed path, so it cannot be pointed at a simulated
/// bus; the simulator replaces this class (see Simulation/README.md), and both share
/// <see cref="Ds18b20Reading"/>'s plausibility rules.
/// </summary>
public sealed class Ds18b20Thermometer(string id, string busId, string deviceId) : IShedThermometer
{
    private readonly OneWireThermometerDevice _device = new(busId, deviceId);

    public string Id { get; } = id;

    public async ValueTask<ThermometerReading> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Ds18b20Reading.Accept(Id, await _device.ReadTemperatureAsync().WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return ThermometerReading.Failed(Id, $"thermometer {Id} ({deviceId}): {ex.Message}");
        }
    }
}

/// <summary>Plausibility rules for DS18B20 readings (Maxim DS18B20 datasheet, Table 1 and the power-on reset value).</summary>
public static class Ds18b20Reading
{
    /// <summary>The scratchpad's power-on value: a reading of exactly 85 °C means no conversion happened (power loss on parasite-powered wiring).</summary>
    public const double PowerOnResetC = 85.0;

    public static ThermometerReading Accept(string id, Temperature reading)
    {
        double celsius = reading.DegreesCelsius;
        if (celsius == PowerOnResetC)
        {
            return ThermometerReading.Failed(id, $"thermometer {id}: power-on reset value 85 °C (no conversion; check the sensor's supply)");
        }

        // The DS18B20 measures −55 °C to +125 °C; outside that the value is not a temperature.
        if (celsius is < -55 or > 125)
        {
            return ThermometerReading.Failed(id, Invariant($"thermometer {id}: {celsius:0.0} °C is outside the sensor's range"));
        }

        return new ThermometerReading(id, reading, null);
    }
}
