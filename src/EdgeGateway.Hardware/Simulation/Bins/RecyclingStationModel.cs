namespace EdgeGateway.Hardware.Simulation.Bins;

/// <summary>
/// A smart recycling station on simulated time: residents fill its bins faster in the morning and the
/// evening, collection crews empty them on a schedule, and the weather sets the temperature inside.
/// </summary>
/// <remarks>Used from the bin sampling thread only.</remarks>
public sealed class RecyclingStationModel
{
    private static readonly TimeSpan StepInterval = TimeSpan.FromSeconds(10);

    private readonly List<SimulatedBin> _bins = [];
    private readonly Random _random;
    private readonly Lock _gate = new();
    private TimeSpan _lastStep;
    private double _spareGaussian = double.NaN;

    public RecyclingStationModel(SimulatedClock clock, int seed, TimeSpan utcOffset)
    {
        Clock = clock;
        _random = new Random(seed);
        UtcOffset = utcOffset;
    }

    public SimulatedClock Clock { get; }

    public TimeSpan UtcOffset { get; }

    public IReadOnlyList<SimulatedBin> Bins => _bins;

    /// <summary>Local times of day at which the crew empties every bin (default: early morning and mid-afternoon).</summary>
    public IReadOnlyList<TimeSpan> CollectionTimes { get; set; } = [TimeSpan.FromHours(6.5), TimeSpan.FromHours(14)];

    /// <summary>Raised whenever a bin's lid or tilt state changes (the board turns it into switch levels).</summary>
    public event Action<SimulatedBin>? SwitchesChanged;

    public double LocalHour
    {
        get
        {
            // The world follows true time, not the Pi's wall clock (which a scenario may step).
            DateTimeOffset local = Clock.TrueNow.ToOffset(UtcOffset);
            return local.Hour + (local.Minute / 60.0) + (local.Second / 3600.0);
        }
    }

    public double AmbientC => 12 + (7 * Math.Sin(2 * Math.PI * (LocalHour - 9) / 24));

    internal Random Random => _random;

    public SimulatedBin AddBin(string id, string binClass, double sensorToBottomMm, double sensorToFullMm, double capacityKg)
    {
        // A day's use by class: kitchen and residual waste fill fastest, hazardous waste barely moves.
        double perDay = binClass switch
        {
            "kitchen" => 90,
            "other" => 100,
            "recyclable" => 70,
            _ => 8,
        } * (0.8 + (0.4 * _random.NextDouble()));
        var bin = new SimulatedBin(this, id, binClass, sensorToBottomMm, sensorToFullMm, capacityKg, perDay)
        {
            FillPct = 10 + (_random.NextDouble() * 20),
        };
        _bins.Add(bin);
        return bin;
    }

    public SimulatedBin Bin(string id) =>
        _bins.Find(b => string.Equals(b.Id, id, StringComparison.Ordinal)) ?? throw new ArgumentException($"no bin '{id}'", nameof(id));

    /// <summary>Changes a bin's lid or tilt and tells the board.</summary>
    public void SetSwitches(SimulatedBin bin, bool? lidOpen = null, bool? tilted = null)
    {
        bin.LidOpen = lidOpen ?? bin.LidOpen;
        bin.Tilted = tilted ?? bin.Tilted;
        SwitchesChanged?.Invoke(bin);
    }

    /// <summary>Relative use by local hour: breakfast and dinner time are busiest (the 24-hour mean is about 1).</summary>
    public static double UseProfile(double hour) =>
        0.25
        + (1.6 * Math.Exp(-Math.Pow((hour - 7.5) / 1.2, 2)))
        + (1.9 * Math.Exp(-Math.Pow((hour - 19) / 1.6, 2)))
        + (0.6 * Math.Exp(-Math.Pow((hour - 12.5) / 1.2, 2)));

    public void AdvanceTo(TimeSpan now)
    {
        lock (_gate)
        {
            TimeSpan dt = now - _lastStep;
            if (dt < StepInterval)
            {
                return;
            }

            TimeSpan from = _lastStep;
            _lastStep = now;
            Step(from, dt);
        }
    }

    internal double Gaussian()
    {
        if (!double.IsNaN(_spareGaussian))
        {
            double spare = _spareGaussian;
            _spareGaussian = double.NaN;
            return spare;
        }

        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    private void Step(TimeSpan from, TimeSpan dt)
    {
        double hour = LocalHour;
        double hours = dt.TotalHours;
        double previousHour = (hour - hours + 48) % 24;
        bool collectionDue = CollectionTimes.Any(t => Crossed(previousHour, hour, t.TotalHours));
        double ambient = AmbientC;
        foreach (SimulatedBin bin in _bins)
        {
            if (collectionDue)
            {
                bin.Collect();
            }

            // Residents keep pushing bags into a full bin: it heaps over the rim, slower and slower.
            double slowdown = bin.FillPct < 100 ? 1 : 0.3;
            bin.FillPct += bin.FillPerDayPct / 24 * UseProfile(hour) * hours * slowdown;
            StepTemperature(bin, dt, ambient);
        }
    }

    private static bool Crossed(double fromHour, double toHour, double at) =>
        fromHour <= toHour ? fromHour < at && at <= toHour : at > fromHour || at <= toHour;

    private static void StepTemperature(SimulatedBin bin, TimeSpan dt, double ambient)
    {
        if (bin.SmoulderingFor is { } burning)
        {
            // Smouldering: 3 °C a minute for twelve minutes, then open flame and a fast climb.
            TimeSpan now = burning + dt;
            bin.SmoulderingFor = now;
            double rate = now < TimeSpan.FromMinutes(12) ? 3 : 25;
            bin.TemperatureC = Math.Min(400, bin.TemperatureC + (rate * dt.TotalMinutes));
            return;
        }

        double alpha = 1 - Math.Exp(-dt.TotalMinutes / 15);
        bin.TemperatureC += (ambient - bin.TemperatureC) * alpha;
    }
}
