namespace EdgeGateway.Hardware.Simulation.Vl53L0X;

/// <summary>
/// The VL53L0X register indexes the simulation gives a meaning to. ST publishes no register map for the VL53L0X:
/// the names are those of ST's API (STSW-IMG005, <c>vl53l0x_device.h</c>), which the dotnet/iot binding mirrors; the
/// identification values are from the datasheet's reference registers (DS11555). Every other index is plain storage.
/// </summary>
/// <remarks>
/// Register 0xFF selects a register page. These indexes are on page 0 unless their summary says otherwise; the
/// API's private sequences on pages 1, 6 and 7 (stop variable, NVM read-out) are listed at the end.
/// </remarks>
internal enum Vl53L0XRegister : byte
{
    /// <summary>00h: bit 0 start/stop (self-clears once the ranging is under way); 02h back-to-back, 04h timed; 00h stops.</summary>
    SysRangeStart = 0x00,

    /// <summary>01h: sequence steps, bit 0 VHV, 1 phase calibration, 2 MSRC, 3 DSS, 4 TCC, 6 pre-range, 7 final range.</summary>
    SystemSequenceConfig = 0x01,

    /// <summary>04h-07h: inter-measurement period of the timed mode, in OSC_CALIBRATE_VAL ticks.</summary>
    SystemIntermeasurementPeriod = 0x04,

    /// <summary>09h: bit 0 enables the fractional (11.2 fixed point) range.</summary>
    SystemRangeConfig = 0x09,

    /// <summary>0Ah: GPIO1 interrupt source (4 = new sample ready).</summary>
    SystemInterruptConfigGpio = 0x0A,

    /// <summary>0Bh: write bit 0 to clear the range interrupt.</summary>
    SystemInterruptClear = 0x0B,

    /// <summary>13h, R: bits 2:0 interrupt status (4 = new sample ready), bits 4:3 error.</summary>
    ResultInterruptStatus = 0x13,

    /// <summary>14h, R: bits 6:3 device range status (11 = range complete), bit 0 new data ready.</summary>
    ResultRangeStatus = 0x14,

    /// <summary>16h-17h, R: effective return SPAD count, 8.8 fixed point (result block byte 2).</summary>
    ResultEffectiveSpadRtnCount = 0x16,

    /// <summary>1Ah-1Bh, R: return signal rate, MCPS in 9.7 fixed point (result block byte 6).</summary>
    ResultSignalRateRtn = 0x1A,

    /// <summary>1Ch-1Dh, R: return ambient rate, MCPS in 9.7 fixed point (result block byte 8).</summary>
    ResultAmbientRateRtn = 0x1C,

    /// <summary>1Eh-1Fh, R: final range, mm (or 11.2 fixed point when SYSTEM_RANGE_CONFIG bit 0 is set; block byte 10).</summary>
    ResultRangeMillimeters = 0x1E,

    /// <summary>46h: MSRC timeout, macro periods minus one.</summary>
    MsrcConfigTimeoutMacrop = 0x46,

    /// <summary>50h: pre-range VCSEL period, encoded (PCLKs / 2) − 1.</summary>
    PreRangeConfigVcselPeriod = 0x50,

    /// <summary>51h-52h: pre-range timeout, (LSB × 2^MSB) + 1 macro periods. Datasheet reference register: 0099h at power-on.</summary>
    PreRangeConfigTimeoutMacropHi = 0x51,

    /// <summary>61h-62h: pre-range sigma threshold. Datasheet reference register: 0000h at power-on.</summary>
    PreRangeConfigSigmaThreshHi = 0x61,

    /// <summary>70h: final-range VCSEL period, encoded (PCLKs / 2) − 1.</summary>
    FinalRangeConfigVcselPeriod = 0x70,

    /// <summary>71h-72h: final-range timeout (pre-range included), (LSB × 2^MSB) + 1 macro periods.</summary>
    FinalRangeConfigTimeoutMacropHi = 0x71,

    /// <summary>8Ah: the 7-bit I2C address (volatile; lost at power-down, XSHUT and soft reset).</summary>
    I2cSlaveDeviceAddress = 0x8A,

    /// <summary>B0h-B5h: reference SPAD enable map, 48 bits.</summary>
    GlobalConfigSpadEnablesRef0 = 0xB0,

    /// <summary>BFh: bit 0 low holds the core in soft reset; high releases it.</summary>
    SoftResetGo2SoftResetN = 0xBF,

    /// <summary>C0h, R: EEh (datasheet reference register).</summary>
    IdentificationModelId = 0xC0,

    /// <summary>C1h, R: AAh (datasheet reference register).</summary>
    IdentificationModuleType = 0xC1,

    /// <summary>C2h, R: 10h (datasheet reference register).</summary>
    IdentificationRevisionId = 0xC2,

    /// <summary>F8h-F9h, R: oscillator ticks per millisecond for the timed mode's period (0: the period is in ms).</summary>
    OscCalibrateVal = 0xF8,

    /// <summary>FFh: register page select.</summary>
    PageSelect = 0xFF,

    /// <summary>Page 1, 91h: the "stop variable" the API reads at data init and writes back before each start.</summary>
    StopVariable = 0x91,

    /// <summary>Page 6 (bit 2: NVM read-out enable) and page 7 (strobe: write 00h, poll until non-zero).</summary>
    NvmStrobe = 0x83,

    /// <summary>Page 7, 90h-93h: the NVM word read by the last strobe, most significant byte first.</summary>
    NvmData = 0x90,

    /// <summary>Page 7, 94h: the NVM word address to read.</summary>
    NvmAddress = 0x94,
}
