namespace EdgeGateway.Hardware.Simulation.Vl53L1X;

/// <summary>
/// The VL53L1X register indexes (16-bit, sent most significant byte first) the simulation gives a meaning to. Names
/// and fields are those of ST's VL53L1 register map (<c>vl53l1_register_map.h</c> of the VL53L1 API) as used by the
/// ultra-lite driver (ULD, STSW-IMG009, user manual UM2510). Every other index is plain storage.
/// </summary>
internal enum Vl53L1XRegister : ushort
{
    /// <summary>0000h: bit 0 low holds the device in soft reset; high releases it and the firmware reboots.</summary>
    SoftReset = 0x0000,

    /// <summary>0001h: [6:0] the I2C address (NVM-loaded at boot; volatile).</summary>
    I2cSlaveDeviceAddress = 0x0001,

    /// <summary>001Eh-001Fh: part-to-part range offset, signed, mm in 11.2 fixed point; added to every range.</summary>
    AlgoPartToPartRangeOffsetMm = 0x001E,

    /// <summary>0030h, POR 11h: [3:0] GPIO mux select, [4] polarity (ULD: 0 = interrupt active high, 1 = active low).</summary>
    GpioHvMuxCtrl = 0x0030,

    /// <summary>0031h, POR 02h: [0] GPIO1 level (tio_hv), [1] fresh_out_of_reset.</summary>
    GpioTioHvStatus = 0x0031,

    /// <summary>0046h: interrupt configuration (20h = new sample ready).</summary>
    SystemInterruptConfigGpio = 0x0046,

    /// <summary>004Bh: phase calibration timeout; the ULD's distance mode marker (14h short, 0Ah long).</summary>
    PhasecalConfigTimeoutMacrop = 0x004B,

    /// <summary>005Eh-005Fh: range timeout A (the ULD's timing budget tables).</summary>
    RangeConfigTimeoutMacropAHi = 0x005E,

    /// <summary>006Ch-006Fh: inter-measurement period of the timed mode, in OSC_CALIBRATE_VAL × 1.075 ticks per ms.</summary>
    SystemIntermeasurementPeriod = 0x006C,

    /// <summary>0086h: [0] clear range interrupt, [1] clear error interrupt.</summary>
    SystemInterruptClear = 0x0086,

    /// <summary>0087h: [4] single shot, [5] back-to-back, [6] timed, [7] abort; 00h stops.</summary>
    SystemModeStart = 0x0087,

    /// <summary>0088h, R: [2:0] interrupt status, [4:3] error status.</summary>
    ResultInterruptStatus = 0x0088,

    /// <summary>0089h, R: [4:0] device range status (9 = range complete), [5]/[6] threshold hits.</summary>
    ResultRangeStatus = 0x0089,

    /// <summary>008Ch-008Dh, R: effective SPADs, 8.8 fixed point.</summary>
    ResultDssActualEffectiveSpadsSd0 = 0x008C,

    /// <summary>008Eh-008Fh, R: peak signal rate, MCPS in 9.7 fixed point.</summary>
    ResultPeakSignalCountRateMcpsSd0 = 0x008E,

    /// <summary>0090h-0091h, R: ambient rate, MCPS in 9.7 fixed point.</summary>
    ResultAmbientCountRateMcpsSd0 = 0x0090,

    /// <summary>0096h-0097h, R: final crosstalk-corrected range, mm.</summary>
    ResultFinalCrosstalkCorrectedRangeMmSd0 = 0x0096,

    /// <summary>0098h-0099h, R: crosstalk-corrected peak signal rate, MCPS in 9.7 fixed point.</summary>
    ResultPeakSignalCountRateCrosstalkCorrectedMcpsSd0 = 0x0098,

    /// <summary>00DEh-00DFh, R: [9:0] oscillator calibration, used by the ULD to convert the inter-measurement period.</summary>
    ResultOscCalibrateVal = 0x00DE,

    /// <summary>00E5h, R: [0] firmware booted, [1] firmware first range.</summary>
    FirmwareSystemStatus = 0x00E5,

    /// <summary>010Fh, R: model id EAh.</summary>
    IdentificationModelId = 0x010F,

    /// <summary>0110h, R: module type CCh (the ULD's sensor id 0xEACC is 010Fh-0110h read as one word).</summary>
    IdentificationModuleType = 0x0110,

    /// <summary>0111h, R: [7:4] mask revision, [3:0] NVM revision.</summary>
    IdentificationRevisionId = 0x0111,

    /// <summary>013Eh: the optical centre SPAD of the user ROI (C7h = 199).</summary>
    RoiConfigModeRoiCentreSpad = 0x013E,
}
