namespace EdgeGateway.Hardware.Metering.Hlw8032;

/// <summary>
/// The registers of an HLW8032 frame, by their offset in the 24 bytes the IC sends (HLW8032 datasheet, "UART
/// interface": the register names are the datasheet's). The 24-bit registers travel most significant byte first.
/// </summary>
public enum Hlw8032Register : byte
{
    /// <summary>State REG: 0x55 normal, 0xAA calibration data unusable, 0xFx with the <see cref="Hlw8032State"/> bits.</summary>
    StateReg = 0,

    /// <summary>Check REG: always 0x5A, what a receiver synchronises on.</summary>
    CheckReg = 1,

    /// <summary>Voltage parameter REG: the factory calibration of the voltage channel (24 bit).</summary>
    VoltageParameterReg = 2,

    /// <summary>Voltage REG: the period of the voltage channel's internal pulses; V = Vparam / Vreg × Kv.</summary>
    VoltageReg = 5,

    /// <summary>Current parameter REG: the factory calibration of the current channel (24 bit).</summary>
    CurrentParameterReg = 8,

    /// <summary>Current REG: the period of the current channel's internal pulses; I = Iparam / Ireg × Ki.</summary>
    CurrentReg = 11,

    /// <summary>Power parameter REG: the factory calibration of the power channel (24 bit).</summary>
    PowerParameterReg = 14,

    /// <summary>Power REG: the period of the PF pulses; P = Pparam / Preg × Kv × Ki.</summary>
    PowerReg = 17,

    /// <summary>Data Update REG: which registers this frame refreshed, and the PF REG's overflow bit (<see cref="Hlw8032DataUpdate"/>).</summary>
    DataUpdateReg = 20,

    /// <summary>PF REG: the 16-bit count of PF (active-energy) pulses.</summary>
    PfReg = 21,

    /// <summary>CheckSum REG: the low byte of the sum of bytes 2 to 22.</summary>
    CheckSumReg = 23,
}

/// <summary>The low bits of a State REG of the form 0xFx (the high nibble all ones).</summary>
[Flags]
public enum Hlw8032State : byte
{
    None = 0,

    /// <summary>Bit 0: the voltage, current and power parameter REGs (the calibration) are unusable.</summary>
    ParameterRegsUnusable = 1 << 0,

    /// <summary>Bit 1: the Power REG overflowed: the power is below the IC's range (no load).</summary>
    PowerRegOverflow = 1 << 1,

    /// <summary>Bit 2: the Current REG overflowed: the current is below the IC's range.</summary>
    CurrentRegOverflow = 1 << 2,

    /// <summary>Bit 3: the Voltage REG overflowed: the voltage is below the IC's range.</summary>
    VoltageRegOverflow = 1 << 3,
}

/// <summary>The bits of the Data Update REG.</summary>
[Flags]
public enum Hlw8032DataUpdate : byte
{
    None = 0,

    /// <summary>Bit 4: the Power REG holds a period completed since the last frame.</summary>
    PowerRegUpdated = 1 << 4,

    /// <summary>Bit 5: the Current REG holds a period completed since the last frame.</summary>
    CurrentRegUpdated = 1 << 5,

    /// <summary>Bit 6: the Voltage REG holds a period completed since the last frame.</summary>
    VoltageRegUpdated = 1 << 6,

    /// <summary>Bit 7: toggles each time the 16-bit PF REG overflows (the count's seventeenth bit).</summary>
    PfRegOverflow = 1 << 7,
}
