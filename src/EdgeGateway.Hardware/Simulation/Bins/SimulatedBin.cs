namespace EdgeGateway.Hardware.Simulation.Bins;

/// <summary>Things that go wrong in front of a bin's fill sensor.</summary>
public enum RangingFault
{
    None,

    /// <summary>A bag caught on the rim right under the sensor: a constant short distance.</summary>
    BagLodged,

    /// <summary>A spider web (or condensation) across the transducer: a constant tiny distance inside the blind zone.</summary>
    SpiderWeb,

    /// <summary>Soft contents and an angled surface: most pings return nothing.</summary>
    LostEchoes,

    /// <summary>Crumpled cardboard and bag edges: many pings return short.</summary>
    SpuriousEchoes,
}

/// <summary>
/// One bin of a simulated recycling station: its contents rising through the day, emptied at
/// collections; what its fill sensors and load cell see; its inside temperature; its lid and tilt
/// switches. Everything it reports carries the noise and faults real bins show.
/// </summary>
public sealed class SimulatedBin : IRangingTarget, ILoadCellInput
{
    private readonly RecyclingStationModel _station;

    internal SimulatedBin(RecyclingStationModel station, string id, string binClass, double sensorToBottomMm, double sensorToFullMm, double capacityKg, double fillPerDayPct)
    {
        _station = station;
        Id = id;
        Class = binClass;
        SensorToBottomMm = sensorToBottomMm;
        SensorToFullMm = sensorToFullMm;
        CapacityKg = capacityKg;
        FillPerDayPct = fillPerDayPct;
        TemperatureC = station.AmbientC;
    }

    public string Id { get; }

    public string Class { get; }

    public double SensorToBottomMm { get; }

    public double SensorToFullMm { get; }

    public double CapacityKg { get; }

    /// <summary>How much of the bin a day's use fills, on average.</summary>
    public double FillPerDayPct { get; set; }

    /// <summary>How full the bin really is (the model's truth); above 100 the contents heap over the rim.</summary>
    public double FillPct { get; set; }

    public double TemperatureC { get; internal set; }

    public bool LidOpen { get; set; }

    public bool Tilted { get; set; }

    public RangingFault Fault { get; set; }

    /// <summary>Distance of the lodged bag from the sensor, when <see cref="RangingFault.BagLodged"/>.</summary>
    public double LodgedAtMm { get; set; } = 120;

    /// <summary>A fire: minutes since it started smouldering, or null.</summary>
    public TimeSpan? SmoulderingFor { get; internal set; }

    /// <summary>Distance from the sensor face to the contents' surface now.</summary>
    public double SurfaceMm => SensorToBottomMm - (Math.Clamp(FillPct, 0, 120) / 100 * (SensorToBottomMm - SensorToFullMm));

    public int Collections { get; internal set; }

    public RangeEcho Echo(TimeSpan at)
    {
        _station.AdvanceTo(at);
        Random random = _station.Random;
        if (Tilted)
        {
            // Tipped on its side, the sensor looks across the pavement.
            return random.NextDouble() < 0.5 ? new RangeEcho(0, false) : new RangeEcho(1500 + (random.NextDouble() * 2000), true);
        }

        if (LidOpen)
        {
            // The sensor sits in the lid: open, it looks at the sky or the shelter's roof.
            return random.NextDouble() < 0.7 ? new RangeEcho(0, false) : new RangeEcho(2200 + (random.NextDouble() * 800), true);
        }

        switch (Fault)
        {
            case RangingFault.SpiderWeb:
                return new RangeEcho(12, true);
            case RangingFault.BagLodged:
                return new RangeEcho(LodgedAtMm + (_station.Gaussian() * 1.5), true);
            case RangingFault.LostEchoes when random.NextDouble() < 0.85:
                return new RangeEcho(0, false);
            case RangingFault.SpuriousEchoes when random.NextDouble() < 0.3:
                return new RangeEcho(80 + (random.NextDouble() * (SurfaceMm - 80)), true);
        }

        // Everyday: an occasional lost echo, an occasional short one off a bag's edge, a few mm of noise.
        double roll = random.NextDouble();
        if (roll < 0.02)
        {
            return new RangeEcho(0, false);
        }

        if (roll < 0.05)
        {
            return new RangeEcho(80 + (random.NextDouble() * Math.Max(0, SurfaceMm - 80)), true);
        }

        return new RangeEcho(SurfaceMm + (_station.Gaussian() * 4), true);
    }

    public double Kilograms(TimeSpan at)
    {
        _station.AdvanceTo(at);
        return (Math.Max(0, FillPct) / 100 * CapacityKg) + (_station.Gaussian() * 0.05);
    }

    /// <summary>Empties the bin (a collection), leaving a little stuck to the bottom.</summary>
    public void Collect()
    {
        FillPct = 1 + (_station.Random.NextDouble() * 2);
        Collections++;
    }

    /// <summary>Starts a smouldering fire: the inside warms a few degrees a minute, then flames.</summary>
    public void StartFire() => SmoulderingFor = TimeSpan.Zero;

    public void PutOutFire() => SmoulderingFor = null;
}
