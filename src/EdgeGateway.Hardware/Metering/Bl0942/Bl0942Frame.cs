namespace EdgeGateway.Hardware.Metering.Bl0942;

/// <summary>
/// BL0942's UART framing (datasheet V1.06, section 4.2 "UART"): 4800 baud by default (SCLK_BPS low), 8 data bits, no
/// parity, 1 stop bit, least significant byte first. The host reads with {0x58 | A2A1, register} and the chip answers
/// three data bytes and a checksum; {0x58 | A2A1, 0xAA} asks for the full packet, 0x55 then 21 bytes of I_RMS, V_RMS,
/// I_FAST_RMS, WATT, CF_CNT, FREQ and STATUS and a checksum (23 bytes). The host writes with {0xA8 | A2A1, register,
/// three data bytes, checksum}; the chip does not answer a write. Every checksum is the inverted low byte of the sum of
/// the command byte and every byte before it (the register address of a read, not the 0xAA of a full packet).
/// Up to four chips share one bus, told apart by their A1/A2 pins (the low two bits of the command).
/// </summary>
public static class Bl0942Frame
{
    /// <summary>
    /// The power-on rate with SCLK_BPS low, as BL0942 modules wire it: 4800 baud, 8N1, ten bits on the wire per byte.
    /// MODE.UART_RATE_SEL (bits 9:8) = 10 or 11 switches the chip to 19 200 or 38 400 baud (datasheet 3.1; 00 and 01
    /// follow the pin); a reset returns it here.
    /// </summary>
    public const int BaudRate = 4800;

    /// <summary>The rates a BL0942 talks at: the pin's (4800 with SCLK_BPS low) and MODE.UART_RATE_SEL's two.</summary>
    public static IReadOnlyList<int> BaudRates { get; } = [4800, 19200, 38400];

    /// <summary>MODE's UART_RATE_SEL field (bits 9:8).</summary>
    public const uint ModeUartRateMask = 0x300;

    public const byte ReadCommand = 0x58;
    public const byte WriteCommand = 0xA8;
    public const byte FullPacketRegister = 0xAA;
    public const byte PacketHeader = 0x55;
    public const int PacketLength = 23;
    public const byte UnlockCode = 0x55;

    /// <summary>The time one byte takes on the wire at <see cref="BaudRate"/>: a start bit, eight data bits and a stop bit.</summary>
    public static TimeSpan ByteTime { get; } = ByteTimeAt(BaudRate);

    /// <summary>The time one byte takes on the wire at <paramref name="baud"/> (10 bits: 8N1).</summary>
    public static TimeSpan ByteTimeAt(int baud) => TimeSpan.FromTicks(TimeSpan.TicksPerSecond * 10 / baud);

    /// <summary>MODE.UART_RATE_SEL for <paramref name="baud"/>: 10 for 19 200, 11 for 38 400, 00 (follow the SCLK_BPS pin) otherwise.</summary>
    public static uint UartRateBits(int baud) => baud switch
    {
        19200 => 0b10u << 8,
        38400 => 0b11u << 8,
        _ => 0,
    };

    /// <summary>The rate a chip with <paramref name="mode"/> in MODE talks at, its SCLK_BPS pin selecting <paramref name="pinBaud"/>.</summary>
    public static int BaudOfMode(uint mode, int pinBaud) => ((mode & ModeUartRateMask) >> 8) switch
    {
        0b10 => 19200,
        0b11 => 38400,
        _ => pinBaud,
    };

    /// <summary>Inverted low byte of <paramref name="command"/> plus every byte of <paramref name="bytes"/>.</summary>
    public static byte Checksum(byte command, ReadOnlySpan<byte> bytes)
    {
        int sum = command;
        foreach (byte b in bytes)
        {
            sum += b;
        }

        return (byte)~sum;
    }

    /// <summary>A 24-bit value, least significant byte first.</summary>
    public static uint Read24(ReadOnlySpan<byte> bytes) => (uint)(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16));

    /// <summary>Writes the low 24 bits of <paramref name="value"/>, least significant byte first.</summary>
    public static void Write24(Span<byte> bytes, uint value)
    {
        bytes[0] = (byte)value;
        bytes[1] = (byte)(value >> 8);
        bytes[2] = (byte)(value >> 16);
    }

    /// <summary>A 24-bit two's-complement value (WATT).</summary>
    public static int Signed24(uint value) => (value & 0x80_0000) != 0 ? (int)(value | 0xFF00_0000) : (int)value;
}

/// <summary>One full packet (0xAA) of a BL0942, raw register values as the chip sent them.</summary>
public readonly record struct Bl0942Packet(uint IRms, uint VRms, uint IFastRms, int Watt, uint CfCnt, uint Freq, uint Status)
{
    /// <summary>Decodes the 23 bytes of a full packet whose header and checksum were checked.</summary>
    public static Bl0942Packet Decode(ReadOnlySpan<byte> packet) => new(
        Bl0942Frame.Read24(packet[1..]),
        Bl0942Frame.Read24(packet[4..]),
        Bl0942Frame.Read24(packet[7..]),
        Bl0942Frame.Signed24(Bl0942Frame.Read24(packet[10..])),
        Bl0942Frame.Read24(packet[13..]),
        Bl0942Frame.Read24(packet[16..]),
        Bl0942Frame.Read24(packet[19..]));
}
