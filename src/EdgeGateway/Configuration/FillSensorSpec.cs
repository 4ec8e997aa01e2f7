namespace EdgeGateway.Configuration;

/// <summary>
/// What a fill sensor can measure: nothing closer than its blind zone reads reliably, nothing farther than its
/// maximum range returns. Datasheet figures for a flat target square to the beam. The site-file check refuses a
/// bin whose full line lies in the sensor's blind zone or whose bottom is out of its reach.
/// </summary>
public sealed record FillSensorSpec(string Name, double BlindZoneMm, double MaximumRangeMm)
{
    /// <summary>HC-SR04: 2 cm to 4 m, open transducers (dry bins only).</summary>
    public static FillSensorSpec Hcsr04 { get; } = new("HC-SR04", 20, 4000);

    /// <summary>JSN-SR04T: one sealed, waterproof transducer that sends and listens, hence its 20 cm blind zone.</summary>
    public static FillSensorSpec JsnSr04t { get; } = new("JSN-SR04T", 200, 4000);

    /// <summary>VL53L0X: about 2 m in its long-range mode.</summary>
    public static FillSensorSpec Vl53L0X { get; } = new("VL53L0X", 30, 2000);

    /// <summary>VL53L1X: about 4 m in its long distance mode.</summary>
    public static FillSensorSpec Vl53L1X { get; } = new("VL53L1X", 40, 4000);

    /// <summary>Every supported sensor, in the order the site-file reference lists them.</summary>
    public static IReadOnlyList<FillSensorSpec> All { get; } = [Hcsr04, JsnSr04t, Vl53L0X, Vl53L1X];

    public static FillSensorSpec Of(UltrasonicModel model) => model switch
    {
        UltrasonicModel.Hcsr04 => Hcsr04,
        UltrasonicModel.JsnSr04t => JsnSr04t,
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "unknown ultrasonic model"),
    };

    public static FillSensorSpec Of(TimeOfFlightChip chip) => chip switch
    {
        TimeOfFlightChip.Vl53L0X => Vl53L0X,
        TimeOfFlightChip.Vl53L1X => Vl53L1X,
        _ => throw new ArgumentOutOfRangeException(nameof(chip), chip, "unknown time-of-flight chip"),
    };

    public static FillSensorSpec Of(FillSensorDefinition sensor) => sensor switch
    {
        UltrasonicFillSensor ultrasonic => Of(ultrasonic.Model),
        TimeOfFlightFillSensor timeOfFlight => Of(timeOfFlight.Chip),
        _ => throw new ArgumentException($"unknown fill sensor {sensor?.GetType().Name}", nameof(sensor)),
    };

    /// <summary>The full line (<paramref name="sensorToFullMm"/>) is outside the blind zone and the bottom within reach.</summary>
    public bool Fits(double sensorToBottomMm, double sensorToFullMm) => BlindZoneMm < sensorToFullMm && sensorToBottomMm <= MaximumRangeMm;
}
