namespace EdgeGateway.Hardware.Simulation.Shed;

/// <summary>
/// The shed's incoming supply as a meter on it sees it: the busbar voltage and the sum of every outlet's current, plus
/// whatever draws before the port meters (<see cref="UnmeteredLoadW"/>: a tapped wire, a leaking cable), from the same
/// waveforms the port meters see.
/// </summary>
public sealed class SupplyFrontEnd(ShedModel shed)
{
    private const int SamplesPerCycle = 40;
    private double _unmeteredLoadW;

    /// <summary>A resistive load between the supply meter and the port meters, W at the nominal voltage's RMS.</summary>
    public double UnmeteredLoadW
    {
        get => Volatile.Read(ref _unmeteredLoadW);
        set => Volatile.Write(ref _unmeteredLoadW, value);
    }

    public double FrequencyHz => shed.FrequencyHz;

    /// <summary>RMS volts, RMS amps and mean power over <paramref name="cycles"/> mains cycles ending at <paramref name="at"/>.</summary>
    public (double Vrms, double Irms, double Watts) Integrate(TimeSpan at, double cycles)
    {
        int samples = Math.Max(4, (int)Math.Round(SamplesPerCycle * cycles));
        double span = cycles / shed.FrequencyHz;
        double extraW = UnmeteredLoadW;
        double vv = 0, ii = 0, vi = 0;
        double supplyVrms = Math.Max(1, shed.SupplyVrms);
        for (int k = 0; k < samples; k++)
        {
            TimeSpan t = at - TimeSpan.FromSeconds(span * (samples - k) / samples);
            if (t < TimeSpan.Zero)
            {
                t = TimeSpan.Zero;
            }

            double v = shed.InstantaneousVolts(t, out double u);
            double seconds = t.Ticks / (double)TimeSpan.TicksPerSecond;
            double i = extraW * v / (supplyVrms * supplyVrms);
            foreach (ShedOutlet outlet in shed.Outlets)
            {
                if (outlet.ContactClosed)
                {
                    i += outlet.CurrentAt(u, shed.PhaseAt(t), seconds);
                }
            }

            vv += v * v;
            ii += i * i;
            vi += v * i;
        }

        return (Math.Sqrt(vv / samples), Math.Sqrt(ii / samples), vi / samples);
    }
}
