namespace EdgeGateway.Hardware.Simulation.Mfrc522;

/// <summary>The MFRC522's registers the simulator models, by their datasheet names (NXP MFRC522 rev. 3.9, §9.2, Table 20).</summary>
public enum Mfrc522Register : byte
{
    CommandReg = 0x01,
    ComIEnReg = 0x02,
    DivIEnReg = 0x03,
    ComIrqReg = 0x04,
    DivIrqReg = 0x05,
    ErrorReg = 0x06,
    Status1Reg = 0x07,
    Status2Reg = 0x08,
    FIFODataReg = 0x09,
    FIFOLevelReg = 0x0A,
    WaterLevelReg = 0x0B,
    ControlReg = 0x0C,
    BitFramingReg = 0x0D,
    CollReg = 0x0E,
    ModeReg = 0x11,
    TxModeReg = 0x12,
    RxModeReg = 0x13,
    TxControlReg = 0x14,
    TxASKReg = 0x15,
    CRCResultRegMsb = 0x21,
    CRCResultRegLsb = 0x22,
    RFCfgReg = 0x26,
    TModeReg = 0x2A,
    TPrescalerReg = 0x2B,
    TReloadRegHi = 0x2C,
    TReloadRegLo = 0x2D,
    VersionReg = 0x37,
}

/// <summary>CommandReg's Command[3:0] (§10.3, Table 149).</summary>
public enum Mfrc522Command : byte
{
    Idle = 0x0,
    Mem = 0x1,
    GenerateRandomID = 0x2,
    CalcCRC = 0x3,
    Transmit = 0x4,
    NoCmdChange = 0x7,
    Receive = 0x8,
    Transceive = 0xC,
    MFAuthent = 0xE,
    SoftReset = 0xF,
}

/// <summary>ComIrqReg bits (§9.3.1.5).</summary>
[Flags]
public enum ComIrq : byte
{
    None = 0,
    TimerIRq = 0x01,
    ErrIRq = 0x02,
    LoAlertIRq = 0x04,
    HiAlertIRq = 0x08,
    IdleIRq = 0x10,
    RxIRq = 0x20,
    TxIRq = 0x40,
    Set1 = 0x80,
}

/// <summary>ErrorReg bits (§9.3.1.7).</summary>
[Flags]
public enum Mfrc522Error : byte
{
    None = 0,
    ProtocolErr = 0x01,
    ParityErr = 0x02,
    CRCErr = 0x04,
    CollErr = 0x08,
    BufferOvfl = 0x10,
    TempErr = 0x40,
    WrErr = 0x80,
}
