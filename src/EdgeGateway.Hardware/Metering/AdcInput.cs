using Iot.Device.Adc;

namespace EdgeGateway.Hardware.Metering;

/// <summary>One single-ended channel of an MCP3xxx ADC, with what is needed to turn codes into volts.</summary>
public sealed class AdcInput(Mcp3xxx adc, string adcId, int channel, double referenceV, int resolutionBits)
{
    public Mcp3xxx Adc { get; } = adc;
    public string AdcId { get; } = adcId;
    public int Channel { get; } = channel;
    public int FullScaleCode { get; } = (1 << resolutionBits) - 1;
    public double MidScaleCode { get; } = (1 << resolutionBits) / 2.0;

    /// <summary>Volts at the ADC pin per code (Vref / 2^bits).</summary>
    public double VoltsPerCode { get; } = referenceV / (1 << resolutionBits);

    public int Read() => Adc.Read(Channel);

    public override string ToString() => $"{AdcId} ch{Channel}";
}
