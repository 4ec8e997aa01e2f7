using System.Device.Spi;
using System.Globalization;

namespace EdgeGateway.Hardware.Simulation.Mcp3208;

/// <summary>
/// A Microchip MCP3208 (12-bit) or MCP3008 (10-bit) 8-channel SAR ADC behind a Linux spidev chip select, simulated
/// bit by bit at the serial interface (MCP3204/3208 datasheet DS21298E, section 5.0, Figures 5-1 and 5-2,
/// Table 5-2; section 6.1, Figure 6-1 for the 8-bit-segment framing the binding uses).
/// </summary>
/// <remarks>
/// <para>
/// One transfer is one CS-low period. Clocks are counted from the first of the transfer: DIN is ignored until the
/// first 1 (the start bit, clock s); then SGL/DIFF (s+1), D2, D1, D0 (s+2..s+4). The input is sampled from the
/// rising edge of clock s+4 to the falling edge of clock s+5, which ends the sample (s+6 clock periods after the
/// first clock began: the sampling instant). DOUT is high impedance until then (MISO reads 1, nothing pulls it
/// down), then gives the null bit 0 (read at clock s+6), the result MSB first (s+7 onwards), the result again LSB
/// first sharing B0, then zeros.
/// </para>
/// <para>
/// Single-ended: code of CHn. Differential (Table 5-2): D2 D1 select the pair (CH0/1 .. CH6/7), D0 = 0 makes the
/// even channel IN+, D0 = 1 the odd one; the code is of IN+ − IN−, 0 when IN− is higher. Code =
/// clamp(round(V / Vref × 2^bits), 0, 2^bits − 1).
/// </para>
/// <para>
/// A transfer takes the spidev ioctl's fixed cost plus 8 clocks per byte at the settings' clock frequency, and
/// advances the <see cref="SimulatedClock"/> by that; the sampling instant within it is the transfer's start plus
/// the fixed cost plus s+6 clock periods. Transfers allocate nothing.
/// </para>
/// </remarks>
public sealed class SimulatedMcp3208 : SpiDevice
{
    private const int ChannelCount = 8;

    /// <summary>The fixed cost of one SPI_IOC_MESSAGE ioctl on a Raspberry Pi, before the first clock.</summary>
    private static readonly TimeSpan DefaultTransferOverhead = TimeSpan.FromMicroseconds(16);

    private readonly SpiConnectionSettings _settings;
    private readonly SimulatedClock _clock;
    private readonly IAnalogFrontEnd _inputs;
    private readonly double _referenceV;
    private readonly int _resolutionBits;
    private readonly int _maxCode;
    private readonly double _fullScaleCodes;
    private readonly long _overheadTicks;
    private readonly double _ticksPerBit;
    private readonly bool _lsbFirst;

    private int _fault;
    private int _lastCode;
    private int _stuckCode;
    private bool _disposed;

