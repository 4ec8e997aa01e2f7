namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>
/// People arriving at the shed over the day: residents plug their e-bikes in on the way home in the
/// evening (the busiest hours), fewer at lunch and in the morning, and collect them hours later —
/// evening arrivals usually the next morning. Each arrival takes a free socket, plugs in a lead-acid
/// or lithium charger at 100–300 W and asks the shed to start.
/// </summary>
public sealed class ShedLife
{
    private readonly ShedModel _shed;
    private readonly double _peakPerHour;
    private readonly double _lithiumShare;
    private readonly Dictionary<ShedOutlet, TimeSpan> _departures = [];

    public ShedLife(ShedModel shed, double peakArrivalsPerHour, double lithiumShare = 0.55)
    {
        _shed = shed;
        _peakPerHour = peakArrivalsPerHour;
        _lithiumShare = lithiumShare;
        shed.Stepped += OnStepped;
    }

    public int Arrivals { get; private set; }

    /// <summary>Relative arrival rate by local hour: evening peak, a lunchtime bump, a morning bump, quiet nights.</summary>
    public static double DailyProfile(double hour) =>
        0.05
        + Math.Exp(-Math.Pow((hour - 19.5) / 2.0, 2))
        + (0.45 * Math.Exp(-Math.Pow((hour - 12.5) / 1.5, 2)))
        + (0.3 * Math.Exp(-Math.Pow((hour - 8.0) / 1.5, 2)));

    private void OnStepped(TimeSpan dt)
    {
        TimeSpan now = _shed.Clock.Elapsed;
        Depart(now);
        double hour = _shed.LocalHour;
        double expected = _peakPerHour * DailyProfile(hour) * dt.TotalHours;
        if (_shed.Random.NextDouble() < expected)
        {
            Arrive(now, hour);
        }
    }

    private void Depart(TimeSpan now)
    {
        foreach ((ShedOutlet outlet, TimeSpan at) in _departures)
        {
            if (at <= now)
            {
                _departures.Remove(outlet);
                outlet.Unplug();
                return;
            }
        }
    }

    private void Arrive(TimeSpan now, double hour)
    {
        ShedOutlet[] free = _shed.Outlets.Where(o => o.Load is null).ToArray();
        if (free.Length == 0)
        {
            return;
        }

        Random random = _shed.Random;
        ShedOutlet outlet = free[random.Next(free.Length)];
        bool lithium = random.NextDouble() < _lithiumShare;
        EBikeCharger charger = lithium
            ? new EBikeCharger(BatteryChemistry.Lithium, 120 + (random.NextDouble() * 130), 0.15 + (random.NextDouble() * 0.45), 720 + (random.NextDouble() * 480), outlet.IsDc)
            : new EBikeCharger(BatteryChemistry.LeadAcid, 150 + (random.NextDouble() * 150), 0.2 + (random.NextDouble() * 0.3), 576 + (random.NextDouble() * 424), outlet.IsDc);

        // Evening arrivals collect their bikes next morning; daytime ones after two to five hours.
        double stayHours = hour >= 17 || hour < 5
            ? ((24 - hour + 7.5) % 24) + (random.NextDouble() * 1.5)
            : 2 + (random.NextDouble() * 3);
        _departures[outlet] = now + TimeSpan.FromHours(stayHours);
        Arrivals++;
        _shed.PlugAndRequestStart(outlet, charger);
    }
}
