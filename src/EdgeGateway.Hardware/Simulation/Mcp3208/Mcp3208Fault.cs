namespace EdgeGateway.Hardware.Simulation.Mcp3208;

/// <summary>Faults a <see cref="SimulatedMcp3208"/> can be given.</summary>
public enum Mcp3208Fault
{
    /// <summary>Works as the datasheet says.</summary>
    None,

    /// <summary>
    /// The chip does not drive DOUT (unpowered, CS not wired): MISO floats high and every bit reads 1, so the
    /// binding's check of the null bit fails.
    /// </summary>
    NotAnswering,

    /// <summary>DOUT stuck low: every bit reads 0 (the binding sees code 0 on every channel).</summary>
    StuckLow,

    /// <summary>The converter returns, every time and on every channel, the code of its last conversion before the fault was set.</summary>
    StuckCode,
}
