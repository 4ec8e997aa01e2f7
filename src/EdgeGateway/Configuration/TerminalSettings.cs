namespace EdgeGateway.Configuration;

/// <summary>
/// The shed's card terminal (site key <c>terminal:</c>, optional): an MFRC522 reader on SPI, a 4×4 keypad on GPIO and a
/// character LCD on a PCF8574 I2C backpack on the main I2C bus; and the rules of card sessions.
/// </summary>
public sealed record TerminalSettings(CardReaderDefinition Reader, KeypadDefinition Keypad, LcdDefinition Lcd, int Line)
{
    /// <summary>The most one card session may reserve (fen); null: the card's whole available balance.</summary>
    public long? MaxAmountFen { get; init; }

    /// <summary>Whether one card may pay for two running sessions at once (off: "card in use").</summary>
    public bool AllowConcurrentSessions { get; init; }
}

/// <summary>The MFRC522 on /dev/spidevB.C (SPI mode 0), with its NRSTPD on a GPIO or tied high.</summary>
public sealed record CardReaderDefinition(int SpiBus, int ChipSelect, int? ResetGpio, int ClockHz);

/// <summary>The key matrix: row lines (driven) and column lines (read, pulled down), BCM numbering.</summary>
public sealed record KeypadDefinition(IReadOnlyList<int> RowGpios, IReadOnlyList<int> ColumnGpios);

/// <summary>The LCD's backpack address on the main I2C bus and the module's size.</summary>
public sealed record LcdDefinition(int Address, int Columns, int Rows);
