namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>How a simulated relay misbehaves.</summary>
public enum RelayFault
{
    None,

    /// <summary>Welded contacts: the socket stays live whatever the coil does.</summary>
    StuckClosed,

    /// <summary>A burnt coil or broken contact: the socket never goes live.</summary>
    StuckOpen,
}

/// <summary>How a simulated meter input misbehaves (I2C meters fail at the chip instead: see SimulatedIna219).</summary>
public enum SensorInputFault
{
    None,

    /// <summary>The CT's ADC channel returns one fixed voltage, every sample.</summary>
    Stuck,

    /// <summary>The bias divider or burden is open: the channel sits at 0 V.</summary>
    Open,
}

/// <summary>One socket of the shed: relay contacts, what is plugged in, and injectable faults.</summary>
public sealed class ShedOutlet
{
    private double _amplitude;

    internal ShedOutlet(string id, int index, bool isDc)
    {
        Id = id;
        Index = index;
        IsDc = isDc;
    }

    public string Id { get; }

    public int Index { get; }

    public bool IsDc { get; }

    /// <summary>The level the gateway drives on the relay coil (true = energised = contacts commanded closed).</summary>
    public bool CoilEnergized { get; set; }

    public RelayFault RelayFault { get; set; }

    public SensorInputFault InputFault { get; set; }

    public bool ContactClosed => RelayFault switch
    {
        RelayFault.StuckClosed => true,
        RelayFault.StuckOpen => false,
        _ => CoilEnergized,
    };

    public OutletLoad? Load { get; private set; }

    /// <summary>Energy that actually flowed through the socket (the model's truth, for tests).</summary>
    public double DeliveredWh { get; private set; }

    /// <summary>Real power flowing now (the model's truth).</summary>
    public double TrueRealPowerW { get; private set; }

    /// <summary>RMS current flowing now (the model's truth).</summary>
    public double TrueCurrentA { get; private set; }

    /// <summary>Power factor of what flows now; 1 for resistive loads, absent when nothing flows.</summary>
    public double? TruePowerFactor { get; private set; }

    public void Plug(OutletLoad load) => Load = load;

    public void Unplug() => Load = null;

    /// <summary>Instantaneous current at normalised supply voltage <paramref name="u"/>.</summary>
    internal double CurrentAt(double u)
    {
        if (_amplitude == 0)
        {
            return 0;
        }

        return Load!.IsResistive ? _amplitude * u : _amplitude * Waveforms.SwitchModeCurrent(u);
    }

    /// <summary>Steady DC current for a DC port.</summary>
    internal double DcCurrent => Load is { PackVolts: > 0 } load && ContactClosed ? TrueRealPowerW / load.PackVolts : 0;

    /// <summary>Recomputes what flows for the supply's current RMS voltage and shape peak.</summary>
    internal void Update(TimeSpan dt, double supplyVrms, double supplyPeak)
    {
        bool powered = ContactClosed && Load is not null;
        Load?.Advance(dt, powered);
        if (!powered)
        {
            _amplitude = 0;
            TrueRealPowerW = 0;
            TrueCurrentA = 0;
            TruePowerFactor = null;
            return;
        }

        double watts = Load!.DemandW(supplyVrms);
        DeliveredWh += watts * dt.TotalHours;
        TrueRealPowerW = watts;
        if (IsDc)
        {
            TrueCurrentA = Load.PackVolts > 0 ? watts / Load.PackVolts : 0;
            TruePowerFactor = null;
            _amplitude = 0;
            return;
        }

        ShapeIntegrals shape = Load.IsResistive ? Waveforms.Resistive : Waveforms.SwitchMode;

        // P = mean(v·i) = A·k·mean(u·g) with v = A·u, i = k·g.
        _amplitude = watts / (supplyPeak * shape.MeanVoltageTimesCurrent);
        TrueCurrentA = _amplitude * Math.Sqrt(shape.MeanCurrentSquared);
        TruePowerFactor = Waveforms.PowerFactor(shape);
    }
}
