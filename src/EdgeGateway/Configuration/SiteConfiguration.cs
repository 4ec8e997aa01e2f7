using EdgeGateway.Mqtt;
namespace EdgeGateway.Configuration;

// The in-memory form of a site file (firmware-config/sites/*.yaml). SiteFileLoader builds it and
// reports every problem with its file and line; nothing else constructs it from text.
// Every record carries the line its YAML node started on, so later checks (and runtime messages)
// can point a technician at the right place.

/// <summary>One installation: a shed (and later a bin station) with one gateway.</summary>
public sealed record SiteConfiguration
{
    public required string SourceFile { get; init; }
    public required SiteIdentity Site { get; init; }
    public required BoardSettings Board { get; init; }
    /// <summary>The shed's mains supply and voltage transformer; required when the site has AC ports.</summary>
    public MainsSettings? Mains { get; init; }
    public IReadOnlyList<AdcChip> Adcs { get; init; } = [];
    public IReadOnlyList<RelayExpander> Expanders { get; init; } = [];
    public IReadOnlyList<I2cMultiplexer> Multiplexers { get; init; } = [];
    public IReadOnlyList<ChargingPortDefinition> Ports { get; init; } = [];
    public ShedSensorSettings ShedSensors { get; init; } = new();
    public PortProtectionSettings PortProtection { get; init; } = new();
    public ShedProtectionSettings ShedProtection { get; init; } = new();
    public SamplingSettings Sampling { get; init; } = new();
    public IReadOnlyList<BinDefinition> Bins { get; init; } = [];

    /// <summary>The broker this gateway reports to (site key <c>mqtt:</c>); <c>run --broker</c> and gateway.json override it.</summary>
    public MqttSiteSettings? Mqtt { get; init; }
    public BinThresholds BinThresholds { get; init; } = new();
    public BinSamplingSettings BinSampling { get; init; } = new();

    /// <summary>A battery-backed real-time clock on the main I2C bus (site key <c>rtc:</c>), if the board has one.</summary>
    public RealTimeClockDefinition? Rtc { get; init; }

    /// <summary>The shed's card terminal (site key <c>terminal:</c>), if it has one.</summary>
    public TerminalSettings? Terminal { get; init; }

    /// <summary>The RS-485 Modbus energy meter on the shed's incoming supply (site key <c>supplyMeter:</c>), if fitted.</summary>
    public SupplyMeterDefinition? SupplyMeter { get; init; }
}

/// <summary>
/// The shed's supply meter: a Modbus RTU energy meter at <see cref="Unit"/> on the RS-485 line at <see cref="Serial"/>,
/// its register map (<c>ddsu666</c>, <c>sdm120</c>, <c>sdm630</c>), read every <see cref="PollPeriod"/>, each request
/// waiting <see cref="ResponseTimeout"/> and repeated up to <see cref="Retries"/> times.
/// </summary>
public sealed record SupplyMeterDefinition(string Serial, int BaudRate, System.IO.Ports.Parity Parity, int Unit, string Map, TimeSpan PollPeriod, TimeSpan ResponseTimeout, int Retries, int Line);

/// <summary>
/// What protection does with the supply meter's readings (site keys under <c>supplyMeter:</c>). The unmetered load is
/// the supply's power minus the ports' power; it is beyond tolerance above the larger of <see cref="UnmeteredToleranceW"/>
/// and <see cref="UnmeteredTolerancePercent"/> of the supply, raises <c>unmetered_load</c> once it has stayed there for
/// <see cref="UnmeteredDebounce"/>, and clears once it has stayed under <see cref="UnmeteredClearShare"/> of the
/// tolerance for the shed's alarm-clear time.
/// </summary>
public sealed record SupplyRuleSettings
{
    public double UnmeteredToleranceW { get; init; } = 60;

    public double UnmeteredTolerancePercent { get; init; } = 5;

