using EdgeGateway.Hardware.Simulation;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>An INA219's inputs that the test sets directly, or as a function of simulated time.</summary>
internal sealed class SettableDcFrontEnd : IDcFrontEnd
{
    public double ShuntVolts { get; set; }

    public double BusVolts { get; set; }

    public Func<TimeSpan, DcInputs>? Waveform { get; set; }

    public DcInputs Inputs(TimeSpan at) => Waveform?.Invoke(at) ?? new DcInputs(ShuntVolts, BusVolts);
}

/// <summary>ADC inputs given as a function of channel and simulated time.</summary>
internal sealed class FunctionAnalogFrontEnd(Func<int, TimeSpan, double> volts) : IAnalogFrontEnd
{
    public Func<int, TimeSpan, double> Volts { get; set; } = volts;

    public double ChannelVolts(int channel, TimeSpan at) => Volts(channel, at);
}

internal static class TestClock
{
    public static SimulatedClock Create() => new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
}
