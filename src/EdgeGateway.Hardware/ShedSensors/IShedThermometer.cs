using UnitsNet;

namespace EdgeGateway.Hardware.ShedSensors;

/// <summary>
/// A cabinet temperature sensor. A DS18B20 conversion takes 750 ms, so reads are asynchronous and
/// never awaited on the sampling path: the sampling loop starts a read and picks the result up in a
/// later round.
/// </summary>
public interface IShedThermometer
{
    string Id { get; }

    ValueTask<ThermometerReading> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>A thermometer's answer: a temperature, or the reason there is none.</summary>
public readonly record struct ThermometerReading(string Id, Temperature Temperature, string? Fault)
{
    public bool TryGetTemperature(out Temperature temperature)
    {
        temperature = Temperature;
        return Fault is null;
    }

    public static ThermometerReading Failed(string id, string fault) => new(id, default, fault);
}
