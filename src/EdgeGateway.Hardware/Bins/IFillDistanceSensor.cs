using UnitsNet;

namespace EdgeGateway.Hardware.Bins;

/// <summary>
/// A distance sensor looking down into a bin (ultrasonic or time-of-flight). One call is one raw
/// reading; the bin monitor takes several and filters them. Slow (an ultrasonic reading needs 60 ms
/// between pings): never called on the ports' sampling path.
/// </summary>
public interface IFillDistanceSensor
{
    string Id { get; }

    /// <summary>The closest distance the sensor can measure (its blind zone).</summary>
    Length MinimumRange { get; }

    /// <summary>The farthest distance the sensor can measure.</summary>
    Length MaximumRange { get; }

    /// <summary>One reading. False with the reason when there was no echo or return, or the bus failed.</summary>
    bool TryMeasure(out Length distance, out string? failure);

    /// <summary>
    /// One reading, saying whether a failure was the gateway's own rather than the sensor's: <paramref name="untimed"/>
    /// is true when the reading could not be timed (an ultrasonic ping whose thread lost its CPU every time it was
    /// tried), which says nothing about the sensor. Sensors read over a bus never fail that way.
    /// </summary>
    bool TryMeasure(out Length distance, out string? failure, out bool untimed)
    {
        untimed = false;
        return TryMeasure(out distance, out failure);
    }
}

/// <summary>A bin's load cell.</summary>
public interface IBinWeightSensor
{
    /// <summary>One reading of the bin's contents. False with the reason when the amplifier did not answer.</summary>
    bool TryMeasure(out Mass mass, out string? failure);
}
