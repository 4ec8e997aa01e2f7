namespace EdgeGateway.Hardware.Simulation.Hx711;

/// <summary>
/// The HX711's input and gain for the next conversion, chosen by the number of PD_SCK pulses after the 24 data bits
/// (datasheet Table 3): the value is that number of extra pulses.
/// </summary>
public enum Hx711InputSelection
{
    /// <summary>25 pulses: channel A, gain 128 (the state after power-on and reset).</summary>
    ChannelAGain128 = 1,

    /// <summary>26 pulses: channel B, gain 32.</summary>
    ChannelBGain32 = 2,

    /// <summary>27 pulses: channel A, gain 64.</summary>
    ChannelAGain64 = 3,
}

/// <summary>The load cells behind a simulated HX711 and the chip's configuration.</summary>
public sealed record SimulatedHx711Options
{
    /// <summary>Counts per kilogram on channel A at gain 128 (other gains scale it by gain / 128).</summary>
    public double CountsPerKg { get; init; } = 20_000;

    /// <summary>
    /// The channel A reading at gain 128 with nothing on the cell: the bridge's imbalance and the dead load (the bin
    /// itself). Scaled by gain / 128 like the load.
    /// </summary>
    public double ZeroOffsetCounts { get; init; } = 120_000;

    /// <summary>
    /// Noise, one standard deviation in counts. Null: the datasheet's input noise at gain 128 and AVDD 5 V, about
    /// 39 counts at 80 SPS (90 nV rms) and 21 counts at 10 SPS (50 nV rms).
    /// </summary>
    public double? NoiseCounts { get; init; }

    /// <summary>Output data rate set by the RATE pin: 10 or 80 samples per second.</summary>
    public int SamplesPerSecond { get; init; } = 80;

    /// <summary>What sits on a second cell on channel B (null: nothing wired, 0 V differential).</summary>
    public ILoadCellInput? ChannelB { get; init; }

    /// <summary>Counts per kilogram of channel B's cell, referred to gain 128 like <see cref="CountsPerKg"/> (read at gain 32).</summary>
    public double ChannelBCountsPerKg { get; init; } = 20_000;

    /// <summary>Channel B's zero, referred to gain 128.</summary>
    public double ChannelBZeroOffsetCounts { get; init; }

    /// <summary>Seed of the noise.</summary>
    public int Seed { get; init; } = 711;
}
