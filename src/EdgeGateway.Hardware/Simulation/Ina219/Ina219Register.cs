namespace EdgeGateway.Hardware.Simulation.Ina219;

/// <summary>The INA219's register pointer addresses (datasheet SBOS448G, section 8.6.1, Table 2).</summary>
internal enum Ina219Register : byte
{
    /// <summary>00h, R/W, POR 399Fh: RST, BRNG, PG1..0, BADC4..1, SADC4..1, MODE3..1.</summary>
    Configuration = 0x00,

    /// <summary>01h, R: shunt voltage, two's complement, LSB 10 µV.</summary>
    ShuntVoltage = 0x01,

    /// <summary>02h, R: BD12..BD0 in bits 15..3 (LSB 4 mV), CNVR bit 1, OVF bit 0.</summary>
    BusVoltage = 0x02,

    /// <summary>03h, R, POR 0000h: Current × BusVoltage / 5000.</summary>
    Power = 0x03,

    /// <summary>04h, R, POR 0000h: ShuntVoltage × Calibration / 4096.</summary>
    Current = 0x04,

    /// <summary>05h, R/W, POR 0000h: FS15..FS1; bit 0 is void and reads 0.</summary>
    Calibration = 0x05,
}
