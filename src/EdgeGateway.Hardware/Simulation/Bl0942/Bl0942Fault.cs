namespace EdgeGateway.Hardware.Simulation.Bl0942;

/// <summary>Faults a <see cref="SimulatedBl0942"/> can be given.</summary>
public enum Bl0942Fault
{
    /// <summary>Works as the datasheet says.</summary>
    None,

    /// <summary>Every answer's checksum byte is wrong (a noisy line, a bad solder joint on TX).</summary>
    BadChecksum,

    /// <summary>The chip answers nothing (unpowered, RX or TX open, a wrong address strap).</summary>
    Silent,

    /// <summary>The chip's registers freeze at the values they had when the fault was set: every answer is the same.</summary>
    Stuck,
}
