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

    // An OnsetLoad's amplitude after its onset (for the load in _onsetAmplitudeOf), so that samples past the onset see
    // it at once rather than from the model's next step; the supply it was computed for is kept for a load plugged between steps.
    private double _onsetAmplitude;
    private OnsetLoad? _onsetAmplitudeOf;
    private double _supplyVrms;
    private double _supplyPeak;
    // When the load behind the contacts was last powered up (seconds of shed time): its inrush runs from there.
    private double _poweredSinceSeconds = double.NaN;

    private bool _coilEnergized;
    private RelayFault _relayFault;

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
    public bool CoilEnergized
    {
        get => _coilEnergized;
        set => ChangeContact(() => _coilEnergized = value);
    }

    public RelayFault RelayFault
    {
        get => _relayFault;
        set => ChangeContact(() => _relayFault = value);
    }

    /// <summary>
    /// Raised with <see cref="ContactClosed"/> whenever the contacts move (the coil driven or released, a fault injected
    /// or repaired): a contact-feedback input wired to them follows it.
    /// </summary>
    public event Action<bool>? ContactChanged;

    public SensorInputFault InputFault { get; set; }

    public bool ContactClosed => RelayFault switch
    {
        RelayFault.StuckClosed => true,
        RelayFault.StuckOpen => false,
        _ => CoilEnergized,
    };

    /// <summary>
    /// Resistance of the socket's own branch from the shed's busbar, out and back: its breaker and about 2 × 12 m of
    /// 2.5 mm² copper (7.4 mΩ/m). It is what limits a bolted fault's current besides the source; ordinary loads are
    /// metered at the busbar's voltage (the shed's one VT sits there), so their few tenths of a volt of branch drop are not modelled.
    /// </summary>
    public double BranchOhms { get; set; } = 0.2;

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

    /// <summary>The load drawing at <paramref name="at"/>: an <see cref="OnsetLoad"/> resolved to its side of the onset.</summary>
    public OutletLoad? LoadAt(TimeSpan at) => Resolve(Load, at);

    private void ChangeContact(Action change)
    {
        bool before = ContactClosed;
        change();
        if (ContactClosed != before)
        {
            ContactChanged?.Invoke(ContactClosed);
        }
    }

    /// <summary>
    /// Pulls the plug: current stops now, not at the model's next step. Until that step a read used to find the old
    /// amplitude with no load behind it and threw, which stopped a simulated shed mid-charge.
    /// </summary>
    public void Unplug()
    {
        Load = null;
        _poweredSinceSeconds = double.NaN;
        _amplitude = 0;
        TrueRealPowerW = 0;
        TrueCurrentA = 0;
        TruePowerFactor = null;
    }

    /// <summary>Instantaneous current at normalised supply voltage <paramref name="u"/> (at the voltage's peak phase).</summary>
    internal double CurrentAt(double u) => CurrentAt(u, Math.PI / 2, 0);

    /// <summary>Instantaneous current at supply phase <paramref name="theta"/>, where the normalised voltage is <paramref name="u"/>.</summary>
    internal double CurrentAt(double u, double theta, double seconds)
    {
        // The scenario's thread may unplug between the two reads: take both once.
        OutletLoad? load = Load;
        double amplitude = _amplitude;
        if (load is OnsetLoad onset)
        {
            bool after = seconds >= onset.Onset.TotalSeconds;
            if (after && !ReferenceEquals(_onsetAmplitudeOf, onset))
            {
                // Plugged in since the model's last step: the supply is the step's.
                _onsetAmplitude = ContactClosed && _supplyVrms > 0 ? Amplitude(onset.After, _supplyVrms, _supplyPeak) : 0;
                _onsetAmplitudeOf = onset;
            }

            amplitude = after ? _onsetAmplitude : amplitude;
            load = after ? onset.After : onset.Before;
        }

        if (amplitude == 0 || load is null)
        {
            return 0;
        }

        double current = amplitude * load.DrawnShape(u, theta, seconds);
        return load.Inrush is { } inrush && seconds - _poweredSinceSeconds < inrush.Duration.TotalSeconds ? current * inrush.Multiple : current;
    }

    /// <summary>Steady DC current for a DC port.</summary>
    internal double DcCurrent => Load is { PackVolts: > 0 } load && ContactClosed ? TrueRealPowerW / load.PackVolts : 0;

    private static OutletLoad? Resolve(OutletLoad? load, TimeSpan at) => load is OnsetLoad onset ? onset.At(at) : load;

    /// <summary>Recomputes what flows for the supply's current RMS voltage and shape peak.</summary>
    internal void Update(TimeSpan dt, double supplyVrms, double supplyPeak) => Update(TimeSpan.Zero, dt, supplyVrms, supplyPeak);

    /// <summary>Recomputes what flows at shed time <paramref name="now"/> (which side of an onset load's onset; where a load's inrush starts).</summary>
    internal void Update(TimeSpan now, TimeSpan dt, double supplyVrms, double supplyPeak)
    {
        OutletLoad? plugged = Load; // once: an unplug on another thread must not pull it out mid-step
        OutletLoad? load = Resolve(plugged, now);
        _supplyVrms = supplyVrms;
        _supplyPeak = supplyPeak;
        bool powered = ContactClosed && load is not null && supplyVrms > 0; // no mains (a power cut): nothing draws
        load?.Advance(dt, powered);
        load?.AgeBy(dt);
        if (powered && double.IsNaN(_poweredSinceSeconds))
        {
            _poweredSinceSeconds = now.TotalSeconds;
        }

        if (!powered || load is null)
        {
            _poweredSinceSeconds = double.NaN;
            _amplitude = 0;
            _onsetAmplitude = 0;
            _onsetAmplitudeOf = plugged as OnsetLoad;
            TrueRealPowerW = 0;
            TrueCurrentA = 0;
            TruePowerFactor = null;
            return;
        }

        // A bolted fault's current is limited by its branch as well as by the fault itself; the busbar voltage
        // supplyVrms already includes the sag it causes at the source (ShedModel.Step).
        double watts = Watts(load, supplyVrms);
        DeliveredWh += watts * dt.TotalHours;
        TrueRealPowerW = watts;
        if (IsDc)
        {
            TrueCurrentA = load.PackVolts > 0 ? watts / load.PackVolts : 0;
            TruePowerFactor = null;
            _amplitude = 0;
            return;
        }

        ShapeIntegrals shape = load.DrawnShapeIntegrals;

        // P = mean(v·i) = A·k·mean(u·g) with v = A·u, i = k·g.
        _amplitude = watts / (supplyPeak * shape.MeanVoltageTimesCurrent);
        _onsetAmplitude = plugged is OnsetLoad pending && load == pending.Before ? Amplitude(pending.After, supplyVrms, supplyPeak) : _amplitude;
        _onsetAmplitudeOf = plugged as OnsetLoad;
        TrueCurrentA = _amplitude * Math.Sqrt(shape.MeanCurrentSquared);
        TruePowerFactor = Waveforms.PowerFactor(shape);
    }

    private double Amplitude(OutletLoad load, double supplyVrms, double supplyPeak) =>
        IsDc ? 0 : Watts(load, supplyVrms) / (supplyPeak * load.DrawnShapeIntegrals.MeanVoltageTimesCurrent);

    private double Watts(OutletLoad load, double supplyVrms) =>
        load is ShortCircuitLoad ? supplyVrms * supplyVrms / (ShortCircuitLoad.Ohms + BranchOhms) : load.DrawnW(supplyVrms);
}
