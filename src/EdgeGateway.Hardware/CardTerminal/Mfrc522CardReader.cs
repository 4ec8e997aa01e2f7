using System.Device.Gpio;
using System.Device.Spi;
using System.Diagnostics;
using Iot.Device.Mfrc522;
using Iot.Device.Rfid;

namespace EdgeGateway.Hardware.CardTerminal;

/// <summary>What one poll of the reader saw.</summary>
public enum CardPoll
{
    /// <summary>No card, or the card already reported is still there.</summary>
    Nothing,

    /// <summary>A card came into the field: <see cref="Mfrc522CardReader.Uid"/> is its UID.</summary>
    NewCard,

    /// <summary>The card reported last has left the field.</summary>
    Removed,

    /// <summary>The reader does not answer or the bus failed: <see cref="Mfrc522CardReader.Fault"/> says why.</summary>
    Fault,
}

/// <summary>
/// The card terminal's MFRC522 on SPI, through the dotnet/iot <see cref="MfRc522"/> binding (Iot.Device.Bindings 4.2.0):
/// one <see cref="Poll"/> looks for a card coming into the field or the present one leaving. Never throws.
/// </summary>
/// <remarks>
/// <para>
/// A card read is halted (HLTA) at once, so it is not read again while it lies on the reader; whether it is still there
/// is asked with WUPA (which a halted card answers, ISO/IEC 14443-3 §6.3) followed by HLTA, which sends it back to HALT.
/// </para>
/// <para>
/// Two things the binding leaves out, done here over the same SPI device (register access as in MFRC522 §8.1.2.3):
/// the binding leaves TModeReg.TAuto off, so a frame nobody answers ends only on its own 36 ms busy poll of ComIrqReg —
/// the reader sets a 2 ms response timer (TPrescaler A9h, TReload 80: (2·169+1)·81 / 13.56 MHz; a card answers an
/// ANTICOLLISION's 5 bytes within 0.6 ms, §6.2.1.1 and §7.1.1); and the binding's
/// SELECT gives up on a collision (two cards in the field), so the bit-oriented anticollision loop of §6.5.3 (choosing
/// the card with 1 at each colliding bit) is run here instead, cascade level by cascade level.
/// </para>
/// </remarks>
public sealed class Mfrc522CardReader : IDisposable
{
    private const byte CommandReg = 0x01;
    private const byte ComIrqReg = 0x04;
    private const byte ErrorReg = 0x06;
    private const byte FIFODataReg = 0x09;
    private const byte FIFOLevelReg = 0x0A;
    private const byte BitFramingReg = 0x0D;
    private const byte CollReg = 0x0E;
    private const byte TModeReg = 0x2A;
    private const byte TPrescalerReg = 0x2B;
    private const byte TReloadRegHi = 0x2C;
    private const byte TReloadRegLo = 0x2D;
    private const byte VersionReg = 0x37;
    private const byte Transceive = 0x0C;
    private const byte Idle = 0x00;

    private readonly SpiDevice _spi;
    private readonly MfRc522 _binding;
    private byte[]? _present;

    /// <param name="spi">The reader's SPI device (mode 0); owned by the caller.</param>
    /// <param name="resetPin">NRSTPD's GPIO, or -1 when it is tied high.</param>
    /// <param name="gpio">The controller of <paramref name="resetPin"/>; owned by the caller.</param>
    public Mfrc522CardReader(SpiDevice spi, int resetPin = -1, GpioController? gpio = null)
    {
        ArgumentNullException.ThrowIfNull(spi);
        _spi = spi;
        _binding = new MfRc522(spi, resetPin, gpio, shouldDispose: false);
        WriteRegister(TModeReg, 0x80);
        WriteRegister(TPrescalerReg, 0xA9);
        WriteRegister(TReloadRegHi, 0x00);
        WriteRegister(TReloadRegLo, 80);
    }

