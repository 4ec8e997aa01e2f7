namespace EdgeGateway.Hardware.Simulation.Modbus;

/// <summary>What a simulated supply meter does wrong.</summary>
public enum SupplyMeterFault
{
    None,

    /// <summary>Answers nothing (power lost, A/B swapped, a broken cable).</summary>
    Silent,

    /// <summary>Answers with a corrupted CRC (noise on a long unterminated line).</summary>
    BadCrc,

    /// <summary>Answers every read with exception 04, server device failure.</summary>
    DeviceFailure,
}
