using System.Device.Spi;
using static EdgeGateway.Hardware.CardTerminal.Iso14443Crc;

namespace EdgeGateway.Hardware.Simulation.Mfrc522;

/// <summary>
/// An NXP MFRC522 contactless reader IC on SPI, simulated at its registers (datasheet rev. 3.9), with the ISO/IEC 14443-3
/// type A cards in its field behind it (<see cref="Place"/>, <see cref="Remove"/>).
/// </summary>
/// <remarks>
/// <para>
/// SPI (§8.1.2): one transfer is one NSS-low period. Every MOSI byte is an address byte (§8.1.2.3, Table 8: bit 7 = 1
/// reads, bits 6-1 the register, bit 0 = 0) until the first one says write; after a write's address byte, every further
/// byte is data written to that register (§8.1.2.2, Table 7). During a read, MISO carries the data of the previous
/// address byte (§8.1.2.1, Table 6): the first MISO byte is undefined (0 here), the last MOSI byte (00h) only clocks the
/// last data out.
/// </para>
/// <para>
/// Commands (§10.3): Idle, CalcCRC (the FIFO's bytes through the CRC_A coprocessor with ModeReg's CRCPreset; CRCIRq),
/// Transceive (transmission starts on BitFramingReg.StartSend; the FIFO is sent with TxLastBits valid bits in its last
/// byte; the answer is stored from bit RxAlign of the first FIFO byte; TxIRq, then RxIRq or nothing), SoftReset
/// (registers to their reset values). ComIrqReg/DivIrqReg writes set (Set1/Set2 = 1) or clear (= 0) the bits marked
/// 1; FIFOLevelReg.FlushBuffer empties the FIFO (64 bytes; a 65th sets BufferOvfl). A collision (two cards answering
/// different bits) sets ErrorReg.CollErr and CollReg.CollPos (1-32 counted from the first bit stored, 0 for the 32nd),
/// and with CollReg.ValuesAfterColl = 0 clears every bit from the collision on.
/// </para>
/// <para>
/// The timer (§8.5) runs only with TModeReg.TAuto: started at the end of a transmission, it sets TimerIRq after
/// (TPrescaler·2+1)·(TReload+1)/13.56 MHz on <see cref="TimeProvider"/> time when no card answered. Without TAuto (what
/// the Iot.Device binding leaves it at) nothing ends a wait for an answer that never comes but the caller's own timeout.
/// </para>
/// <para>Not modelled: MIFARE authentication and Crypto1, the RF analogue settings, the waterlevel IRQs, power-down.</para>
/// </remarks>
public sealed class SimulatedMfrc522 : SpiDevice
{
    /// <summary>VersionReg of an MFRC522 version 2.0 (§9.3.4.8).</summary>
    public const byte Version20 = 0x92;

    private const int FifoSize = 64;
    private const double TimerClockHz = 13_560_000;

    private readonly Lock _gate = new();
    private readonly SpiConnectionSettings _settings;
    private readonly TimeProvider _time;
    private readonly byte[] _registers = new byte[64];
    private readonly Queue<byte> _fifo = new();
    private readonly List<Iso14443TypeACard> _field = [];
    private long _timerStarted = -1;

    public SimulatedMfrc522(SpiConnectionSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // §8.1.2: SPI mode 0 only (data latched on the rising edge, clock idle low); up to 10 Mbit/s.
        if (settings.Mode != SpiMode.Mode0)
        {
            throw new ArgumentException("The MFRC522 talks SPI mode 0 only (§8.1.2).", nameof(settings));
        }

        _settings = settings;
        _time = time ?? TimeProvider.System;
        Reset();
    }

    public override SpiConnectionSettings ConnectionSettings => new(_settings.BusId, _settings.ChipSelectLine)
    {
        ClockFrequency = _settings.ClockFrequency,
        Mode = _settings.Mode,
        DataBitLength = _settings.DataBitLength,
    };

    /// <summary>The cards in the field now.</summary>
    public IReadOnlyList<Iso14443TypeACard> Field
    {
        get
        {
            lock (_gate)
            {
                return [.. _field];
            }
        }
    }

    /// <summary>How many frames were transmitted to the field (a poll with no card counts too).</summary>
    public int FramesSent { get; private set; }

