namespace EdgeGateway.Hardware.Simulation.Hlw8032;

/// <summary>Faults a <see cref="SimulatedHlw8032"/> can be given.</summary>
public enum Hlw8032Fault
{
    /// <summary>Works as the datasheet says.</summary>
    None,

    /// <summary>Every frame's CheckSum REG is wrong (a noisy line, an optocoupler too slow for 4800 baud).</summary>
    BadChecksum,

    /// <summary>The IC sends nothing (unpowered, its TX or the optocoupler open).</summary>
    Silent,

    /// <summary>The IC sends the same frame over and over, as it was when the fault was set.</summary>
    Stuck,

    /// <summary>State REG 0xAA: the IC's calibration (its parameter REGs) is unusable.</summary>
    CalibrationError,
}
