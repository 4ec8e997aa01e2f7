namespace EdgeGateway.Hardware.Metering;

/// <summary>An AC port: a current transformer on an ADC channel, measured against the shed's voltage transformer.</summary>
public sealed class AcPortMeter : IPortMeter
{
    private readonly MainsCycleSampler _sampler;

    public AcPortMeter(MainsCycleSampler sampler, AdcInput current, double ampsPerAdcVolt)
    {
        _sampler = sampler;
        Current = current;
        AmpsPerAdcVolt = ampsPerAdcVolt;
        CurrentOffset = current.MidScaleCode;
    }

    public AdcInput Current { get; }

    public double AmpsPerAdcVolt { get; }

    /// <summary>The CT input's DC bias in ADC codes, tracked from the last measurement.</summary>
    internal double CurrentOffset { get; set; }

    /// <summary>The RMS current of the last good measurement, in amperes: what the scan compares its estimate with.</summary>
    internal double LastCurrentRmsAmps { get; set; }

    public string Description => $"CT on {Current}";

    public MeterReading Measure(double shortCircuitPeakAmps) => _sampler.Measure(this, shortCircuitPeakAmps);
}
