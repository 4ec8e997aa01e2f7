namespace EdgeGateway.Bins;

/// <summary>One sampling of one bin: every sensor read once (fill sensors several times).</summary>
public sealed record BinSample(
    DateTimeOffset At,
    IReadOnlyList<FillSensorReadings> Fill,
    double? WeightKg = null,
    string? WeightFault = null,
    double? TemperatureC = null,
    string? TemperatureFault = null,
    bool? LidOpen = null,
    bool? Tilted = null,
    string? SwitchFault = null);

/// <summary>
/// The raw readings one fill sensor gave in one sample: distances in mm, how many pings got no
/// return, and a failure if the sensor could not be read at all.
/// </summary>
public sealed record FillSensorReadings(
    string SensorId,
    IReadOnlyList<double> DistancesMm,
    int NoReturns,
    string? Failure,
    double MinimumRangeMm,
    double MaximumRangeMm)
{
    /// <summary>
    /// How many of the <see cref="NoReturns"/> failed because the gateway could not time them (an ultrasonic ping
    /// whose thread lost its CPU), which is no evidence about the sensor.
    /// </summary>
    public int Untimed { get; init; }

    /// <summary>True when the sample has no reading at all and every failure was the gateway's own timing.</summary>
    public bool OnlyUntimed => DistancesMm.Count == 0 && NoReturns > 0 && Untimed >= NoReturns;
}

/// <summary>A bin's state as users see it; field names follow OMA LwM2M object 3435 "Filling level".</summary>
public sealed record BinSnapshot(
    string Id,
    string Class,
    double? FillPct,
    double? FillLevelMm,
    bool NearlyFull,
    bool ContainerFull,
    bool ContainerEmpty,
    double? AverageFillSpeedPctPerDay,
    DateTimeOffset? ForecastFullAt,
    DateTimeOffset? LastCollectedAt,
    double? FillAtLastCollectionPct,
    double? WeightKg,
    double? TemperatureC,
    bool LidOpen,
    bool Tilted,
    string? Fault,
    DateTimeOffset? LastSampleAt);