    /// <summary>The UID of the card of the last <see cref="CardPoll.NewCard"/>.</summary>
    public byte[]? Uid { get; private set; }

    /// <summary>Why the last poll was a <see cref="CardPoll.Fault"/>.</summary>
    public string? Fault { get; private set; }

    /// <summary>VersionReg: 91h or 92h for a genuine MFRC522 (§9.3.4.8); 00h or FFh when nothing answers on the bus.</summary>
    public byte Version => ReadRegister(VersionReg);

    public CardPoll Poll()
    {
        try
        {
            byte version = ReadRegister(VersionReg);
            if (version is 0x00 or 0xFF)
            {
                Fault = $"no MFRC522 answers (VersionReg {version:X2}h)";
                _present = null;
                return CardPoll.Fault;
            }

            Fault = null;
            if (_present is not null)
            {
                if (_binding.IsCardPresent(new byte[2], reselect: true))
                {
                    _binding.Halt();
                    return CardPoll.Nothing;
                }

                _present = null;
                return CardPoll.Removed;
            }

            if (_binding.ListenToCardIso14443TypeA(out Data106kbpsTypeA card, TimeSpan.Zero) && card.NfcId.Length is 4 or 7 or 10)
            {
                return Report(card.NfcId);
            }

            // The binding gives up on a collision: the cards that answered are READY; resolve one of them here.
            if (SelectOneByAnticollision() is { } uid)
            {
                return Report(uid);
            }

            return CardPoll.Nothing;
        }
#pragma warning disable CA1031 // a reader that fails is a fault state of the terminal, never an exception through its loop
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fault = $"{ex.GetType().Name}: {ex.Message}";
            _present = null;
            return CardPoll.Fault;
        }
    }

    public void Dispose() => _binding.Dispose();

    private CardPoll Report(byte[] uid)
    {
        _binding.Halt();
        _present = uid;
        Uid = uid;
        return CardPoll.NewCard;
    }

    /// <summary>
    /// ISO/IEC 14443-3 §6.5.3: per cascade level, ANTICOLLISION with the bits known so far (NVB), on a collision taking
    /// the colliding bit as 1 (CollReg.CollPos), until all 32 bits and the BCC are known; then SELECT. The cards the
    /// binding's REQA woke are woken again from level 1.
    /// </summary>
    private byte[]? SelectOneByAnticollision()
    {
        // The binding's SELECT may have stopped at any cascade level: a REQA sends those READY cards back to IDLE
        // (an unexpected frame, §6.3), and the next REQA wakes every IDLE card at level 1.
        byte[] atqa = new byte[2];
        if (!_binding.IsCardPresent(atqa) && !_binding.IsCardPresent(atqa))
        {
            return null;
        }

        var uid = new List<byte>(10);
        for (int level = 0; level < 3; level++)
        {
            byte select = (byte)(0x93 + (2 * level));
            byte[]? known = Anticollision(select);
            if (known is null || (known[0] ^ known[1] ^ known[2] ^ known[3]) != known[4])
            {
                return null;
            }

            byte[] frame = [select, 0x70, .. known, 0, 0];
            ushort crc = Iso14443Crc.CrcA(frame.AsSpan(0, 7));
            frame[7] = (byte)crc;
            frame[8] = (byte)(crc >> 8);
            if (Exchange(frame, 0, out byte[] answer, out _) is not false || answer.Length < 1)
            {
                return null;
            }

            if ((answer[0] & 0x04) != 0 && known[0] == 0x88)
            {
                uid.AddRange(known.AsSpan(1, 3));
                continue;
            }

            uid.AddRange(known.AsSpan(0, 4));
            return [.. uid];
        }

        return null;
    }

    /// <summary>One cascade level's UID CLn and BCC (5 bytes), or null when no card answers.</summary>
    private byte[]? Anticollision(byte select)
    {
        byte[] known = new byte[5];
        int knownBits = 0;
        for (int round = 0; round < 33; round++)
        {
            int bytes = knownBits / 8;
            int bits = knownBits % 8;
            byte[] frame = [select, (byte)(((2 + bytes) << 4) | bits), .. known.AsSpan(0, bytes + (bits > 0 ? 1 : 0))];
            bool? collision = Exchange(frame, bits, out byte[] answer, out int collPos);
            if (collision is null || answer.Length == 0)
            {
                return null;
            }

            // The answer's first bit was stored at bit RxAlign (= bits) of its first byte: it continues known[bytes].
            byte lowMask = (byte)((1 << bits) - 1);
            known[bytes] = (byte)((known[bytes] & lowMask) | (answer[0] & ~lowMask));
            for (int i = 1; i < answer.Length && bytes + i < known.Length; i++)
            {
                known[bytes + i] = answer[i];
            }

            if (collision is false)
            {
                return known;
            }

            // CollPos counts from the first bit of the FIFO's first byte: that bit is level bit bytes·8.
            int colliding = (bytes * 8) + collPos - 1;
            if (colliding < knownBits || colliding >= 40)
            {
                return null;
            }

            known[colliding / 8] |= (byte)(1 << (colliding % 8));
            knownBits = colliding + 1;
            for (int bit = knownBits; bit < 40; bit++)
            {
                known[bit / 8] &= (byte)~(1 << (bit % 8));
            }
        }

        return null;
    }

    /// <summary>A Transceive of <paramref name="frame"/>; null when nothing answered, else whether the answer collided.</summary>
    private bool? Exchange(byte[] frame, int lastBits, out byte[] answer, out int collPos)
    {
        answer = [];
        collPos = 0;
        WriteRegister(CommandReg, Idle);
        WriteRegister(ComIrqReg, 0x7F); // Set1 = 0: clears every IRq bit
        WriteRegister(FIFOLevelReg, 0x80); // FlushBuffer
        foreach (byte b in frame)
        {
            WriteRegister(FIFODataReg, b);
        }

        WriteRegister(CollReg, 0x00); // ValuesAfterColl = 0: bits after a collision read 0
        WriteRegister(BitFramingReg, (byte)((lastBits << 4) | lastBits));
        WriteRegister(CommandReg, Transceive);
        WriteRegister(BitFramingReg, (byte)(0x80 | (lastBits << 4) | lastBits));
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            byte irq = ReadRegister(ComIrqReg);
            if ((irq & 0x20) != 0)
            {
                break; // RxIRq
            }

            if ((irq & 0x01) != 0 || Stopwatch.GetElapsedTime(started) > TimeSpan.FromMilliseconds(40))
            {
                WriteRegister(CommandReg, Idle);
                return null; // TimerIRq: nobody answered
            }
        }

        WriteRegister(CommandReg, Idle);
        byte error = ReadRegister(ErrorReg);
        int count = ReadRegister(FIFOLevelReg) & 0x7F;
        answer = new byte[count];
        for (int i = 0; i < count; i++)
        {
            answer[i] = ReadRegister(FIFODataReg);
        }

        if ((error & 0x08) == 0)
        {
            return false;
        }

        byte coll = ReadRegister(CollReg);
        if ((coll & 0x20) != 0)
        {
            return null; // CollPosNotValid: the collision is beyond what CollPos can say
        }

        collPos = coll & 0x1F;
        if (collPos == 0)
        {
            collPos = 32;
        }

        return true;
    }

    private void WriteRegister(byte register, byte value)
    {
        Span<byte> buffer = [(byte)(register << 1), value];
        _spi.TransferFullDuplex(buffer, buffer);
    }

    private byte ReadRegister(byte register)
    {
        Span<byte> buffer = [(byte)(0x80 | (register << 1)), 0];
        _spi.TransferFullDuplex(buffer, buffer);
        return buffer[1];
    }
}
