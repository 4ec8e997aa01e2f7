namespace EdgeGateway.Hardware.Simulation.I2c;

/// <summary>
/// A chip on a simulated I2C bus, seen from the bus: a 7-bit address it answers at and what it does with the
/// bytes of a write message and a read message. The bus (<see cref="SimulatedI2cBus"/>) calls these members,
/// one transaction at a time, after it has found that exactly one chip acknowledges the address.
/// </summary>
/// <remarks>
/// A chip that is not <see cref="Answering"/> leaves SDA high during the acknowledge bit of its address: the
/// master sees a NACK and the transfer fails (I2C-bus specification UM10204, section 3.1.6).
/// </remarks>
public abstract class SimulatedI2cChip
{
    private int _attached;

    protected SimulatedI2cChip(int address)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(address);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address, 0x7F);
        Address = address;
    }

    /// <summary>The 7-bit I2C address the chip acknowledges.</summary>
    public int Address { get; }

    /// <summary>False: the chip NACKs its address (unpowered, broken wire, held in reset).</summary>
    public bool Answering { get; set; } = true;

    /// <summary>A write message addressed to this chip (the bytes after the address byte).</summary>
    protected internal abstract void Write(ReadOnlySpan<byte> data);

    /// <summary>A read message addressed to this chip: fill <paramref name="buffer"/> with the bytes the chip sends.</summary>
    protected internal abstract void Read(Span<byte> buffer);

    /// <summary>A write message, a repeated START, then a read message, with no STOP between them.</summary>
    protected internal virtual void WriteRead(ReadOnlySpan<byte> writeData, Span<byte> readBuffer)
    {
        Write(writeData);
        Read(readBuffer);
    }

    /// <summary>Adds this chip to <paramref name="responders"/> when it acknowledges <paramref name="address"/>.</summary>
    internal virtual void CollectResponders(int address, ref I2cResponders responders)
    {
        if (Answering && address == Address)
        {
            responders.Add(this);
        }
    }

    /// <summary>A chip is soldered in one place: on a bus, or behind one channel of a switch.</summary>
    internal void MarkAttached()
    {
        if (Interlocked.Exchange(ref _attached, 1) != 0)
        {
            throw new InvalidOperationException("The chip is already attached to a bus or a switch channel.");
        }
    }
}

/// <summary>The chips that acknowledged one address: the first of them and how many there were (no allocation).</summary>
internal struct I2cResponders
{
    public SimulatedI2cChip? First { get; private set; }

    public int Count { get; private set; }

    public void Add(SimulatedI2cChip chip)
    {
        if (Count == 0)
        {
            First = chip;
        }

        Count++;
    }
}