    public SimulatedMcp3208(
        SpiConnectionSettings settings,
        SimulatedClock clock,
        IAnalogFrontEnd inputs,
        double referenceV,
        int resolutionBits = 12,
        TimeSpan? perTransferOverhead = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(referenceV);
        if (resolutionBits is not (10 or 12))
        {
            throw new ArgumentOutOfRangeException(nameof(resolutionBits), resolutionBits, "12 (MCP3208) or 10 (MCP3008).");
        }

        if (settings.ClockFrequency <= 0)
        {
            throw new ArgumentException("The SPI clock frequency must be positive.", nameof(settings));
        }

        if (settings.DataBitLength != 8)
        {
            throw new ArgumentException("The simulated spidev transfers 8-bit words.", nameof(settings));
        }

        // Section 6.1: the device works in SPI modes 0,0 and 1,1 only (data in on rising edges, out on falling edges).
        if (settings.Mode is not (SpiMode.Mode0 or SpiMode.Mode3))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The MCP3208 supports SPI modes 0 and 3, not {settings.Mode}."),
                nameof(settings));
        }

        TimeSpan overhead = perTransferOverhead ?? DefaultTransferOverhead;
        ArgumentOutOfRangeException.ThrowIfLessThan(overhead, TimeSpan.Zero, nameof(perTransferOverhead));

        _settings = Copy(settings);
        _clock = clock;
        _inputs = inputs;
        _referenceV = referenceV;
        _resolutionBits = resolutionBits;
        _maxCode = (1 << resolutionBits) - 1;
        _fullScaleCodes = 1 << resolutionBits;
        _overheadTicks = overhead.Ticks;
        _ticksPerBit = (double)TimeSpan.TicksPerSecond / settings.ClockFrequency;
        _lsbFirst = settings.DataFlow == DataFlow.LsbFirst;
    }

    public override SpiConnectionSettings ConnectionSettings => Copy(_settings);

    /// <summary>The injected fault. Setting <see cref="Mcp3208Fault.StuckCode"/> captures the last converted code.</summary>
    public Mcp3208Fault Fault
    {
        get => (Mcp3208Fault)Volatile.Read(ref _fault);
        set
        {
            if (value == Mcp3208Fault.StuckCode)
            {
                Volatile.Write(ref _stuckCode, Volatile.Read(ref _lastCode));
            }

            Volatile.Write(ref _fault, (int)value);
        }
    }

    public override void Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("buffer cannot be empty.", nameof(buffer));
        }

        // spidev clocks zeros out on MOSI for a read: no start bit, so DOUT stays high impedance.
        Transfer(ReadOnlySpan<byte>.Empty, buffer, buffer.Length);
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Transfer(buffer, Span<byte>.Empty, buffer.Length);

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (writeBuffer.Length != readBuffer.Length)
        {
            throw new ArgumentException("Parameters 'writeBuffer' and 'readBuffer' must have the same length.");
        }

        Transfer(writeBuffer, readBuffer, writeBuffer.Length);
    }

    /// <summary>
    /// One CS-low period of <paramref name="length"/> bytes. An empty <paramref name="mosi"/> clocks zeros; an empty
    /// <paramref name="miso"/> discards what the chip sends.
    /// </summary>
    private void Transfer(ReadOnlySpan<byte> mosi, Span<byte> miso, int length)
    {
        using SimulatorCpu.Scope simulating = SimulatorCpu.Enter(); // the simulator's own CPU (SimulatorCpu)
        ObjectDisposedException.ThrowIf(_disposed, this);
        TimeSpan start = _clock.Elapsed;
        int totalBits = length * 8;
        var fault = (Mcp3208Fault)Volatile.Read(ref _fault);

        if (fault is Mcp3208Fault.NotAnswering or Mcp3208Fault.StuckLow)
        {
            miso.Fill(fault == Mcp3208Fault.NotAnswering ? (byte)0xFF : (byte)0x00);
        }
        else
        {
            ClockBits(mosi, miso, totalBits, start, fault);
        }

        _clock.Advance(TimeSpan.FromTicks(_overheadTicks + (long)Math.Round(totalBits * _ticksPerBit)));
    }

    private void ClockBits(ReadOnlySpan<byte> mosi, Span<byte> miso, int totalBits, TimeSpan start, Mcp3208Fault fault)
    {
        miso.Clear();
        int startBit = -1;
        int config = 0; // SGL/DIFF, D2, D1, D0
        int code = 0;
        int n = _resolutionBits;

        for (int clock = 0; clock < totalBits; clock++)
        {
            bool dout;
            if (startBit < 0)
            {
                if (BitAt(mosi, clock))
                {
                    startBit = clock;
                }

                dout = true; // high impedance
            }
            else
            {
                int k = clock - startBit;
                if (k <= 4)
                {
                    config = (config << 1) | (BitAt(mosi, clock) ? 1 : 0);
                    dout = true;
                }
                else if (k == 5)
                {
                    // The sample-and-hold closes on the falling edge ending this clock.
                    TimeSpan instant = start + TimeSpan.FromTicks(_overheadTicks + (long)Math.Round((startBit + 6) * _ticksPerBit));
                    code = fault == Mcp3208Fault.StuckCode ? Volatile.Read(ref _stuckCode) : Convert(config, instant);
                    dout = true;
                }
                else if (k == 6)
                {
                    dout = false; // null bit
                }
                else if (k < 7 + n)
                {
                    dout = ((code >> (n - 1 - (k - 7))) & 1) != 0; // B(n-1) .. B0
                }
                else if (k < 6 + (2 * n))
                {
                    dout = ((code >> (k - (6 + n))) & 1) != 0; // B1 .. B(n-1), LSB first
                }
                else
                {
                    dout = false;
                }
            }

            if (dout && !miso.IsEmpty)
            {
                SetBit(miso, clock);
            }
        }
    }

    private int Convert(int config, TimeSpan instant)
    {
        bool singleEnded = (config & 0x8) != 0;
        int select = config & 0x7;
        double volts;
        if (singleEnded)
        {
            volts = _inputs.ChannelVolts(select, instant);
        }
        else
        {
            int even = select & 0x6;
            bool oddIsPositive = (select & 0x1) != 0;
            int plus = oddIsPositive ? even + 1 : even;
            int minus = oddIsPositive ? even : even + 1;
            volts = _inputs.ChannelVolts(plus, instant) - _inputs.ChannelVolts(minus, instant);
        }

        double scaled = Math.Round(volts / _referenceV * _fullScaleCodes);
        int code = double.IsNaN(scaled) ? 0 : (int)Math.Clamp(scaled, 0, _maxCode);
        Volatile.Write(ref _lastCode, code);
        return code;
    }

    private bool BitAt(ReadOnlySpan<byte> buffer, int bit)
    {
        if (buffer.IsEmpty)
        {
            return false;
        }

        int shift = _lsbFirst ? bit & 7 : 7 - (bit & 7);
        return ((buffer[bit >> 3] >> shift) & 1) != 0;
    }

    private void SetBit(Span<byte> buffer, int bit)
    {
        int shift = _lsbFirst ? bit & 7 : 7 - (bit & 7);
        buffer[bit >> 3] |= (byte)(1 << shift);
    }

    private static SpiConnectionSettings Copy(SpiConnectionSettings settings) => new(settings.BusId, settings.ChipSelectLine)
    {
        Mode = settings.Mode,
        DataBitLength = settings.DataBitLength,
        ClockFrequency = settings.ClockFrequency,
        DataFlow = settings.DataFlow,
        ChipSelectLineActiveState = settings.ChipSelectLineActiveState,
    };

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }
}
