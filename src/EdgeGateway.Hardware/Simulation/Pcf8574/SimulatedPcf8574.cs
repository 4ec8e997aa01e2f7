using EdgeGateway.Hardware.Simulation.I2c;

namespace EdgeGateway.Hardware.Simulation.Pcf8574;

/// <summary>
/// An NXP/TI PCF8574 remote 8-bit I/O expander on the simulated I2C bus (NXP PCF8574 rev. 5, §8): a quasi-bidirectional
/// port P7-P0 with no registers — each byte written is the new output latch (§8.2: a 1 is a weak pull-up, high unless
/// something outside pulls the pin low; a 0 drives it low), the pins change at the acknowledge of that byte, and a
/// read returns the pins' levels. Power-on: all latches 1 (§8.3).
/// </summary>
/// <remarks>What hangs on the pins sees each change through <see cref="PinsChanged"/> (old and new levels), in order, on
/// the bus's thread: an HD44780 on a character LCD backpack latches its data on E's falling edge there.</remarks>
public sealed class SimulatedPcf8574 : SimulatedI2cChip
{
    private byte _latch = 0xFF;

    /// <param name="address">0x20-0x27 (PCF8574, A2-A0) or 0x38-0x3F (PCF8574A); LCD backpacks ship at 0x27 or 0x3F.</param>
    public SimulatedPcf8574(int address)
        : base(address)
    {
    }

    /// <summary>Raised for every byte written, with the pins' levels before and after.</summary>
    public event Action<byte, byte>? PinsChanged;

    /// <summary>Pins something outside pulls low (a 1 bit): they read low whatever their latch.</summary>
    public byte PulledLow { get; set; }

    /// <summary>The output latch: the last byte written.</summary>
    public byte Latch => _latch;

    protected internal override void Write(ReadOnlySpan<byte> data)
    {
        foreach (byte value in data)
        {
            byte before = _latch;
            _latch = value;
            PinsChanged?.Invoke(before, value);
        }
    }

    protected internal override void Read(Span<byte> buffer) => buffer.Fill((byte)(_latch & ~PulledLow));
}
