namespace EdgeGateway.Configuration;

// The bins of a smart recycling station (site file key `bins:`), read by SiteFileLoader like the rest.

/// <summary>The four household waste classes of China's sorting rules.</summary>
public enum BinClass
{
    /// <summary>可回收物 — recyclables.</summary>
    Recyclable,

    /// <summary>厨余垃圾 — kitchen (food) waste.</summary>
    Kitchen,

    /// <summary>有害垃圾 — hazardous waste (batteries, lamps, medicines).</summary>
    Hazardous,

    /// <summary>其他垃圾 — residual waste.</summary>
    Other,
}

/// <summary>One bin: its class, geometry, sensors and thresholds.</summary>
public sealed record BinDefinition
{
    public required string Id { get; init; }

    public required BinClass Class { get; init; }

    public required BinGeometry Geometry { get; init; }

    /// <summary>One fill-distance sensor, or two when the bin has a redundant pair.</summary>
    public required IReadOnlyList<FillSensorDefinition> FillSensors { get; init; }

    public WeightSensorDefinition? Weight { get; init; }

    /// <summary>A DS18B20 inside the bin, for fire detection (kernel device id 28-…).</summary>
    public ThermometerDefinition? Thermometer { get; init; }

    /// <summary>The lid or door switch.</summary>
    public ContactInputDefinition? Lid { get; init; }

    /// <summary>The tilt switch (a tipped or moved bin).</summary>
    public ContactInputDefinition? Tilt { get; init; }

    /// <summary>Site defaults with this bin's overrides applied.</summary>
    public required BinThresholds Thresholds { get; init; }

    public int Line { get; init; }
}

/// <summary>
/// Where the sensor looks: distance from the sensor face to the empty bin's bottom and to the "full"
/// line. Fill % = (bottom − distance) / (bottom − full) × 100, unless <see cref="Calibration"/> gives
/// measured (distance, fill %) points for an odd shape, interpolated linearly.
/// </summary>
public sealed record BinGeometry(double SensorToBottomMm, double SensorToFullMm, IReadOnlyList<FillCalibrationPoint> Calibration);

/// <summary>One calibration point: at this distance the bin is this full.</summary>
public sealed record FillCalibrationPoint(double DistanceMm, double FillPct);

/// <summary>A distance sensor looking down into the bin.</summary>
public abstract record FillSensorDefinition(string Id, int Line);

/// <summary>Ultrasonic ranger on a trigger/echo GPIO pair.</summary>
public sealed record UltrasonicFillSensor(string Id, UltrasonicModel Model, int TriggerGpio, int EchoGpio, int Line) : FillSensorDefinition(Id, Line);

public enum UltrasonicModel
{
    /// <summary>HC-SR04: 20 mm–4 m, open transducers (dry bins).</summary>
    Hcsr04,

    /// <summary>JSN-SR04T: waterproof, 200 mm blind zone (kitchen-waste bins).</summary>
    JsnSr04t,
}

/// <summary>Time-of-flight laser ranger on I2C (both chips answer at 0x29 by default: a bin station puts them behind a TCA9548A).</summary>
public sealed record TimeOfFlightFillSensor(string Id, TimeOfFlightChip Chip, int Address, string? Multiplexer, int? MultiplexerChannel, int Line) : FillSensorDefinition(Id, Line);

public enum TimeOfFlightChip
{
    /// <summary>ST VL53L0X: up to about 2 m.</summary>
    Vl53L0X,

    /// <summary>ST VL53L1X: up to about 4 m.</summary>
    Vl53L1X,
}

/// <summary>
/// An HX711 load-cell amplifier on a data/clock GPIO pair; <see cref="CountsPerKg"/> is the scale factor
/// and <see cref="ZeroCounts"/> the reading of the empty bin (from the installer's tare); without it the
/// gateway tares at start-up, taking the bin to be empty then.
/// </summary>
public sealed record WeightSensorDefinition(int DataGpio, int ClockGpio, double CountsPerKg, double CapacityKg, int Line)
{
    public double? ZeroCounts { get; init; }
}

/// <summary>A switch on a GPIO input (lid, door, tilt).</summary>
public sealed record ContactInputDefinition(int Gpio, bool ActiveLow, int Line);

/// <summary>Bin thresholds. Names follow the OMA LwM2M "Filling level" object (3435) where it has them.</summary>
public sealed record BinThresholds
{
    /// <summary>LwM2M 3435 "High Threshold Percentage": nearly full above this (bin_nearly_full).</summary>
    public double NearlyFullPct { get; init; } = 80;

    /// <summary>Container full (LwM2M 3435 "Container Full") and bin_overflow above this.</summary>
    public double OverflowPct { get; init; } = 95;

    /// <summary>LwM2M 3435 "Low Threshold Percentage": "Container Empty" below this.</summary>
    public double EmptyPct { get; init; } = 10;

    /// <summary>A raised fill alarm clears only when the fill is this far below its threshold.</summary>
    public double HysteresisPct { get; init; } = 5;

    /// <summary>A drop of at least this many percentage points between samples is a collection.</summary>
    public double CollectionDropPct { get; init; } = 30;

    /// <summary>Fill cannot rise faster than this between two samples; a bigger jump is a sensor fault (a bag lodged under the sensor).</summary>
    public double MaxRisePct { get; init; } = 50;

    /// <summary>Fire above this temperature inside the bin.</summary>
    public double FireTemperatureC { get; init; } = 60;

    /// <summary>Fire when the temperature rises this fast (°C per minute, over a few minutes): a smouldering bin warns before a flame.</summary>
    public double FireRiseCPerMinute { get; init; } = 1.5;

    /// <summary>bin_lid_open after the lid has been open this long.</summary>
    public TimeSpan LidOpenAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Two fill sensors disagreeing by more than this are a sensor fault.</summary>
    public double SensorDisagreementPct { get; init; } = 20;

    /// <summary>This many samples running without a valid echo or return are a sensor fault.</summary>
    public int NoEchoSamples { get; init; } = 3;

    /// <summary>
    /// This many samples since the last valid one, each lost whole to the gateway's own timing (every ultrasonic ping
    /// preempted), are a sensor fault too: the bin is not being watched. They are no evidence against the sensor, so
    /// they neither count towards <see cref="NoEchoSamples"/> nor break its run.
    /// </summary>
    public int UntimedSamples { get; init; } = 10;

    /// <summary>This many samples running with identical readings are a stuck sensor.</summary>
    public int StuckSamples { get; init; } = 6;

    /// <summary>A self-clearing bin alarm clears when its condition has been gone this long.</summary>
    public TimeSpan AlarmClearAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>When a bin alarm flaps (site file <c>alarmFlapping</c>, shared with the shed).</summary>
    public AlarmFlapSettings AlarmFlapping { get; init; } = new();
}

/// <summary>How often bins are sampled and how many raw readings make one sample.</summary>
public sealed record BinSamplingSettings
{
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Raw readings per sensor per sample; the sample is their median after outlier rejection.</summary>
    public int ReadingsPerSample { get; init; } = 5;
}
