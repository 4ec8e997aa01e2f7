namespace EdgeGateway.Hardware.Modbus;

/// <summary>
/// The RTU frame check (Modbus over Serial Line v1.02, §6.2.2): CRC-16 with the reflected polynomial 0xA001, initial
/// value 0xFFFF, sent low byte first after the PDU.
/// </summary>
public static class ModbusCrc
{
    private const ushort Polynomial = 0xA001;

    public static ushort Compute(ReadOnlySpan<byte> bytes)
    {
        ushort crc = 0xFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ Polynomial) : (ushort)(crc >> 1);
            }
        }

        return crc;
    }

    /// <summary>Writes the CRC of <paramref name="frame"/>[..^2] into its last two bytes, low byte first.</summary>
    public static void Append(Span<byte> frame)
    {
        ushort crc = Compute(frame[..^2]);
        frame[^2] = (byte)crc;
        frame[^1] = (byte)(crc >> 8);
    }

    /// <summary>Whether the last two bytes of <paramref name="frame"/> are the CRC of the rest.</summary>
    public static bool IsValid(ReadOnlySpan<byte> frame) =>
        frame.Length >= 4 && Compute(frame[..^2]) == (ushort)(frame[^2] | (frame[^1] << 8));
}