    public TimeSpan UnmeteredDebounce { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The hysteresis: the unmetered load must fall under this share of the tolerance for the alarm to clear.</summary>
    public double UnmeteredClearShare { get; init; } = 0.8;

    /// <summary>Whether the shed overload rule acts on the larger of the measured supply and the ports' sum.</summary>
    public bool ShedOverloadOnSupply { get; init; } = true;

    /// <summary>
    /// A reading older than this is not used, and the meter counts as faulted: five poll periods (the site file adds the
    /// timeouts of a failing poll), so a poll thread held up by a busy machine is not taken for a dead meter.
    /// </summary>
    public TimeSpan FreshFor { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>A real-time clock chip on the main I2C bus: read at start while NTP has not synchronised the system clock, written after.</summary>
/// <param name="Chip">Only <c>ds3231</c> so far.</param>
/// <param name="Address">Its I2C address (0x68 on the DS3231).</param>
/// <param name="Line">Where the site file declares it.</param>
public sealed record RealTimeClockDefinition(string Chip, int Address, int Line);

/// <summary>Who this site and gateway are (the MQTT topic carries both).</summary>
public sealed record SiteIdentity(string Id, string Gateway, string? Name);

/// <summary>The board's buses: Linux I2C bus number (/dev/i2c-N) and GPIO chip (/dev/gpiochipN).</summary>
public sealed record BoardSettings(int I2cBus = 1, int GpioChip = 0, int? OneWirePin = 4);

/// <summary>The shed's mains supply and the voltage transformer that measures it.</summary>
public sealed record MainsSettings(double NominalVoltageV, double FrequencyHz, AnalogChannel VoltageSensor, double VoltsPerAdcVolt);

/// <summary>An SPI ADC (MCP3208: 8 channels, 12 bit; MCP3008: 8 channels, 10 bit).</summary>
public sealed record AdcChip(string Id, AdcChipType Chip, int SpiBus, int ChipSelect, int ClockHz, double ReferenceV, int Line);

public enum AdcChipType
{
    Mcp3208,
    Mcp3008,
}

/// <summary>A channel of one of the site's ADCs, by ADC id.</summary>
public sealed record AnalogChannel(string Adc, int Channel, int Line);

/// <summary>An MCP23017 16-bit I2C GPIO expander driving relays.</summary>
public sealed record RelayExpander(string Id, int Address, int Line);

/// <summary>A TCA9548A I2C multiplexer (8 downstream channels).</summary>
public sealed record I2cMultiplexer(string Id, int Address, int Line);

/// <summary>One charging port: its meter, its relay, and optional per-port protection overrides.</summary>
public sealed record ChargingPortDefinition
{
    public required string Id { get; init; }
    public required PortMeterDefinition Meter { get; init; }
    public required RelayOutput Relay { get; init; }

    /// <summary>The port-level thresholds in force for this port: site defaults with this port's overrides applied.</summary>
    public required PortProtectionSettings Protection { get; init; }

    /// <summary>Ports an operator has taken out of service in the site file start in the Disabled state.</summary>
    public bool Disabled { get; init; }

    public int Line { get; init; }
}

/// <summary>How a port is metered: AC through CT + shed VT on an SPI ADC, or DC through an INA219.</summary>
public abstract record PortMeterDefinition(int Line);

/// <summary>
/// AC port: a current transformer on an ADC channel. <see cref="AmpsPerAdcVolt"/> is the CT calibration
/// (primary amps per volt across the burden, e.g. 30 for an SCT-013-030).
/// </summary>
public sealed record AcMeterDefinition(AnalogChannel CurrentSensor, double AmpsPerAdcVolt, int Line) : PortMeterDefinition(Line);

/// <summary>
/// DC port: an INA219 at <see cref="Address"/>, optionally behind a TCA9548A channel. The INA219 bus input
/// tolerates 26 V at most, so battery-voltage ports measure through a divider of ratio <see cref="BusVoltageDivider"/>.
/// </summary>
public sealed record DcMeterDefinition(int Address, string? Multiplexer, int? MultiplexerChannel, double ShuntOhms, double MaxCurrentA, double BusVoltageDivider, int Line) : PortMeterDefinition(Line);

/// <summary>
/// AC port metered by its own BL0942 on a UART (<see cref="Serial"/>, e.g. /dev/ttyAMA0 or /dev/ttyUSB0) at A1/A2
/// <see cref="Address"/> (0-3, up to four chips a bus), with the board's current shunt and the voltage divider's ratio
/// (line volts per volt at the VP pin). <see cref="OverCurrentGpio"/> is the board GPIO its CF1 pin (configured as the
/// over-current output) drives, when wired.
/// </summary>
public sealed record Bl0942MeterDefinition(string Serial, int Address, double ShuntOhms, double VoltageDivider, int? OverCurrentGpio, int Line) : PortMeterDefinition(Line)
{
    /// <summary>The UART's rate: 4800 (the chip's SCLK_BPS pin low), or 19 200 / 38 400, which the gateway switches the chip to.</summary>
    public int Baud { get; init; } = Hardware.Metering.Bl0942.Bl0942Frame.BaudRate;
}

/// <summary>
/// AC port metered by its own HLW8032 on a UART of its own (<see cref="Serial"/>: the IC sends unasked and has no
/// address), with the board's coefficients as the datasheet names them: <see cref="VoltageCoefficient"/> Kv (the
/// divider's ratio / 1000) and <see cref="CurrentCoefficient"/> Ki (1 / (shunt Ω × 1000)); calibration writes them.
/// </summary>
public sealed record Hlw8032MeterDefinition(string Serial, double VoltageCoefficient, double CurrentCoefficient, int Line) : PortMeterDefinition(Line);

/// <summary>Where a port's relay coil is driven from: a board GPIO (BCM number) or a pin (0-15) of an MCP23017.</summary>
public sealed record RelayOutput(int? Gpio, string? Expander, int? ExpanderPin, bool ActiveLow, int Line)
{
    /// <summary>The relay's contact-feedback input, where one is fitted (site key <c>relay.feedback</c>).</summary>
    public RelayFeedbackInput? Feedback { get; init; }
}

/// <summary>
/// An input that reads whether a relay's contacts are really closed: an auxiliary contact on the relay, or a mains
/// presence sensor on the socket side (an optocoupler across the load terminals). On a board GPIO (BCM number) or an
/// MCP23017 pin; <see cref="ActiveLow"/> when the input reads low while the contacts are closed.
/// </summary>
public sealed record RelayFeedbackInput(int? Gpio, string? Expander, int? ExpanderPin, bool ActiveLow, int Line);

/// <summary>Shed-wide sensors.</summary>
public sealed record ShedSensorSettings
{
    public IReadOnlyList<ThermometerDefinition> Thermometers { get; init; } = [];
    public SmokeInput? Smoke { get; init; }
}

/// <summary>A DS18B20 on the 1-Wire bus, by its kernel device id (28-xxxxxxxxxxxx).</summary>
public sealed record ThermometerDefinition(string Id, string DeviceId, int Line);

/// <summary>A smoke detector's alarm contact on a board GPIO input.</summary>
public sealed record SmokeInput(int Gpio, bool ActiveLow, int Line);

/// <summary>Port-level protection thresholds. Site defaults; each port may override any of them.</summary>
public sealed record PortProtectionSettings
{
    /// <summary>Power above which the port is overloaded (deployed controllers use 1000 W).</summary>
    public double MaxPowerW { get; init; } = 1000;

    /// <summary>How long power must stay above <see cref="MaxPowerW"/> before the relay opens.</summary>
    public TimeSpan OverloadDebounce { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Instantaneous current (peak, not RMS) that trips on the same sample.</summary>
    public double ShortCircuitPeakA { get; init; } = 40;

    /// <summary>A session whose power stays below this floor for <see cref="CompleteHold"/> is complete.</summary>
    public double CompleteFloorW { get; init; } = 15;

    public TimeSpan CompleteHold { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Power at or below this is "nothing plugged in" (a charger's no-load draw is a few watts).</summary>
    public double NoLoadW { get; init; } = 5;

    public TimeSpan NoLoadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long power must stay at or below <see cref="NoLoadW"/> after a tapering tail before the drop is taken as the
    /// charger's cut-off (session complete): one noisy reading of a float charger is not one.
    /// </summary>
    public TimeSpan CutoffConfirm { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxSession { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Malicious-load detection: resistive (power factor at least this) ...</summary>
    public double MaliciousMinPowerFactor { get; init; } = 0.97;

    /// <summary>... drawing at least this much ...</summary>
    public double MaliciousMinPowerW { get; init; } = 200;

    /// <summary>... flat within this share of its mean ...</summary>
    public double MaliciousMaxVariation { get; init; } = 0.03;

    /// <summary>... for this long.</summary>
    public TimeSpan MaliciousWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// ... and its current is a scaled copy of the voltage waveform: the meter's shape residual (see
    /// <c>PortMeasurement.ShapeResidual</c>) at most this share. A heater's is its meter's noise (under 2 % from
    /// 200 W); a PFC charger's is 4 % or more (docs/performance.md, load classification).
    /// </summary>
    public double MaliciousMaxShapeResidual { get; init; } = 0.03;

    /// <summary>RMS current through a relay commanded open that means the relay did not obey.</summary>
    public double RelayFaultCurrentA { get; init; } = 0.1;

    /// <summary>Consecutive failed meter reads before the port goes to Fault (one glitch is not a fault).</summary>
    public int SensorFaultReads { get; init; } = 3;

    /// <summary>Consecutive identical non-zero readings that mean the meter is stuck.</summary>
    public int StuckReadings { get; init; } = 20;
}

/// <summary>Shed-level protection thresholds.</summary>
public sealed record ShedProtectionSettings
{
    public double MaxPowerW { get; init; } = 5500;
    public TimeSpan OverloadDebounce { get; init; } = TimeSpan.FromSeconds(1);
    public double OverTemperatureC { get; init; } = 60;
    public double TemperatureHysteresisC { get; init; } = 5;

    /// <summary>How long a self-clearing alarm's condition must be gone before the alarm clears.</summary>
    public TimeSpan AlarmClearAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether a session open when the gateway went down resumes when it comes back (断电续充).</summary>
    public bool ResumeAfterRestart { get; init; } = true;

    /// <summary>The longest outage a session resumes after; a longer one ends it as power_loss.</summary>
    public TimeSpan ResumeWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether sessions cut by an over-temperature alarm are offered back when the cabinet has cooled and the alarm has
    /// cleared (within <see cref="ResumeAfterShedAlarmWindow"/> of the cut). Off by default: the cause of the heat (a
    /// charger overheating, blocked ventilation) may still be there, and chargers heat the cabinet again; a site whose
    /// shed only overheats on summer afternoons turns it on.
    /// </summary>
    public bool ResumeAfterOverTemperature { get; init; }

    /// <summary>
    /// Whether sessions cut by a smoke alarm are offered back when the detector has been quiet long enough for the alarm
    /// to clear. Off by default: after smoke a person should look at the shed before anything is switched on again.
    /// </summary>
    public bool ResumeAfterSmoke { get; init; }

    /// <summary>The longest a session cut by smoke or over-temperature waits for the alarm to clear; after that it ends with the alarm's reason.</summary>
    public TimeSpan ResumeAfterShedAlarmWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>When a port or shed alarm flaps (site file <c>alarmFlapping</c>, shared with the bins).</summary>
    public AlarmFlapSettings AlarmFlapping { get; init; } = new();

    /// <summary>The supply meter's rules; null when the site has no supply meter.</summary>
    public SupplyRuleSettings? Supply { get; init; }
}

/// <summary>How often things are sampled.</summary>
public sealed record SamplingSettings
{
    /// <summary>Whole mains cycles integrated per port measurement.</summary>
    public int CyclesPerMeasurement { get; init; } = 1;

    /// <summary>A round measures every port once; a new round starts this often (or at once if a round overruns).</summary>
    public TimeSpan RoundPeriod { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>DS18B20 conversions take 750 ms; they are read off the sampling path at this period.</summary>
    public TimeSpan TemperaturePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Telemetry publication period (the MQTT link uses it).</summary>
    public TimeSpan TelemetryPeriod { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The site's MQTT broker: <c>embedded</c>, <c>none</c>, or <c>mqtts://host:port</c> with the CA that signs its
/// certificate and the gateway's credentials (a username with a password file or variable, and/or a client
/// certificate). Plain <c>mqtt://</c> is accepted for loopback only: TLS and authentication are on in every
/// production configuration. Secrets are never in the site file, only where to find them.
/// </summary>
public sealed class MqttSiteSettings : MqttBrokerSettings
{
    /// <summary><c>embedded</c>, <c>none</c>, or the broker's <c>mqtts://host:port</c> (<c>mqtt://</c> on loopback only).</summary>
    public required string Broker { get; init; }

    /// <summary>The line of the <c>mqtt:</c> section in the site file.</summary>
    public int Line { get; init; }

    /// <summary>The default of <see cref="CommandMaxAgeSeconds"/>.</summary>
    public const int DefaultCommandMaxAgeSeconds = 300;

    /// <summary><c>commandMaxAgeSeconds</c>: a command issued longer ago than this is refused (judged only on a
    /// synchronised wall clock).</summary>
    public int CommandMaxAgeSeconds { get; init; } = DefaultCommandMaxAgeSeconds;
}
