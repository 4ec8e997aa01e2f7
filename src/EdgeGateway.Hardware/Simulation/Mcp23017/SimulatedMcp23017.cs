using EdgeGateway.Hardware.Simulation.I2c;

namespace EdgeGateway.Hardware.Simulation.Mcp23017;

/// <summary>
/// A Microchip MCP23017 16-bit I/O expander (datasheet DS20001952C) at register level: an address pointer and the
/// 22 registers of section 3.5, in either register map (IOCON.BANK = 0 or 1, Table 3-1).
/// </summary>
/// <remarks>
/// <para>
/// Bus protocol (sections 3.2.1 and 3.2.2): the first byte of a write sets the address pointer, the following bytes
/// are written from there; a read returns bytes from the pointer. After each data byte the pointer moves: with
/// IOCON.SEQOP = 0 (sequential mode, the default) it increments and rolls over to 00h after the last register (with
/// BANK = 0 that walks the A/B pairs through the whole map); with SEQOP = 1 (byte mode) it stays put, except that
/// with BANK = 0 it toggles between the A and B register of the pair.
/// </para>
/// <para>
/// Port behaviour (section 3.5): IODIR bit 1 = input (power-on value FFh); reading GPIO returns, for an input pin,
/// the level on the pin XOR its IPOL bit and, for an output pin, its output latch; writing GPIO writes OLAT. An
/// input pin nobody drives reads high when its GPPU pull-up is enabled and low otherwise.
/// </para>
/// </remarks>
public sealed class SimulatedMcp23017 : SimulatedI2cChip
{
    public const int PinCount = 16;

    private const int RegisterCount = 0x16;
    private const byte IoconBank = 0x80;
    private const byte IoconSeqop = 0x20;
    private const byte IoconWritableMask = 0xFE; // bit 0 unimplemented, reads 0 (Register 3-6)

    private readonly Lock _gate = new();
    private readonly byte[] _registers = new byte[RegisterCount];
    private byte _pointer;
    private ushort _pinLevels;
    private ushort _drivenPins;
    private ushort _lastOutputLevels;

