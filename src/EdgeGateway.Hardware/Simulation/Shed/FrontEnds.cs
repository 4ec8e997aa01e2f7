namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>
/// The analog circuit in front of one ADC: current transformers and the voltage transformer, each
/// AC-coupled onto a mid-supply bias (Vref/2) as in open energy monitor designs.
/// </summary>
public sealed class AdcFrontEnd : IAnalogFrontEnd
{
    private readonly ShedModel _shed;
    private readonly double _bias;
    private readonly double _fullScale;
    private readonly Channel[] _channels = new Channel[8];

    internal AdcFrontEnd(ShedModel shed, double referenceV)
    {
        _shed = shed;
        _bias = referenceV / 2;
        _fullScale = referenceV;
    }

    public void WireVoltageTransformer(int channel, double voltsPerAdcVolt) => _channels[channel] = new Channel(null, 1 / voltsPerAdcVolt, true);

    public void WireCurrentTransformer(int channel, ShedOutlet outlet, double ampsPerAdcVolt) => _channels[channel] = new Channel(outlet, 1 / ampsPerAdcVolt, false);

    public double ChannelVolts(int channel, TimeSpan at)
    {
        Channel wired = _channels[channel];
        if (wired.Scale == 0)
        {
            // An unconnected input floats near ground.
            return Math.Abs(_shed.Gaussian()) * 0.002 * _fullScale;
        }

        double volts = _shed.InstantaneousVolts(at, out double u);
        double noise = _shed.Gaussian() * _shed.AdcNoiseVolts;
        if (wired.IsVoltage)
        {
            // An open VT secondary leaves the input at its bias with nothing on it but noise.
            return _shed.VoltageTransformerOpen ? _bias + noise : _bias + (volts * wired.Scale) + noise;
        }

        ShedOutlet outlet = wired.Outlet!;
        return outlet.InputFault switch
        {
            SensorInputFault.Stuck => _bias + 0.4,
            SensorInputFault.Open => 0,
            _ => _bias + (outlet.CurrentAt(u, _shed.PhaseAt(at), at.Ticks / (double)TimeSpan.TicksPerSecond) * wired.Scale) + noise,
        };
    }

    private readonly record struct Channel(ShedOutlet? Outlet, double Scale, bool IsVoltage);
}

/// <summary>The INA219's inputs for a DC port: the shunt's voltage drop and the divided pack voltage.</summary>
public sealed class DcFrontEnd(ShedModel shed, ShedOutlet outlet, double shuntOhms, double busVoltageDivider) : IDcFrontEnd
{
    public DcInputs Inputs(TimeSpan at)
    {
        shed.AdvanceTo(at);
        double amps = outlet.DcCurrent;
        if (outlet.LoadAt(at) is ShortCircuitLoad && outlet.ContactClosed)
        {
            // A short across a DC module's output: the module's current limit is far beyond the shunt's range.
            amps = 200;
        }

        double noise = shed.Gaussian() * 20e-6;
        double pack = outlet.Load?.PackVolts ?? 0;
        return new DcInputs((amps * shuntOhms) + noise, pack / busVoltageDivider);
    }
}

/// <summary>
/// What a port's metering IC (BL0942) sees: the shed's supply across its voltage divider and the port's current through
/// its shunt, integrated over a window ending at an instant, from the same waveforms the CTs see (an onset load switches
/// at its exact instant, a short draws its fault current, open contacts carry nothing).
/// </summary>
public sealed class MeteringIcFrontEnd(ShedModel shed, ShedOutlet outlet)
{
    private const int SamplesPerCycle = 40;

    /// <summary>The port's outlet.</summary>
    public ShedOutlet Outlet => outlet;

    /// <summary>The supply's frequency (Hz).</summary>
    public double FrequencyHz => shed.FrequencyHz;

    /// <summary>RMS volts, RMS amps and mean power over <paramref name="cycles"/> mains cycles ending at <paramref name="at"/>.</summary>
    public (double Vrms, double Irms, double Watts) Integrate(TimeSpan at, double cycles)
    {
        int samples = Math.Max(4, (int)Math.Round(SamplesPerCycle * cycles));
        double span = cycles / shed.FrequencyHz;
        double vv = 0, ii = 0, vi = 0;
        for (int k = 0; k < samples; k++)
        {
            TimeSpan t = at - TimeSpan.FromSeconds(span * (samples - k) / samples);
            if (t < TimeSpan.Zero)
            {
                t = TimeSpan.Zero;
            }

            double v = shed.InstantaneousVolts(t, out double u);
            double i = outlet.ContactClosed ? outlet.CurrentAt(u, shed.PhaseAt(t), t.Ticks / (double)TimeSpan.TicksPerSecond) : 0;
            vv += v * v;
            ii += i * i;
            vi += v * i;
        }

        return (Math.Sqrt(vv / samples), Math.Sqrt(ii / samples), vi / samples);
    }
}
