namespace EdgeGateway.Hardware.CardTerminal;

/// <summary>CRC_A of ISO/IEC 14443-3 Annex B: CRC-16/CCITT, reflected (polynomial 8408h), preset 6363h, no final inversion; sent LSB first.</summary>
public static class Iso14443Crc
{
    public static ushort CrcA(ReadOnlySpan<byte> data, ushort preset = 0x6363)
    {
        uint crc = preset;
        foreach (byte b in data)
        {
            byte ch = (byte)(b ^ (byte)crc);
            ch = (byte)(ch ^ (ch << 4));
            crc = (crc >> 8) ^ ((uint)ch << 8) ^ ((uint)ch << 3) ^ ((uint)ch >> 4);
        }

        return (ushort)crc;
    }
}
