namespace EdgeGateway.Hardware.Metering.Bl0942;

/// <summary>
/// BL0942 registers (Belling BL0942 datasheet V1.06, section 3 "Internal registers"). Every register is 24 bits; over
/// UART they travel least significant byte first. 0x01–0x09 are read-only measurement registers; 0x10–0x1C are user
/// registers, writable only after <see cref="UsrWrprot"/> has been written 0x55.
/// </summary>
public enum Bl0942Register : byte
{
    /// <summary>Current waveform (20-bit signed).</summary>
    IWave = 0x01,

    /// <summary>Voltage waveform (20-bit signed).</summary>
    VWave = 0x02,

    /// <summary>Current RMS: 305978 × I(mV) / Vref, unsigned 24 bit, refreshed every 400 ms (MODE.RMS_UPDATE_SEL = 0).</summary>
    IRms = 0x03,

    /// <summary>Voltage RMS: 73989 × V(mV) / Vref, unsigned 24 bit.</summary>
    VRms = 0x04,

    /// <summary>Fast current RMS over the period of <see cref="IFastRmsCyc"/> (half a cycle by default), compared with <see cref="IFastRmsTh"/>.</summary>
    IFastRms = 0x05,

    /// <summary>Active power: 3537 × I(mV) × V(mV) × cos φ / Vref², signed 24 bit.</summary>
    Watt = 0x06,

    /// <summary>Active-energy pulse count (CF_CNT): one count per 1638.4 × 256 / WATT seconds.</summary>
    CfCnt = 0x07,

    /// <summary>Line period in 1 µs units (f = 1 000 000 / FREQ), refreshed every FREQ_CYC cycles.</summary>
    Freq = 0x08,

    /// <summary>Status: CF_REVP_F (bit 0), CREEP_F (bit 1), I_ZX_LTH_F (bit 8), V_ZX_LTH_F (bit 9).</summary>
    Status = 0x09,

    /// <summary>Current RMS small-signal offset correction.</summary>
    IRmsos = 0x12,

    /// <summary>Active-power anti-creep threshold.</summary>
    WaCreep = 0x14,

    /// <summary>Fast RMS over-current threshold (16 bit), compared with I_FAST_RMS[23:8]. Power-on 0xFFFF.</summary>
    IFastRmsTh = 0x15,

    /// <summary>Fast RMS refresh period: 0 half a cycle, 1 one cycle, 2 two, 3 four, 4–7 eight cycles.</summary>
    IFastRmsCyc = 0x16,

    /// <summary>Frequency refresh period: 0 two cycles, 1 four, 2 eight, 3 sixteen.</summary>
    FreqCyc = 0x17,

    /// <summary>Output pin functions: CF1 bits 1:0, CF2 bits 3:2, ZX bits 5:4 (0 energy pulse, 1 over-current, 2 voltage zero crossing, 3 current zero crossing).</summary>
    OtFunx = 0x18,

    /// <summary>Mode: CF_EN bit 2, RMS_UPDATE_SEL bit 3 (0: 400 ms, 1: 800 ms), AC_FREQ_SEL bit 5, CF_CNT_CLR_SEL bit 6, CF_CNT_ADD_SEL bit 7, UART_RATE_SEL bits 9:8.</summary>
    Mode = 0x19,

    /// <summary>Current channel PGA gain: 0 ×1, 1 ×4, 2 ×16 (power-on), 3 ×24.</summary>
    GainCr = 0x1A,

    /// <summary>Writing 0x5A5A5A resets the chip.</summary>
    SoftReset = 0x1C,

    /// <summary>User write protection: 0x55 unlocks the user registers, anything else locks them.</summary>
    UsrWrprot = 0x1D,
}

/// <summary>The values of BL0942's over-current and zero-crossing pin functions in <see cref="Bl0942Register.OtFunx"/>.</summary>
public enum Bl0942PinFunction
{
    /// <summary>Active-energy pulses (CF).</summary>
    EnergyPulse = 0,

    /// <summary>Over-current: high while I_FAST_RMS is at or above I_FAST_RMS_TH.</summary>
    OverCurrent = 1,

    /// <summary>Voltage zero crossing.</summary>
    VoltageZeroCrossing = 2,

    /// <summary>Current zero crossing.</summary>
    CurrentZeroCrossing = 3,
}
