using EdgeGateway.Bins;
using EdgeGateway.Board;
using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.ShedSensors;
using UnitsNet;

namespace EdgeGateway.Sampling;

/// <summary>
/// Samples every bin: each fill sensor several times, the load cell, the thermometer, the lid and
/// tilt switches, and hands the sample to the station's monitors. Ultrasonic rangers need 60 ms
/// between pings and DS18B20 conversions 750 ms, so this runs on its own thread, never on the ports'
/// sampling path.
/// </summary>
public sealed class BinSampler(IReadOnlyList<BinHardware> bins, RecyclingStation station, TimeProvider time, int readingsPerSample)
{
    public long Samples { get; private set; }

    public void SampleAll(CancellationToken cancellationToken)
    {
        for (int i = 0; i < bins.Count && !cancellationToken.IsCancellationRequested; i++)
        {
            station.OnSample(i, Sample(bins[i], cancellationToken));
        }

        Samples++;
    }

    private BinSample Sample(BinHardware bin, CancellationToken cancellationToken)
    {
        var fill = new List<FillSensorReadings>(bin.Fill.Count);
        foreach (IFillDistanceSensor sensor in bin.Fill)
        {
            fill.Add(ReadFill(sensor, readingsPerSample));
        }

        double? kg = null;
        string? weightFault = null;
        if (bin.Weight is { } weight)
        {
            if (weight.TryMeasure(out Mass mass, out string? why))
            {
                kg = mass.Kilograms;
            }
            else
            {
                weightFault = why;
            }
        }

        double? celsius = null;
        string? temperatureFault = null;
        if (bin.Thermometer is { } thermometer)
        {
            // This thread may wait: nothing time-critical runs on it.
            ThermometerReading reading = thermometer.ReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
            if (reading.TryGetTemperature(out Temperature t))
            {
                celsius = t.DegreesCelsius;
            }
            else
            {
                temperatureFault = reading.Fault;
            }
        }

        string? switchFault = null;
        bool? lid = ReadSwitch(bin.Lid, ref switchFault);
        bool? tilt = ReadSwitch(bin.Tilt, ref switchFault);
        return new BinSample(time.GetUtcNow(), fill, kg, weightFault, celsius, temperatureFault, lid, tilt, switchFault);
    }

    /// <summary>
    /// <paramref name="readings"/> raw readings of one fill sensor, as one sample's: the distances, the failed readings
    /// and how many of those the gateway could not time, the last failure's reason. <paramref name="measured"/> and
    /// <paramref name="failed"/> see each reading as it is taken (the ultrasonic bench's figures).
    /// </summary>
    public static FillSensorReadings ReadFill(IFillDistanceSensor sensor, int readings, Action<Length>? measured = null, Action<string?>? failed = null)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        var distances = new List<double>(readings);
        int noReturns = 0;
        int untimedReadings = 0;
        string? failure = null;
        for (int r = 0; r < readings; r++)
        {
            if (sensor.TryMeasure(out Length distance, out string? why, out bool untimed))
            {
                distances.Add(distance.Millimeters);
                measured?.Invoke(distance);
            }
            else
            {
                noReturns++;
                untimedReadings += untimed ? 1 : 0;
                failure = why;
                failed?.Invoke(why);
            }
        }

        return new FillSensorReadings(sensor.Id, distances, noReturns, failure, sensor.MinimumRange.Millimeters, sensor.MaximumRange.Millimeters) { Untimed = untimedReadings };
    }

    private static bool? ReadSwitch(ContactInput? input, ref string? fault)
    {
        if (input is null)
        {
            return null;
        }

        if (input.TryRead(out bool active, out string? why))
        {
            return active;
        }

        fault = why;
        return null;
    }
}