    /// <summary>Brings a card into the field: it powers up in IDLE.</summary>
    public void Place(Iso14443TypeACard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        lock (_gate)
        {
            if (!_field.Contains(card))
            {
                card.PowerOff();
                _field.Add(card);
            }
        }
    }

    /// <summary>Takes a card out of the field: it loses its power and its state.</summary>
    public void Remove(Iso14443TypeACard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        lock (_gate)
        {
            _field.Remove(card);
            card.PowerOff();
        }
    }

    /// <summary>Takes every card out of the field.</summary>
    public void RemoveAll()
    {
        lock (_gate)
        {
            foreach (Iso14443TypeACard card in _field)
            {
                card.PowerOff();
            }

            _field.Clear();
        }
    }

    public override void Read(Span<byte> buffer) => TransferFullDuplex(new byte[buffer.Length], buffer);

    public override void Write(ReadOnlySpan<byte> buffer) => TransferFullDuplex(buffer, new byte[buffer.Length]);

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        using SimulatorCpu.Scope simulating = SimulatorCpu.Enter(); // the simulator's own CPU (SimulatorCpu)
        if (readBuffer.Length != writeBuffer.Length)
        {
            throw new ArgumentException("Full duplex transfers have equal lengths.", nameof(readBuffer));
        }

        // The binding passes one buffer as both: MOSI is taken whole before MISO is written.
        byte[] mosi = writeBuffer.ToArray();
        lock (_gate)
        {
            if (mosi.Length == 0)
            {
                return;
            }

            // The address byte of §8.1.2.3: bit 7 read, bits 6-1 the register.
            byte first = mosi[0];
            readBuffer.Clear();
            if ((first & 0x80) == 0)
            {
                int register = (first >> 1) & 0x3F;
                for (int i = 1; i < mosi.Length; i++)
                {
                    WriteRegister(register, mosi[i]);
                }

                return;
            }

            for (int i = 1; i < mosi.Length; i++)
            {
                readBuffer[i] = ReadRegister((mosi[i - 1] >> 1) & 0x3F);
            }
        }
    }

    private byte ReadRegister(int register)
    {
        switch ((Mfrc522Register)register)
        {
            case Mfrc522Register.FIFODataReg:
                return _fifo.Count > 0 ? _fifo.Dequeue() : (byte)0;
            case Mfrc522Register.FIFOLevelReg:
                return (byte)_fifo.Count;
            case Mfrc522Register.ComIrqReg:
                RunTimer();
                return _registers[register];
            case Mfrc522Register.Status1Reg:
                // §9.3.1.8: CRCReady (bit 5) once a CRC is done, TRunning (bit 3) while the timer runs.
                return (byte)(0x21 | (_timerStarted >= 0 ? 0x08 : 0));
            default:
                return _registers[register];
        }
    }

    private void WriteRegister(int register, byte value)
    {
        switch ((Mfrc522Register)register)
        {
            case Mfrc522Register.CommandReg:
                _registers[register] = (byte)((_registers[register] & 0xF0) | (value & 0x30));
                Execute((Mfrc522Command)(value & 0x0F));
                return;
            case Mfrc522Register.ComIrqReg:
                // §9.3.1.5: Set1 = 1 sets the bits marked 1, Set1 = 0 clears them.
                _registers[register] = (value & 0x80) != 0
                    ? (byte)(_registers[register] | (value & 0x7F))
                    : (byte)(_registers[register] & ~(value & 0x7F));
                return;
            case Mfrc522Register.DivIrqReg:
                // §9.3.1.6: Set2 likewise for MfinActIRq (bit 4) and CRCIRq (bit 2).
                _registers[register] = (value & 0x80) != 0
                    ? (byte)(_registers[register] | (value & 0x14))
                    : (byte)(_registers[register] & ~(value & 0x14));
                return;
            case Mfrc522Register.FIFODataReg:
                if (_fifo.Count < FifoSize)
                {
                    _fifo.Enqueue(value);
                }
                else
                {
                    _registers[(int)Mfrc522Register.ErrorReg] |= (byte)Mfrc522Error.BufferOvfl;
                }

                return;
            case Mfrc522Register.FIFOLevelReg:
                if ((value & 0x80) != 0)
                {
                    // §9.3.1.11: FlushBuffer empties the FIFO and clears BufferOvfl.
                    _fifo.Clear();
                    _registers[(int)Mfrc522Register.ErrorReg] &= unchecked((byte)~Mfrc522Error.BufferOvfl);
                }

                return;
            case Mfrc522Register.ErrorReg or Mfrc522Register.Status1Reg or Mfrc522Register.ControlReg
                or Mfrc522Register.CRCResultRegMsb or Mfrc522Register.CRCResultRegLsb or Mfrc522Register.VersionReg:
                return; // read-only
            case Mfrc522Register.Status2Reg:
                // §9.3.1.9: only MFCrypto1On (bit 3, cleared by software only), I2CForceHS and TempSensClear are writable.
                _registers[register] = (byte)((_registers[register] & 0x07) | (value & 0xC0) | (_registers[register] & value & 0x08));
                return;
            case Mfrc522Register.CollReg:
                _registers[register] = (byte)((_registers[register] & 0x3F) | (value & 0x80));
                return;
            case Mfrc522Register.BitFramingReg:
                _registers[register] = (byte)(value & 0x77);
                if ((value & 0x80) != 0 && CurrentCommand == Mfrc522Command.Transceive)
                {
                    Transceive();
                }

                return;
            case Mfrc522Register.TxControlReg:
                _registers[register] = value;
                if ((value & 0x03) == 0)
                {
                    // No carrier: every card in the field loses its power.
                    foreach (Iso14443TypeACard card in _field)
                    {
                        card.PowerOff();
                    }
                }

                return;
            default:
                _registers[register] = value;
                return;
        }
    }

    private Mfrc522Command CurrentCommand => (Mfrc522Command)(_registers[(int)Mfrc522Register.CommandReg] & 0x0F);

    private void SetCommand(Mfrc522Command command) =>
        _registers[(int)Mfrc522Register.CommandReg] = (byte)((_registers[(int)Mfrc522Register.CommandReg] & 0xF0) | (byte)command);

    private void Execute(Mfrc522Command command)
    {
        switch (command)
        {
            case Mfrc522Command.Idle:
                _timerStarted = -1;
                SetCommand(Mfrc522Command.Idle);
                return;
            case Mfrc522Command.CalcCRC:
                // §10.3.1.4: the FIFO's content goes through the coprocessor; the command stays active until Idle.
                ushort crc = CrcA([.. _fifo], Preset());
                _fifo.Clear();
                _registers[(int)Mfrc522Register.CRCResultRegLsb] = (byte)crc;
                _registers[(int)Mfrc522Register.CRCResultRegMsb] = (byte)(crc >> 8);
                _registers[(int)Mfrc522Register.DivIrqReg] |= 0x04;
                SetCommand(Mfrc522Command.CalcCRC);
                return;
            case Mfrc522Command.Transceive:
                SetCommand(Mfrc522Command.Transceive);
                return;
            case Mfrc522Command.SoftReset:
                Reset();
                return;
            case Mfrc522Command.NoCmdChange:
                return;
            default:
                // Mem, GenerateRandomID, Transmit, Receive, MFAuthent: not modelled; the chip ends them at once.
                _registers[(int)Mfrc522Register.ComIrqReg] |= (byte)ComIrq.IdleIRq;
                SetCommand(Mfrc522Command.Idle);
                return;
        }
    }

    /// <summary>ModeReg.CRCPreset (§9.3.2.2): 00 → 0000h, 01 → 6363h, 10 → A671h, 11 → FFFFh.</summary>
    private ushort Preset() => (_registers[(int)Mfrc522Register.ModeReg] & 0x03) switch
    {
        0 => 0x0000,
        1 => 0x6363,
        2 => 0xA671,
        _ => 0xFFFF,
    };

    private void Transceive()
    {
        FramesSent++;
        byte[] frame = [.. _fifo];
        _fifo.Clear();
        int txLastBits = _registers[(int)Mfrc522Register.BitFramingReg] & 0x07;
        int rxAlign = (_registers[(int)Mfrc522Register.BitFramingReg] >> 4) & 0x07;
        ref byte error = ref _registers[(int)Mfrc522Register.ErrorReg];
        error &= unchecked((byte)~(Mfrc522Error.CollErr | Mfrc522Error.ParityErr | Mfrc522Error.ProtocolErr | Mfrc522Error.CRCErr));
        _registers[(int)Mfrc522Register.CollReg] = (byte)((_registers[(int)Mfrc522Register.CollReg] & 0x80) | 0x20);
        _registers[(int)Mfrc522Register.ComIrqReg] |= (byte)ComIrq.TxIRq;
        _registers[(int)Mfrc522Register.BitFramingReg] &= 0x7F;

        bool carrier = (_registers[(int)Mfrc522Register.TxControlReg] & 0x03) != 0;
        List<(ulong Bits, int Count)> answers = carrier && frame.Length > 0 ? Exchange(frame, txLastBits) : [];
        if (answers.Count == 0)
        {
            // No answer: only the timer (with TAuto) ends the wait (§8.5).
            _timerStarted = (_registers[(int)Mfrc522Register.TModeReg] & 0x80) != 0 ? _time.GetTimestamp() : -1;
            return;
        }

        Receive(answers, rxAlign);
    }

    /// <summary>What every card in the field answers to <paramref name="frame"/>, each as its bits (LSB first) and their count.</summary>
    private List<(ulong Bits, int Count)> Exchange(byte[] frame, int txLastBits)
    {
        var answers = new List<(ulong, int)>();

        // A short frame (§6.1.5.1): 7 bits, REQA 26h or WUPA 52h.
        if (frame.Length == 1 && txLastBits == 7)
        {
            byte command = (byte)(frame[0] & 0x7F);
            foreach (Iso14443TypeACard card in _field)
            {
                if ((command == 0x26 || command == 0x52) && card.Request(wakeUp: command == 0x52))
                {
                    answers.Add((card.Atqa, 16));
                }
                else if (command is not (0x26 or 0x52))
                {
                    card.Unexpected();
                }
            }

            return answers;
        }

        byte code = frame[0];
        if (code is 0x93 or 0x95 or 0x97 && frame.Length >= 2)
        {
            int nvb = frame[1];
            if (nvb == 0x70 && frame.Length == 9 && txLastBits == 0)
            {
                if (CrcA(frame.AsSpan(0, 7), Preset()) != (frame[7] | (frame[8] << 8)))
                {
                    return answers; // a frame with a wrong CRC is ignored (§6.2.4)
                }

                foreach (Iso14443TypeACard card in _field)
                {
                    if (card.Select(code, frame.AsSpan(2, 5)) is { } sak)
                    {
                        ushort crc = CrcA([sak], Preset());
                        answers.Add((sak | ((ulong)crc << 8), 24));
                    }
                }

                return answers;
            }

            // ANTICOLLISION (§6.5.3.2): NVB's upper nibble counts whole bytes sent (SEL and NVB included), the lower the bits.
            int knownBits = (((nvb >> 4) - 2) * 8) + (nvb & 0x0F);
            int sentBits = ((frame.Length - 2) * 8) - (txLastBits == 0 ? 0 : 8 - txLastBits);
            if (knownBits < 0 || knownBits > 32 || knownBits != sentBits)
            {
                foreach (Iso14443TypeACard card in _field)
                {
                    card.Unexpected();
                }

                return answers;
            }

            foreach (Iso14443TypeACard card in _field)
            {
                if (card.MatchesKnownBits(code, frame.AsSpan(2), knownBits))
                {
                    ReadOnlySpan<byte> level = card.CurrentLevel;
                    ulong all = 0;
                    for (int i = 0; i < 5; i++)
                    {
                        all |= (ulong)level[i] << (8 * i);
                    }

                    answers.Add((all >> knownBits, 40 - knownBits));
                }
            }

            return answers;
        }

        // HLTA 50h 00h + CRC (§6.4.3): never answered.
        if (code == 0x50 && frame.Length == 4 && frame[1] == 0 && CrcA(frame.AsSpan(0, 2), Preset()) == (frame[2] | (frame[3] << 8)))
        {
            foreach (Iso14443TypeACard card in _field)
            {
                card.Halt();
            }

            return answers;
        }

        foreach (Iso14443TypeACard card in _field)
        {
            card.Unexpected();
        }

        return answers;
    }

    /// <summary>
    /// Stores the answer in the FIFO from bit RxAlign on. Cards answering at once are heard as their wired sum: the first
    /// bit where they differ is a collision (§9.3.1.15 CollReg).
    /// </summary>
    private void Receive(List<(ulong Bits, int Count)> answers, int rxAlign)
    {
        int count = answers.Max(a => a.Count);
        ulong combined = 0;
        int collision = -1;
        for (int bit = 0; bit < count; bit++)
        {
            bool one = false;
            bool zero = false;
            foreach ((ulong bits, int n) in answers)
            {
                if (bit < n)
                {
                    if (((bits >> bit) & 1) != 0)
                    {
                        one = true;
                    }
                    else
                    {
                        zero = true;
                    }
                }
            }

            if (one && zero && collision < 0)
            {
                collision = bit;
            }

            bool valuesAfterColl = (_registers[(int)Mfrc522Register.CollReg] & 0x80) != 0;
            if (one && (collision < 0 || valuesAfterColl))
            {
                combined |= 1UL << bit;
            }
        }

        int total = rxAlign + count;
        ulong stored = combined << rxAlign;
        for (int i = 0; i < (total + 7) / 8; i++)
        {
            _fifo.Enqueue((byte)(stored >> (8 * i)));
        }

        _registers[(int)Mfrc522Register.ControlReg] = (byte)((_registers[(int)Mfrc522Register.ControlReg] & 0xF8) | (total % 8));
        if (collision >= 0)
        {
            int position = rxAlign + collision + 1;
            _registers[(int)Mfrc522Register.ErrorReg] |= (byte)Mfrc522Error.CollErr;
            // CollPos 1-31, 0 for the 32nd bit; a later one only sets CollPosNotValid (§9.3.1.15).
            _registers[(int)Mfrc522Register.CollReg] = (byte)((_registers[(int)Mfrc522Register.CollReg] & 0x80) | position switch
            {
                < 32 => position,
                32 => 0,
                _ => 0x20,
            });
            _registers[(int)Mfrc522Register.ComIrqReg] |= (byte)ComIrq.ErrIRq;
        }

        _registers[(int)Mfrc522Register.ComIrqReg] |= (byte)ComIrq.RxIRq;
        _timerStarted = -1;
    }

    private void RunTimer()
    {
        if (_timerStarted < 0)
        {
            return;
        }

        int prescaler = ((_registers[(int)Mfrc522Register.TModeReg] & 0x0F) << 8) | _registers[(int)Mfrc522Register.TPrescalerReg];
        int reload = (_registers[(int)Mfrc522Register.TReloadRegHi] << 8) | _registers[(int)Mfrc522Register.TReloadRegLo];
        var period = TimeSpan.FromSeconds(((2.0 * prescaler) + 1) * (reload + 1) / TimerClockHz);
        if (_time.GetElapsedTime(_timerStarted) >= period)
        {
            _registers[(int)Mfrc522Register.ComIrqReg] |= (byte)ComIrq.TimerIRq;
            _timerStarted = -1;
        }
    }

    /// <summary>The reset values of §9.2 Table 20 (and §9.3's register descriptions).</summary>
    private void Reset()
    {
        Array.Clear(_registers);
        _fifo.Clear();
        _timerStarted = -1;
        _registers[(int)Mfrc522Register.CommandReg] = 0x20;
        _registers[(int)Mfrc522Register.ComIEnReg] = 0x80;
        _registers[(int)Mfrc522Register.ComIrqReg] = 0x14;
        _registers[(int)Mfrc522Register.WaterLevelReg] = 0x08;
        _registers[(int)Mfrc522Register.ControlReg] = 0x10;
        _registers[(int)Mfrc522Register.CollReg] = 0xA0;
        _registers[(int)Mfrc522Register.ModeReg] = 0x3F;
        _registers[(int)Mfrc522Register.TxControlReg] = 0x80;
        _registers[(int)Mfrc522Register.CRCResultRegMsb] = 0xFF;
        _registers[(int)Mfrc522Register.CRCResultRegLsb] = 0xFF;
        _registers[(int)Mfrc522Register.RFCfgReg] = 0x48;
        _registers[(int)Mfrc522Register.VersionReg] = Version20;
        foreach (Iso14443TypeACard card in _field)
        {
            card.PowerOff();
        }
    }
}
