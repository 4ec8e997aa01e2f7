using EdgeGateway.Hardware.Metering;

namespace EdgeGateway.Calibration;

/// <summary>
/// A port's meter as the installer's calibration sees it, one implementation per meter type: how to measure the port
/// (the board's own meter, read as <c>run</c> reads it), how many readings make a measurement and why, and which
/// site-file keys scale its voltage and current. A new meter type plugs in with a class of its own and a case in
/// <see cref="MeterCalibrations.For"/>.
/// </summary>
public interface IMeterCalibration
{
    /// <summary>The meter, for the installer: "CT on adc0 ch2, the shed's VT on adc0 ch0".</summary>
    string Description { get; }

    /// <summary>The factors the site file gives this meter (at most one per quantity).</summary>
    IReadOnlyList<ScaleFactor> Factors { get; }

    /// <summary>Readings taken and dropped after the relay closes, while the relay bounces and a lamp's filament warms.</summary>
    int SettleReadings { get; }

    /// <summary>Readings averaged into the measurement.</summary>
    int Readings { get; }

    /// <summary>Why that many, in a few words for the output ("100 mains cycles, 2 s at 50 Hz").</summary>
    string ReadingsExplained { get; }

    /// <summary>One reading of the port, as the sampling loop takes it (never throws: faults come back as faults).</summary>
    MeterReading Measure();
}
