using System.Globalization;
using System.Text;

namespace EdgeGateway.Configuration;

/// <summary>
/// A site file for a shed of N AC ports, wired as the demo shed is and extended the way an installer would: the shed's
/// voltage transformer on adc0 channel 0, each port's current transformer on the next free MCP3208 channel (up to five
/// MCP3208s on SPI0 CE0–CE1 and SPI1 CE0–CE2), the first eight relays on the demo's board GPIOs and the rest on
/// MCP23017s at 0x20, 0x21… (16 relays each). Written as site-file text and read back through
/// <see cref="SiteFileLoader"/>, so a generated shed passes every check a hand-written one does. Used by
/// <c>run --simulate --ports N</c> and <c>bench trip</c>.
/// </summary>
public static class GeneratedShedSite
{
    /// <summary>Five MCP3208s have 40 channels; one carries the voltage transformer.</summary>
    public const int MaxPorts = 39;

    // The demo's relay GPIOs: free of I2C, SPI0, SPI1 CE0, 1-Wire and the smoke input (demo.yaml).
    private static readonly int[] RelayGpios = [5, 6, 12, 13, 22, 23, 24, 25];

    // (SPI bus, chip select) of adc0..adc4. SPI1 CE1 and CE2 are BCM 17 and 16 (dtoverlay=spi1-3cs).
    private static readonly (int Bus, int ChipSelect)[] AdcSelects = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)];

    /// <summary>The file name generated sites are given in problems and on disk.</summary>
    public static string FileName(int ports) => string.Create(CultureInfo.InvariantCulture, $"generated-{ports}-ports.yaml");

    /// <summary>Nine USB-serial UARTs of four BL0942s each (the first twenty with their over-current outputs on GPIOs).</summary>
    public const int MaxBl0942Ports = 36;

    // Over-current outputs of generated BL0942 ports: board GPIOs free of I2C (2, 3), 1-Wire (4) and the smoke input (27);
    // a BL0942 shed has no ADC, so SPI0's pins are free too.
    private static readonly int[] OverCurrentGpios = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];

    /// <summary>The site file's text for <paramref name="ports"/> ports of <paramref name="meter"/>, P01..PNN.</summary>
    public static string Yaml(int ports, GeneratedMeter meter, int bl0942Baud = Hardware.Metering.Bl0942.Bl0942Frame.BaudRate) => meter switch
    {
        GeneratedMeter.Bl0942 => Bl0942Yaml(ports, bl0942Baud),
        GeneratedMeter.Hlw8032 => Hlw8032Yaml(ports),
        GeneratedMeter.Dc => DcYaml(ports),
        GeneratedMeter.AcWithDc => Yaml(ports, everyFourthDc: true),
        _ => Yaml(ports),
    };

    /// <summary>INA219s per channel of the TCA9548A: 0x40–0x44 (A0/A1 strapped, datasheet Table 1), so eight channels hold 40.</summary>
    private const int DcPortsPerChannel = 5;

    /// <summary>A DC port's meter: an INA219 behind the TCA9548A at 0x70, as in dc-cabinet.yaml; <paramref name="d"/> counts DC ports from 0.</summary>
    private static string DcMeter(int d) => string.Create(CultureInfo.InvariantCulture,
        $"{{ type: dc, address: 0x{0x40 + (d % DcPortsPerChannel):x2}, multiplexer: mux0, multiplexerChannel: {d / DcPortsPerChannel}, shuntOhms: 0.01, maxCurrentA: 8, busVoltageDivider: 4 }}");

    // The INA219 reads the 10 mΩ shunt up to 0.32 V = 32 A: the 40 A default (the AC CTs') is out of its reach, 20 A is
    // four times a slot charger's current; 450 W is a slot charger's DC-side limit (both dc-cabinet.yaml's figures).
    private const string DcPortProtection = "    protection: { shortCircuitPeakA: 20, maxPowerW: 450 }";

    private static void AppendMultiplexers(StringBuilder yaml, int dcPorts)
    {
        if (dcPorts == 0)
        {
            return;
        }

        yaml.AppendLine("multiplexers:");
        yaml.AppendLine("  - { id: mux0, chip: tca9548a, address: 0x70 }");
    }

    /// <summary>
    /// <paramref name="ports"/> DC ports (a swap or DC charging cabinet): an INA219 each behind TCA9548A multiplexers on the
    /// board's I2C bus (<see cref="DcMeter"/>), the relays on MCP23017s at 0x20, 0x21 and 0x22; no mains section. Each
    /// port's short-circuit threshold is 20 A, within the INA219's reach (32 A at 0.32 V over 10 mΩ), and its power limit
    /// 450 W, a slot charger's DC side (as dc-cabinet.yaml).
    /// </summary>
    public static string DcYaml(int ports) => MeteringIcYaml(ports, MaxPorts, "dc", "DC", DcMeter, yaml => AppendMultiplexers(yaml, ports), DcPortProtection);

    /// <summary>
    /// <paramref name="ports"/> HLW8032 ports: each IC on a UART of its own, /dev/ttyUSB0..N-1 (quad USB-serial adapters;
    /// the board's GPIOs stay free), the datasheet's reference board coefficients (Kv 1.88, Ki 1), the relays on
    /// MCP23017s at 0x20, 0x21 and 0x22.
    /// </summary>
    public static string Hlw8032Yaml(int ports) => MeteringIcYaml(ports, MaxPorts, "hlw8032", "HLW8032",
        p => string.Create(CultureInfo.InvariantCulture, $"{{ type: hlw8032, serial: /dev/ttyUSB{p}, voltageCoefficient: 1.88, currentCoefficient: 1.0 }}"));

    /// <summary>A shed of metering-IC ports: no ADC, the relays on MCP23017s (16 each), <paramref name="meter"/> giving each port's meter.</summary>
    private static string MeteringIcYaml(int ports, int maxPorts, string kind, string chip, Func<int, string> meter, Action<StringBuilder>? beforePorts = null, string? portProtection = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ports, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ports, maxPorts);
        CultureInfo c = CultureInfo.InvariantCulture;
        var yaml = new StringBuilder();
        yaml.AppendLine(c, $"# A generated shed of {ports} {chip} ports (GeneratedShedSite).");
        yaml.AppendLine(c, $"site: {{ id: generated-{kind}-{ports}, gateway: gw-01, name: generated shed of {ports} {chip} ports }}");
        yaml.AppendLine("board: { i2cBus: 1, gpioChip: 0, oneWirePin: 4 }");
        yaml.AppendLine("expanders:");
        for (int e = 0; e < (ports + 15) / 16; e++)
        {
            yaml.AppendLine(c, $"  - {{ id: relays-{(char)('a' + e)}, chip: mcp23017, address: 0x{0x20 + e:x2} }}");
        }

        beforePorts?.Invoke(yaml);
        yaml.AppendLine("ports:");
        for (int p = 0; p < ports; p++)
        {
            yaml.AppendLine(c, $"  - id: P{p + 1:00}");
            yaml.AppendLine(c, $"    meter: {meter(p)}");
            yaml.AppendLine(c, $"    relay: {{ expander: relays-{(char)('a' + (p / 16))}, pin: {p % 16} }}");
            if (portProtection is not null)
            {
                yaml.AppendLine(portProtection);
            }
        }

        yaml.AppendLine("shedSensors:");
        yaml.AppendLine("  thermometers: [ { id: cabinet, deviceId: 28-0316a2794dff } ]");
        yaml.AppendLine("  smoke: { gpio: 27, activeLow: true }");
        yaml.AppendLine("sampling: { roundPeriodMs: 500, temperaturePeriodSeconds: 5, telemetryPeriodSeconds: 10 }");
        yaml.AppendLine("mqtt: { broker: embedded }");
        return yaml.ToString();
    }

    /// <summary>The generated site of <paramref name="meter"/> ports, checked as any site file is.</summary>
    public static SiteFileLoadResult Load(int ports, GeneratedMeter meter, int bl0942Baud = Hardware.Metering.Bl0942.Bl0942Frame.BaudRate) =>
        SiteFileLoader.LoadText(FileName(ports), Yaml(ports, meter, bl0942Baud));

    /// <summary>
    /// <paramref name="ports"/> BL0942 ports: four chips (addresses 0–3) on each of /dev/ttyUSB0..8 (USB-serial adapters:
    /// the header cannot spare UART pins besides twenty over-current inputs), the first twenty chips' over-current outputs
    /// each on its own board GPIO (the header has no more; P21 and on see a short in their next packet's fast RMS), the
    /// relays on MCP23017s at 0x20, 0x21 and 0x22. <paramref name="baud"/>: the UARTs' rate (4800, the chips' power-on
    /// rate, is not written).
    /// </summary>
    public static string Bl0942Yaml(int ports, int baud = Hardware.Metering.Bl0942.Bl0942Frame.BaudRate) => MeteringIcYaml(ports, MaxBl0942Ports, "bl0942", "BL0942",
        p => string.Create(CultureInfo.InvariantCulture, $"{{ type: bl0942, serial: /dev/ttyUSB{p / 4}, address: {p % 4}, shuntOhms: 0.001, voltageDivider: 3824.5{(p < OverCurrentGpios.Length ? $", overCurrentGpio: {OverCurrentGpios[p]}" : "")}{(baud == Hardware.Metering.Bl0942.Bl0942Frame.BaudRate ? "" : $", baud: {baud}")} }}"));

    /// <summary>
    /// The site file's text for <paramref name="ports"/> AC ports, P01..PNN; with <paramref name="everyFourthDc"/> every
    /// fourth port (P04, P08…) is a DC port instead (<see cref="DcMeter"/>; its ADC channel stays unused), a shed with a
    /// few DC chargers among its AC ports.
    /// </summary>
    public static string Yaml(int ports, bool everyFourthDc = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ports, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ports, MaxPorts);
        CultureInfo c = CultureInfo.InvariantCulture;
        int adcCount = (ports + 8) / 8;
        int expanderCount = Math.Max(0, (ports - RelayGpios.Length + 15) / 16);
        var yaml = new StringBuilder();
        yaml.AppendLine(c, $"# A generated shed of {ports} {(everyFourthDc ? "ports, every fourth one DC," : "AC ports")} wired as the demo shed (GeneratedShedSite).");
        yaml.AppendLine(c, $"site: {{ id: generated-{ports}, gateway: gw-01, name: generated shed of {ports} ports }}");
        yaml.AppendLine("board: { i2cBus: 1, gpioChip: 0, oneWirePin: 4 }");
        yaml.AppendLine("mains: { nominalVoltageV: 220, frequencyHz: 50, voltageSensor: { adc: adc0, channel: 0 }, voltsPerAdcVolt: 268.97 }");
        yaml.AppendLine("adcs:");
        for (int a = 0; a < adcCount; a++)
        {
            yaml.AppendLine(c, $"  - {{ id: adc{a}, chip: mcp3208, spiBus: {AdcSelects[a].Bus}, chipSelect: {AdcSelects[a].ChipSelect}, clockHz: 1000000, referenceV: 3.3 }}");
        }

        if (expanderCount > 0)
        {
            yaml.AppendLine("expanders:");
            for (int e = 0; e < expanderCount; e++)
            {
                yaml.AppendLine(c, $"  - {{ id: relays-{(char)('a' + e)}, chip: mcp23017, address: 0x{0x20 + e:x2} }}");
            }
        }

        AppendMultiplexers(yaml, everyFourthDc ? ports / 4 : 0);
        yaml.AppendLine("ports:");
        for (int p = 0; p < ports; p++)
        {
            int channel = p + 1; // channel 0 of adc0 is the voltage transformer
            string relay = p < RelayGpios.Length
                ? string.Create(c, $"{{ gpio: {RelayGpios[p]} }}")
                : string.Create(c, $"{{ expander: relays-{(char)('a' + ((p - RelayGpios.Length) / 16))}, pin: {(p - RelayGpios.Length) % 16} }}");
            bool dc = everyFourthDc && p % 4 == 3;
            yaml.AppendLine(c, $"  - id: P{p + 1:00}");
            yaml.AppendLine(dc
                ? "    meter: " + DcMeter(p / 4)
                : string.Create(c, $"    meter: {{ type: ac, adc: adc{channel / 8}, channel: {channel % 8}, ampsPerAdcVolt: 30 }}"));
            yaml.AppendLine(c, $"    relay: {relay}");
            if (dc)
            {
                yaml.AppendLine(DcPortProtection);
            }
        }

        yaml.AppendLine("shedSensors:");
        yaml.AppendLine("  thermometers: [ { id: cabinet, deviceId: 28-0316a2794dff } ]");
        yaml.AppendLine("  smoke: { gpio: 27, activeLow: true }");
        yaml.AppendLine("sampling: { cyclesPerMeasurement: 1, roundPeriodMs: 500, temperaturePeriodSeconds: 5, telemetryPeriodSeconds: 10 }");
        yaml.AppendLine("mqtt: { broker: embedded }");
        return yaml.ToString();
    }

    /// <summary>The generated site, checked as any site file is (<see cref="SiteFileLoader.LoadText"/>).</summary>
    public static SiteFileLoadResult Load(int ports) => SiteFileLoader.LoadText(FileName(ports), Yaml(ports));
}

/// <summary>The meters a generated shed's ports have.</summary>
public enum GeneratedMeter
{
    /// <summary>A CT on an MCP3208 channel per port, the shed's VT on adc0.</summary>
    Ac,

    /// <summary>A BL0942 per port on a UART, its over-current output on a GPIO.</summary>
    Bl0942,

    /// <summary>An HLW8032 per port, each on a UART of its own.</summary>
    Hlw8032,

    /// <summary>An INA219 per port behind TCA9548A multiplexers: a DC cabinet, no AC port.</summary>
    Dc,

    /// <summary>AC ports as <see cref="Ac"/>, every fourth one a DC port (an INA219) instead.</summary>
    AcWithDc,
}
