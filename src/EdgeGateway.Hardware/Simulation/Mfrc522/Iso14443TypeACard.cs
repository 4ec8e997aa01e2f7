namespace EdgeGateway.Hardware.Simulation.Mfrc522;

/// <summary>
/// A proximity card of ISO/IEC 14443-3 type A as the MFRC522's field sees it: its UID (4, 7 or 10 bytes), its ATQA and
/// the state machine of §6.3 (Figure 7): POWER-OFF → IDLE on entering the field; REQA or WUPA → READY (ATQA); the
/// anticollision and SELECT of each cascade level; ACTIVE after the last level's SELECT (SAK without the cascade bit);
/// HLTA in ACTIVE → HALT; WUPA in HALT → READY*. Any other frame sends a card back to IDLE (HALT for one that came from
/// HALT), silently.
/// </summary>
public sealed class Iso14443TypeACard
{
    /// <summary>The cascade tag (ISO/IEC 14443-3 §6.5.4): first byte of a cascade level that is not the last.</summary>
    public const byte CascadeTag = 0x88;

    private readonly byte[][] _levels;
    private CardState _state = CardState.Idle;
    private int _level;

    /// <param name="uid">4, 7 or 10 bytes.</param>
    /// <param name="sak">The SAK of the last cascade level (0x08: MIFARE Classic 1K).</param>
    public Iso14443TypeACard(ReadOnlySpan<byte> uid, byte sak = 0x08)
    {
        if (uid.Length is not (4 or 7 or 10))
        {
            throw new ArgumentException("A type A UID has 4, 7 or 10 bytes (ISO/IEC 14443-3 §6.5.4).", nameof(uid));
        }

        Uid = uid.ToArray();
        Sak = (byte)(sak & ~0x04);

        // §6.5.4, Table 7: a double- or triple-size UID starts each level but the last with the cascade tag.
        _levels = uid.Length switch
        {
            4 => [Level(uid[..4])],
            7 => [Level([CascadeTag, .. uid[..3]]), Level(uid[3..7])],
            _ => [Level([CascadeTag, .. uid[..3]]), Level([CascadeTag, .. uid[3..6]]), Level(uid[6..10])],
        };

        // §6.3.2, Table 3: ATQA bits 8-7 give the UID size (00 single, 01 double, 10 triple); bit 5 (bit frame anticollision) set.
        Atqa = (ushort)(0x0004 | (uid.Length switch { 4 => 0, 7 => 1, _ => 2 }) << 6);
    }

    public byte[] Uid { get; }

    public byte Sak { get; }

    public ushort Atqa { get; }

    /// <summary>The UID as a hex string (upper case, no separators): what the card list carries.</summary>
    public string UidHex => Convert.ToHexString(Uid);

    internal CardState State => _state;

    /// <summary>A card that leaves the field (or whose field is switched off) loses its power and its state.</summary>
    internal void PowerOff() => _state = CardState.Idle;

    /// <summary>The 40 bits of the current cascade level: UID CLn (4 bytes) and BCC.</summary>
    internal ReadOnlySpan<byte> CurrentLevel => _levels[_level];

    internal bool Responds => _state is CardState.Ready or CardState.ReadyStar;

    /// <summary>REQA (only an IDLE card answers) or WUPA (IDLE and HALT cards answer): true when it sends its ATQA.</summary>
    internal bool Request(bool wakeUp)
    {
        switch (_state)
        {
            case CardState.Idle:
                _state = CardState.Ready;
                _level = 0;
                return true;
            case CardState.Halt when wakeUp:
                _state = CardState.ReadyStar;
                _level = 0;
                return true;
            default:
                Unexpected();
                return false;
        }
    }

    /// <summary>An ANTICOLLISION frame of cascade level <paramref name="select"/>: whether the card's level matches the <paramref name="knownBits"/> sent.</summary>
    internal bool MatchesKnownBits(byte select, ReadOnlySpan<byte> known, int knownBits)
    {
        if (!Responds || select != SelectCode(_level))
        {
            Unexpected();
            return false;
        }

        ReadOnlySpan<byte> level = CurrentLevel;
        for (int bit = 0; bit < knownBits; bit++)
        {
            if (((known[bit / 8] >> (bit % 8)) & 1) != ((level[bit / 8] >> (bit % 8)) & 1))
            {
                // §6.5.3.3: a card whose UID does not match the bits sent stays silent (and READY).
                return false;
            }
        }

        return true;
    }

    /// <summary>A SELECT of the level (all 40 bits, CRC already checked): the SAK, or null when it is not this card.</summary>
    internal byte? Select(byte select, ReadOnlySpan<byte> levelBytes)
    {
        if (!Responds || select != SelectCode(_level))
        {
            Unexpected();
            return null;
        }

        if (!levelBytes.SequenceEqual(CurrentLevel))
        {
            // §6.5.3.3: a card not selected stays READY, silent.
            return null;
        }

        if (_level < _levels.Length - 1)
        {
            _level++;
            return 0x04; // SAK with the cascade bit (bit 3): the UID is not complete (§6.5.3.4, Table 8)
        }

        _state = _state == CardState.ReadyStar ? CardState.ActiveStar : CardState.Active;
        return Sak;
    }

    /// <summary>HLTA: an ACTIVE card goes to HALT and never answers it (§6.4.3).</summary>
    internal void Halt()
    {
        if (_state is CardState.Active or CardState.ActiveStar)
        {
            _state = CardState.Halt;
        }
        else
        {
            Unexpected();
        }
    }

    /// <summary>Any frame the state does not expect: back to IDLE, or to HALT for a card woken from HALT (§6.3, Figure 7).</summary>
    internal void Unexpected()
    {
        _state = _state switch
        {
            CardState.ReadyStar or CardState.ActiveStar or CardState.Halt => CardState.Halt,
            _ => CardState.Idle,
        };
    }

    internal static byte SelectCode(int level) => (byte)(0x93 + (2 * level));

    private static byte[] Level(ReadOnlySpan<byte> four) => [.. four, (byte)(four[0] ^ four[1] ^ four[2] ^ four[3])];
}

/// <summary>ISO/IEC 14443-3 §6.3 card states (POWER-OFF is a card out of the field).</summary>
internal enum CardState
{
    Idle,
    Ready,
    Active,
    Halt,
    ReadyStar,
    ActiveStar,
}