    public SimulatedMcp23017(int address = 0x20)
        : base(address)
    {
        // The hardware address pins A2..A0 select 0x20-0x27.
        ArgumentOutOfRangeException.ThrowIfLessThan(address, 0x20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(address, 0x27);

        // Power-on reset (control register summary, Table 3-5): IODIR = FFh, every other register 00h.
        _registers[(int)Mcp23017Register.IODIRA] = 0xFF;
        _registers[(int)Mcp23017Register.IODIRB] = 0xFF;
    }

    /// <summary>
    /// Raised with the new <see cref="OutputLevels"/> when the level of any output pin changes, on the thread of the bus
    /// transaction and while the bus is still held: a handler must not wait for another thread's I2C transfer.
    /// </summary>
    public event Action<ushort>? OutputsChanged;

    /// <summary>
    /// The levels driven on the pins configured as outputs: bit n = pin n (0-7 = GPA0-7, 8-15 = GPB0-7); pins
    /// configured as inputs read 0 here.
    /// </summary>
    public ushort OutputLevels
    {
        get
        {
            lock (_gate)
            {
                return ComputeOutputLevels();
            }
        }
    }

    /// <summary>The external circuit drives input <paramref name="pin"/> (0-15) high or low.</summary>
    public void SetInputLevel(int pin, bool high)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pin);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(pin, PinCount);
        ushort bit = (ushort)(1 << pin);
        lock (_gate)
        {
            _drivenPins |= bit;
            _pinLevels = high ? (ushort)(_pinLevels | bit) : (ushort)(_pinLevels & ~bit);
        }
    }

    protected internal override void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        ushort before;
        ushort after;
        lock (_gate)
        {
            before = _lastOutputLevels;
            _pointer = data[0];
            for (int i = 1; i < data.Length; i++)
            {
                WriteAddress(_pointer, data[i]);
                AdvancePointer();
            }

            after = ComputeOutputLevels();
            _lastOutputLevels = after;
        }

        if (after != before)
        {
            OutputsChanged?.Invoke(after);
        }
    }

    protected internal override void Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = ReadAddress(_pointer);
                AdvancePointer();
            }
        }
    }

    private ushort ComputeOutputLevels()
    {
        int outputs = ~(_registers[(int)Mcp23017Register.IODIRA] | (_registers[(int)Mcp23017Register.IODIRB] << 8));
        int latch = _registers[(int)Mcp23017Register.OLATA] | (_registers[(int)Mcp23017Register.OLATB] << 8);
        return (ushort)(latch & outputs);
    }

    private bool BankMode => (_registers[(int)Mcp23017Register.IOCON] & IoconBank) != 0;

    /// <summary>Table 3-1: maps a bus address to a register under the current IOCON.BANK.</summary>
    private bool TryMap(byte address, out Mcp23017Register register)
    {
        int index;
        if (BankMode)
        {
            // BANK = 1: port A registers at 00h-0Ah, port B at 10h-1Ah, in IODIR..OLAT order.
            int kind = address & 0x0F;
            int port = address >> 4;
            if (kind > 0x0A || port > 1)
            {
                register = default;
                return false;
            }

            index = (kind << 1) | port;
        }
        else
        {
            index = address;
            if (index >= RegisterCount)
            {
                register = default;
                return false;
            }
        }

        // IOCON is one register at both addresses.
        register = index == (int)Mcp23017Register.IOCONB ? Mcp23017Register.IOCON : (Mcp23017Register)index;
        return true;
    }

    private void AdvancePointer()
    {
        byte iocon = _registers[(int)Mcp23017Register.IOCON];
        bool bank = (iocon & IoconBank) != 0;
        if ((iocon & IoconSeqop) != 0)
        {
            // Byte mode: the pointer stays, or with BANK = 0 toggles within the A/B pair (section 3.2.1).
            if (!bank)
            {
                _pointer ^= 0x01;
            }

            return;
        }

        // Sequential mode: increment, rolling over to 00h after the last register address (section 3.2.2.3).
        byte last = bank ? (byte)0x1A : (byte)(RegisterCount - 1);
        _pointer = _pointer >= last ? (byte)0 : (byte)(_pointer + 1);
    }

    private byte ReadAddress(byte address)
    {
        if (!TryMap(address, out Mcp23017Register register))
        {
            return 0; // unimplemented address
        }

        return register switch
        {
            Mcp23017Register.GPIOA => ReadPort(0),
            Mcp23017Register.GPIOB => ReadPort(1),
            _ => _registers[(int)register],
        };
    }

    private void WriteAddress(byte address, byte value)
    {
        if (!TryMap(address, out Mcp23017Register register))
        {
            return;
        }

        switch (register)
        {
            case Mcp23017Register.GPIOA:
                _registers[(int)Mcp23017Register.OLATA] = value;
                break;
            case Mcp23017Register.GPIOB:
                _registers[(int)Mcp23017Register.OLATB] = value;
                break;
            case Mcp23017Register.IOCON:
                _registers[(int)Mcp23017Register.IOCON] = (byte)(value & IoconWritableMask);
                break;
            case Mcp23017Register.INTFA:
            case Mcp23017Register.INTFB:
            case Mcp23017Register.INTCAPA:
            case Mcp23017Register.INTCAPB:
                break; // read-only (sections 3.5.8, 3.5.9)
            default:
                _registers[(int)register] = value;
                break;
        }
    }

    /// <summary>Section 3.5.10: the GPIO register reflects the port.</summary>
    private byte ReadPort(int port)
    {
        int shift = port * 8;
        byte iodir = _registers[(int)Mcp23017Register.IODIRA + port];
        byte ipol = _registers[(int)Mcp23017Register.IPOLA + port];
        byte gppu = _registers[(int)Mcp23017Register.GPPUA + port];
        byte olat = _registers[(int)Mcp23017Register.OLATA + port];
        byte driven = (byte)(_drivenPins >> shift);
        byte levels = (byte)(_pinLevels >> shift);

        // An undriven input floats to its pull-up when GPPU enables it, otherwise it reads low.
        byte inputLevels = (byte)((levels & driven) | (gppu & ~driven));
        return (byte)((((inputLevels ^ ipol) & iodir) | (olat & ~iodir)) & 0xFF);
    }
}
