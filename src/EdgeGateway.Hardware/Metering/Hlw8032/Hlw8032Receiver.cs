using static System.FormattableString;

namespace EdgeGateway.Hardware.Metering.Hlw8032;

/// <summary>
/// Cuts the byte stream an HLW8032 sends into frames. A frame starts with a byte that can be a State REG followed by the
/// Check REG 0x5A; bytes before such a pair are dropped. A 24-byte candidate whose checksum fails (a lost or garbled
/// byte: its tail is the next frame's head) is not thrown away whole: its first byte is dropped and the rest searched
/// for the next State REG and 0x5A, so the frame after a lost byte is read whole. Pure code: no port, no clock.
/// </summary>
public sealed class Hlw8032Receiver
{
    private readonly byte[] _pending = new byte[Hlw8032Frame.Length];
    private readonly byte[] _latest = new byte[Hlw8032Frame.Length];
    private int _count;

    /// <summary>Frames whose checksum held, since the receiver was made.</summary>
    public long Frames { get; private set; }

    /// <summary>Candidate frames (a State REG, 0x5A, 22 more bytes) whose checksum failed.</summary>
    public long ChecksumErrors { get; private set; }

    /// <summary>Every byte taken.</summary>
    public long Bytes { get; private set; }

    /// <summary>What the last failed candidate's checksum was and should have been.</summary>
    public string? LastError { get; private set; }

    /// <summary>The latest frame whose checksum held (all zeros before the first).</summary>
    public ReadOnlySpan<byte> Latest => _latest;

    /// <summary>Takes bytes as they came off the UART.</summary>
    public void Receive(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            Bytes++;
            _pending[_count++] = b;
            Align();
            if (_count < Hlw8032Frame.Length)
            {
                continue;
            }

            byte expected = Hlw8032Frame.Checksum(_pending);
            byte got = _pending[(int)Hlw8032Register.CheckSumReg];
            if (got == expected)
            {
                _pending.CopyTo(_latest, 0);
                Frames++;
                _count = 0;
            }
            else
            {
                ChecksumErrors++;
                LastError = Invariant($"CheckSum REG 0x{got:X2}, the sum of bytes 2-22 is 0x{expected:X2}");
                Drop(1);
                Align();
            }
        }
    }

    /// <summary>Drops bytes until the pending ones can start a frame: a State REG, then 0x5A.</summary>
    private void Align()
    {
        while (_count > 0 && (!Hlw8032Frame.IsState(_pending[0]) || (_count >= 2 && _pending[1] != Hlw8032Frame.CheckRegValue)))
        {
            Drop(1);
        }
    }

    private void Drop(int n)
    {
        Array.Copy(_pending, n, _pending, 0, _count - n);
        _count -= n;
    }
}
