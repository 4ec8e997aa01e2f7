namespace EdgeGateway.Hardware.Metering.Hlw8032;

/// <summary>
/// HLW8032's UART framing (HLW8032 datasheet, "UART interface"): the IC only sends, 4800 baud, 8 data bits, even
/// parity, 1 stop bit, a 24-byte frame after every 50 ms refresh of its registers, no request and no address. A frame
/// is State REG, Check REG (0x5A), the voltage, current and power parameter REGs and REGs (24 bit, most significant
/// byte first), Data Update REG, PF REG (16 bit) and CheckSum REG, the low byte of the sum of bytes 2 to 22.
/// </summary>
public static class Hlw8032Frame
{
    public const int BaudRate = 4800;
    public const int Length = 24;
    public const byte CheckRegValue = 0x5A;

    /// <summary>State REG of a chip working as it should.</summary>
    public const byte StateNormal = 0x55;

    /// <summary>State REG of a chip whose calibration (the parameter REGs) cannot be used.</summary>
    public const byte StateCalibrationError = 0xAA;

    /// <summary>How often the IC refreshes its registers (the datasheet's 50 ms).</summary>
    public static TimeSpan UpdatePeriod { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>One byte on the wire: start bit, eight data bits, parity bit, stop bit.</summary>
    public static TimeSpan ByteTime { get; } = TimeSpan.FromTicks(TimeSpan.TicksPerSecond * 11 / BaudRate);

    /// <summary>
    /// A whole frame on the wire: 264 bits at 4800 baud, 55 ms, longer than the 50 ms refresh, so the frames follow one
    /// another back to back and each carries the registers' latest refresh.
    /// </summary>
    public static TimeSpan WireTime { get; } = TimeSpan.FromTicks(ByteTime.Ticks * Length);

    /// <summary>Whether <paramref name="b"/> can be a State REG: 0x55, 0xAA or 0xFx.</summary>
    public static bool IsState(byte b) => b is StateNormal or StateCalibrationError || (b & 0xF0) == 0xF0;

    /// <summary>The low byte of the sum of bytes 2 to 22 of <paramref name="frame"/> (its CheckSum REG when it is whole).</summary>
    public static byte Checksum(ReadOnlySpan<byte> frame)
    {
        int sum = 0;
        for (int i = (int)Hlw8032Register.VoltageParameterReg; i < (int)Hlw8032Register.CheckSumReg; i++)
        {
            sum += frame[i];
        }

        return (byte)sum;
    }

    /// <summary>A 24-bit register, most significant byte first.</summary>
    public static uint Read24(ReadOnlySpan<byte> frame, Hlw8032Register register)
    {
        int at = (int)register;
        return (uint)((frame[at] << 16) | (frame[at + 1] << 8) | frame[at + 2]);
    }

    /// <summary>Writes the low 24 bits of <paramref name="value"/> into a register, most significant byte first.</summary>
    public static void Write24(Span<byte> frame, Hlw8032Register register, uint value)
    {
        int at = (int)register;
        frame[at] = (byte)(value >> 16);
        frame[at + 1] = (byte)(value >> 8);
        frame[at + 2] = (byte)value;
    }
}

/// <summary>One HLW8032 frame whose checksum held: its registers, raw as the IC sent them.</summary>
public readonly record struct Hlw8032Packet(
    byte State,
    uint VoltageParameter,
    uint Voltage,
    uint CurrentParameter,
    uint Current,
    uint PowerParameter,
    uint Power,
    Hlw8032DataUpdate DataUpdate,
    ushort Pf)
{
    /// <summary>The calibration cannot be used: State REG 0xAA, or 0xFx with bit 0 set.</summary>
    public bool CalibrationUnusable => State == Hlw8032Frame.StateCalibrationError || ((State & 0xF0) == 0xF0 && (State & (byte)Hlw8032State.ParameterRegsUnusable) != 0);

    /// <summary>The overflow bits of a 0xFx State REG (none for 0x55 and 0xAA).</summary>
    public Hlw8032State Overflows => (State & 0xF0) == 0xF0 ? (Hlw8032State)(State & 0x0E) : Hlw8032State.None;

    /// <summary>PF REG with the overflow bit of the Data Update REG as its seventeenth bit.</summary>
    public int PfCount => ((DataUpdate & Hlw8032DataUpdate.PfRegOverflow) != 0 ? 0x1_0000 : 0) | Pf;

    public static Hlw8032Packet Decode(ReadOnlySpan<byte> frame) => new(
        frame[(int)Hlw8032Register.StateReg],
        Hlw8032Frame.Read24(frame, Hlw8032Register.VoltageParameterReg),
        Hlw8032Frame.Read24(frame, Hlw8032Register.VoltageReg),
        Hlw8032Frame.Read24(frame, Hlw8032Register.CurrentParameterReg),
        Hlw8032Frame.Read24(frame, Hlw8032Register.CurrentReg),
        Hlw8032Frame.Read24(frame, Hlw8032Register.PowerParameterReg),
        Hlw8032Frame.Read24(frame, Hlw8032Register.PowerReg),
        (Hlw8032DataUpdate)frame[(int)Hlw8032Register.DataUpdateReg],
        (ushort)((frame[(int)Hlw8032Register.PfReg] << 8) | frame[(int)Hlw8032Register.PfReg + 1]));
}
