using System.Globalization;
using System.Text;
using static System.FormattableString;

namespace EdgeGateway.Configuration;

/// <summary>Renders a site's wiring as Markdown and its Raspberry Pi config.txt lines. Output uses \n line ends only.</summary>
internal static class PinMap
{
    /// <summary>The Pi's primary PL011 UART on GPIO14/15.</summary>
    internal const string Bl0942Uart0 = "/dev/ttyAMA0";

    /// <summary>
    /// I2C clock. Every supported chip does 400 kHz (MCP23017 1.7 MHz, TCA9548A 400 kHz, INA219 and VL53L0X
    /// 400 kHz, VL53L1X 1 MHz), but the bus leaves the cabinet on cables (the bins' time-of-flight sensors), and
    /// standard mode tolerates three times the rise time of fast mode (1000 ns against 300 ns). The gateway's I2C
    /// traffic (relay writes, a few INA219 registers per round, a ToF reading per bin sample) fits easily.
    /// </summary>
    public const int I2cBaudRate = 100_000;

    /// <summary>The 40-pin header: physical pin → BCM GPIO, or a power pin's name.</summary>
    private static readonly (int Pin, int? Gpio, string? Power)[] Header =
    [
        (1, null, "3V3"), (2, null, "5V"), (3, 2, null), (4, null, "5V"), (5, 3, null), (6, null, "GND"),
        (7, 4, null), (8, 14, null), (9, null, "GND"), (10, 15, null), (11, 17, null), (12, 18, null),
        (13, 27, null), (14, null, "GND"), (15, 22, null), (16, 23, null), (17, null, "3V3"), (18, 24, null),
        (19, 10, null), (20, null, "GND"), (21, 9, null), (22, 25, null), (23, 11, null), (24, 8, null),
        (25, null, "GND"), (26, 7, null), (27, 0, null), (28, 1, null), (29, 5, null), (30, null, "GND"),
        (31, 6, null), (32, 12, null), (33, 13, null), (34, null, "GND"), (35, 19, null), (36, 16, null),
        (37, 26, null), (38, 20, null), (39, null, "GND"), (40, 21, null),
    ];

    /// <summary>The header position of a BCM GPIO (0..27).</summary>
    public static int HeaderPin(int gpio) => Header.First(h => h.Gpio == gpio).Pin;

    /// <summary>"GPIO5 (pin 29)".</summary>
    private static string Gpio(int gpio) => Invariant($"GPIO{gpio} (pin {HeaderPin(gpio)})");

    private static string Hex(int address) => YamlText.FormatHex(address);

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>MCP23017 pin 0..15 → GPA0..GPB7 and its DIP/SOIC package pin (GPB0..7 = 1..8, GPA0..7 = 21..28).</summary>
    private static string ExpanderPin(int pin) => pin < 8 ? Invariant($"GPA{pin} (chip pin {21 + pin})") : Invariant($"GPB{pin - 8} (chip pin {pin - 7})");

    private static bool UsesI2c(SiteConfiguration site) =>
        site.Expanders.Count > 0 || site.Multiplexers.Count > 0 || site.Ports.Any(p => p.Meter is DcMeterDefinition) ||
        site.Bins.Any(b => b.FillSensors.Any(s => s is TimeOfFlightFillSensor)) || site.Terminal is not null;

    private static IEnumerable<ThermometerDefinition> Thermometers(SiteConfiguration site) =>
        site.ShedSensors.Thermometers.Concat(site.Bins.Where(b => b.Thermometer is not null).Select(b => b.Thermometer!));

    private static string ChipName(AdcChipType chip) => chip == AdcChipType.Mcp3008 ? "MCP3008" : "MCP3208";

    private static string RelayLevel(bool activeLow) => activeLow ? "low = on" : "high = on";

    private static string ClassName(BinClass c) => c switch
    {
        BinClass.Recyclable => "recyclable 可回收物",
        BinClass.Kitchen => "kitchen 厨余垃圾",
        BinClass.Hazardous => "hazardous 有害垃圾",
        _ => "other 其他垃圾",
    };

    /// <summary>Every board GPIO the site uses, with what it is (bus pins included).</summary>
    public static SortedDictionary<int, string> GpioUses(SiteConfiguration site)
    {
        var uses = new SortedDictionary<int, string>();
        void Use(int gpio, string what) => uses[gpio] = uses.TryGetValue(gpio, out string? before) ? $"{before}; {what}" : what;

        if (UsesI2c(site) && RaspberryPiPins.I2cPins(site.Board.I2cBus) is var (sda, scl))
        {
            Use(sda, Invariant($"I2C{site.Board.I2cBus} SDA"));
            Use(scl, Invariant($"I2C{site.Board.I2cBus} SCL"));
        }

        foreach (IGrouping<int, AdcChip> bus in site.Adcs.GroupBy(a => a.SpiBus))
        {
            foreach ((int pin, string signal) in RaspberryPiPins.SpiDataPins(bus.Key))
            {
                Use(pin, Invariant($"SPI{bus.Key} {signal}"));
            }

            foreach (AdcChip adc in bus.OrderBy(a => a.ChipSelect))
            {
                if (RaspberryPiPins.ChipSelectPin(bus.Key, adc.ChipSelect) is { } pin)
                {
                    Use(pin, Invariant($"SPI{bus.Key} CE{adc.ChipSelect}: {adc.Id}"));
                }
            }
        }

        if (site.Board.OneWirePin is { } oneWire)
        {
            Use(oneWire, "1-Wire data (DS18B20)");
        }

        if (site.Terminal is { } terminal)
        {
            CardReaderDefinition reader = terminal.Reader;
            if (!site.Adcs.Any(a => a.SpiBus == reader.SpiBus))
            {
                foreach ((int pin, string signal) in RaspberryPiPins.SpiDataPins(reader.SpiBus))
                {
                    Use(pin, Invariant($"SPI{reader.SpiBus} {signal}"));
                }
            }

            if (RaspberryPiPins.ChipSelectPin(reader.SpiBus, reader.ChipSelect) is { } select)
            {
                Use(select, Invariant($"SPI{reader.SpiBus} CE{reader.ChipSelect}: card reader (MFRC522 SDA/NSS)"));
            }

            if (reader.ResetGpio is { } reset)
            {
                Use(reset, "card reader RST (MFRC522 NRSTPD)");
            }

            for (int i = 0; i < terminal.Keypad.RowGpios.Count; i++)
            {
                Use(terminal.Keypad.RowGpios[i], Invariant($"keypad row {i + 1} (driven)"));
            }

            for (int i = 0; i < terminal.Keypad.ColumnGpios.Count; i++)
            {
                Use(terminal.Keypad.ColumnGpios[i], Invariant($"keypad column {i + 1} (pulled down)"));
            }
        }

        foreach (ChargingPortDefinition port in site.Ports.Where(p => p.Relay.Gpio is not null))
        {
            Use(port.Relay.Gpio!.Value, $"relay {port.Id} ({RelayLevel(port.Relay.ActiveLow)})");
        }

        foreach (ChargingPortDefinition port in site.Ports.Where(p => p.Relay.Feedback?.Gpio is not null))
        {
            Use(port.Relay.Feedback!.Gpio!.Value, $"relay {port.Id} contact feedback ({(port.Relay.Feedback.ActiveLow ? "low" : "high")} = closed)");
        }

        foreach (Bl0942MeterDefinition meter in site.Ports.Select(p => p.Meter).OfType<Bl0942MeterDefinition>())
        {
            if (meter.OverCurrentGpio is { } ot)
            {
                Use(ot, Invariant($"BL0942 {meter.Address} on {meter.Serial} CF1 over-current (high = over)"));
            }
        }

        if (site.Ports.Any(p => p.Meter is Hlw8032MeterDefinition { Serial: Bl0942Uart0 }))
        {
            // The HLW8032 only sends: its TX (through the optocoupler) on RXD0; TXD0 stays with the UART.
            Use(14, "UART0 TXD0 (not wired: the HLW8032 only sends)");
            Use(15, "UART0 RXD0 (HLW8032 TX)");
        }

        if (site.Ports.Any(p => p.Meter is Bl0942MeterDefinition { Serial: Bl0942Uart0 }))
        {
            // UART0 (PL011) on its default pins; config.txt: enable_uart=1 and, on a Pi 3/4, dtoverlay=disable-bt.
            Use(14, "UART0 TXD0 (BL0942 RX)");
            Use(15, "UART0 RXD0 (BL0942 TX)");
        }

        if (site.ShedSensors.Smoke is { } smoke)
        {
            Use(smoke.Gpio, $"smoke detector ({(smoke.ActiveLow ? "low" : "high")} = alarm)");
        }

        foreach (BinDefinition bin in site.Bins)
        {
            foreach (UltrasonicFillSensor sensor in bin.FillSensors.OfType<UltrasonicFillSensor>())
            {
                string model = FillSensorSpec.Of(sensor.Model).Name;
                Use(sensor.TriggerGpio, $"{bin.Id} {model} {sensor.Id} trigger");
                Use(sensor.EchoGpio, $"{bin.Id} {model} {sensor.Id} echo");
            }

            if (bin.Weight is { } weight)
            {
                Use(weight.DataGpio, $"{bin.Id} HX711 DOUT");
                Use(weight.ClockGpio, $"{bin.Id} HX711 PD_SCK");
            }

            if (bin.Lid is { } lid)
            {
                Use(lid.Gpio, $"{bin.Id} lid switch ({(lid.ActiveLow ? "low" : "high")} = open)");
            }

            if (bin.Tilt is { } tilt)
            {
                Use(tilt.Gpio, $"{bin.Id} tilt switch ({(tilt.ActiveLow ? "low" : "high")} = tipped)");
            }
        }

        return uses;
    }

    /// <summary>
    /// The lines the board's config.txt needs for this site, ending in \n. <c>[all]</c> and an empty
    /// <c>dtoverlay=</c> first, so they apply to every model and no earlier overlay's parameter scope swallows the
    /// <c>dtparam</c>s; base parameters before overlays for the same reason.
    /// </summary>
    public static string ConfigTxt(SiteConfiguration site)
    {
        var lines = new List<string>
        {
            "[all]",
            "# End any earlier overlay's parameter scope: the dtparam lines below are the base device tree's.",
            "dtoverlay=",
        };
        var overlays = new List<string>();
        int i2cBus = site.Board.I2cBus;
        if (UsesI2c(site))
        {
            string baud = I2cBaudRate.ToString(CultureInfo.InvariantCulture);
            switch (i2cBus)
            {
                case 1:
                    lines.Add(Invariant($"# I2C bus 1 (GPIO2/3) at {I2cBaudRate / 1000} kHz: standard mode is the robust choice on cables, and every chip on it is faster."));
                    lines.Add("dtparam=i2c_arm=on");
                    lines.Add($"dtparam=i2c_arm_baudrate={baud}");
                    break;
                case 0:
                    overlays.Add("# I2C bus 0 on GPIO0/1 (no HAT ID EEPROM may be fitted).");
                    overlays.Add("dtoverlay=i2c0,pins_0_1");
                    break;
                default:
                    overlays.Add(Invariant($"# I2C bus {i2cBus} (Raspberry Pi 4 / CM4 only) at {I2cBaudRate / 1000} kHz."));
                    overlays.Add(Invariant($"dtoverlay=i2c{i2cBus},baudrate={baud}"));
                    break;
            }
        }

        foreach (IGrouping<int, AdcChip> bus in site.Adcs.GroupBy(a => a.SpiBus).OrderBy(g => g.Key))
        {
            int[] selects = [.. bus.Select(a => a.ChipSelect).Distinct().Order()];
            int count = selects.Max() + 1;
            string adcs = string.Join(", ", bus.OrderBy(a => a.ChipSelect).Select(a => Invariant($"{a.Id} on CE{a.ChipSelect}")));
            if (bus.Key == 0)
            {
                lines.Add($"# SPI0: {adcs}.");
                lines.Add("dtparam=spi=on");
                if (count == 1)
                {
                    overlays.Add("# SPI0 with CE0 only: GPIO7 (CE1) stays free.");
                    overlays.Add("dtoverlay=spi0-1cs");
                }
            }
            else
            {
                string models = bus.Key == 2 ? " (Compute Module only)" : bus.Key >= 3 ? " (Raspberry Pi 4 / CM4 only)" : "";
                overlays.Add($"# SPI{bus.Key}{models}: {adcs}.");
                overlays.Add(Invariant($"dtoverlay=spi{bus.Key}-{count}cs"));
            }
        }

        lines.Add("# The SoC's hardware watchdog (/dev/watchdog): systemd feeds it (RuntimeWatchdogSec) and it resets a hung board.");
        lines.Add("dtparam=watchdog=on");
        lines.AddRange(overlays);
        if (site.Board.OneWirePin is { } oneWire)
        {
            lines.Add(Invariant($"# 1-Wire on GPIO{oneWire}: the DS18B20 thermometers (4.7 kOhm pull-up to 3.3 V on the data line)."));
            lines.Add(Invariant($"dtoverlay=w1-gpio,gpiopin={oneWire}"));
        }

        SortedDictionary<int, string> uses = GpioUses(site);
        if (uses.ContainsKey(14) || uses.ContainsKey(15))
        {
            lines.Add("# GPIO14/15 are sensor pins here, not the serial console (install.sh also takes console=serial0 off cmdline.txt).");
            lines.Add("enable_uart=0");
        }

        if (uses.ContainsKey(0) || uses.ContainsKey(1))
        {
            lines.Add("# GPIO0/1 are sensor pins here: the firmware must not probe them for a HAT's ID EEPROM.");
            lines.Add("force_eeprom_read=0");
        }

        int[] activeHigh = [.. site.Ports.Where(p => p.Relay.Gpio is not null && !p.Relay.ActiveLow).Select(p => p.Relay.Gpio!.Value).Order()];
        int[] activeLow = [.. site.Ports.Where(p => p.Relay.Gpio is not null && p.Relay.ActiveLow).Select(p => p.Relay.Gpio!.Value).Order()];
        if (activeHigh.Length + activeLow.Length > 0)
        {
            lines.Add("# Relay pins driven to their open level by the firmware within a second of power-on, long before the gateway runs.");
            if (activeHigh.Length > 0)
            {
                lines.Add($"gpio={Ranges(activeHigh)}=op,dl");
            }

            if (activeLow.Length > 0)
            {
                lines.Add($"gpio={Ranges(activeLow)}=op,dh");
            }
        }

        return string.Join('\n', lines) + "\n";
    }

    /// <summary>"5,6,12,13,22-25".</summary>
    private static string Ranges(int[] sorted)
    {
        var parts = new List<string>();
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            parts.Add(j - i >= 2 ? Invariant($"{sorted[i]}-{sorted[j]}") : string.Join(',', sorted[i..(j + 1)].Select(n => n.ToString(CultureInfo.InvariantCulture))));
            i = j + 1;
        }

        return string.Join(',', parts);
    }

    /// <summary>The whole wiring document. <paramref name="sourceFile"/> is the site file as the reader should find it.</summary>
    public static string Document(SiteConfiguration site, string sourceFile)
    {
        var doc = new MarkdownText();
        string name = site.Site.Name ?? site.Site.Id;
        doc.Line($"# Wiring and pin map: {name}");
        doc.Line();
        doc.Line($"Site `{site.Site.Id}`, gateway `{site.Site.Gateway}`. Generated from `{sourceFile}` by");
        doc.Line($"`EdgeGateway pin-map {sourceFile}`: do not edit it, change the site file and run the command again");
        doc.Line("(the test suite fails while the two differ). On a board,");
        doc.Line("`/opt/edgegateway/current/EdgeGateway pin-map /etc/edgegateway/site.yaml` prints the map of the installed site file.");
        doc.Line();
        doc.Line("GPIO numbers are BCM numbers (`GPIOn`, what the site file uses); \"pin\" is the position on the 40-pin header");
        doc.Line("(pin 1 has the square solder pad and sits at the end away from the USB ports; odd pins are on the inner row,");
        doc.Line("even pins on the board's edge).");
        doc.Line("The same header on the Raspberry Pi 3, 4 and 5 and on a CM4 carrier board with a 40-pin header.");
        doc.Line();
        Buses(doc, site);
        Ports(doc, site);
        Adcs(doc, site);
        Expanders(doc, site);
        Multiplexers(doc, site);
        ShedSensors(doc, site);
        Bins(doc, site);
        HeaderTable(doc, site);
        PowerOn(doc, site);
        doc.Line("## config.txt");
        doc.Line();
        doc.Line("`deploy/gateway/install.sh` writes these lines (from `EdgeGateway pin-map --config-txt`) between");
        doc.Line("`# >>> edgegateway` and `# <<< edgegateway` at the end of `/boot/firmware/config.txt`; they take effect at");
        doc.Line("the next boot.");
        doc.Line();
        doc.Line("```ini");
        doc.Raw(ConfigTxt(site));
        doc.Line("```");
        return doc.ToString();
    }

    private static void Buses(MarkdownText doc, SiteConfiguration site)
    {
        doc.Line("## Buses");
        doc.Line();
        doc.Line("| bus | device | pins | on it |");
        doc.Line("|---|---|---|---|");
        doc.Line(Invariant($"| GPIO | `/dev/gpiochip{site.Board.GpioChip}` | the header's GPIOs | relays and inputs below |"));
        if (UsesI2c(site))
        {
            IEnumerable<string> devices = site.Expanders.Select(e => $"MCP23017 `{e.Id}` at {Hex(e.Address)}")
                .Concat(site.Multiplexers.Select(m => $"TCA9548A `{m.Id}` at {Hex(m.Address)}"))
                .Concat(site.Ports.Where(p => p.Meter is DcMeterDefinition { Multiplexer: null }).Select(p => $"INA219 of {p.Id} at {Hex(((DcMeterDefinition)p.Meter).Address)}"))
                .Concat(site.Bins.SelectMany(b => b.FillSensors.OfType<TimeOfFlightFillSensor>().Where(s => s.Multiplexer is null).Select(s => $"{FillSensorSpec.Of(s).Name} `{s.Id}` at {Hex(s.Address)}")))
                .Concat(site.Terminal is { Lcd: var lcd } ? [Invariant($"the terminal's {lcd.Columns}×{lcd.Rows} LCD (PCF8574 backpack) at {Hex(lcd.Address)}")] : []);
            string pins = RaspberryPiPins.I2cPins(site.Board.I2cBus) is var (sda, scl) ? $"SDA {Gpio(sda)}, SCL {Gpio(scl)}" : "–";
            doc.Line(Invariant($"| I2C, {I2cBaudRate / 1000} kHz | `/dev/i2c-{site.Board.I2cBus}` | {pins} | {string.Join(", ", devices)} |"));
        }

        foreach (IGrouping<int, AdcChip> bus in site.Adcs.GroupBy(a => a.SpiBus).OrderBy(g => g.Key))
        {
            string data = string.Join(", ", RaspberryPiPins.SpiDataPins(bus.Key).Select(p => $"{p.Signal} {Gpio(p.Pin)}"));
            foreach (AdcChip adc in bus.OrderBy(a => a.ChipSelect))
            {
                string select = RaspberryPiPins.ChipSelectPin(bus.Key, adc.ChipSelect) is { } pin ? $"CE{adc.ChipSelect} {Gpio(pin)}" : Invariant($"CE{adc.ChipSelect}");
                string pins = data.Length > 0 ? $"{select}; {data}" : $"{select} (not on the header)";
                doc.Line(Invariant($"| SPI{bus.Key}, {Number(adc.ClockHz / 1e6)} MHz | `/dev/spidev{bus.Key}.{adc.ChipSelect}` | {pins} | {ChipName(adc.Chip)} `{adc.Id}` (VREF {Number(adc.ReferenceV)} V) |"));
            }
        }

        if (site.Terminal?.Reader is { } cardReader)
        {
            string select = RaspberryPiPins.ChipSelectPin(cardReader.SpiBus, cardReader.ChipSelect) is { } pin ? $"CE{cardReader.ChipSelect} {Gpio(pin)}" : Invariant($"CE{cardReader.ChipSelect}");
            string data = string.Join(", ", RaspberryPiPins.SpiDataPins(cardReader.SpiBus).Select(p => $"{p.Signal} {Gpio(p.Pin)}"));
            doc.Line(Invariant($"| SPI{cardReader.SpiBus}, {Number(cardReader.ClockHz / 1e6)} MHz | `/dev/spidev{cardReader.SpiBus}.{cardReader.ChipSelect}` | {select}; {data} | MFRC522 card reader (mode 0) |"));
        }

        if (site.Board.OneWirePin is { } oneWire)
        {
            var thermometers = Thermometers(site).Select(t => $"`{t.Id}`").ToList();
            string on = thermometers.Count > 0 ? $"DS18B20 {string.Join(", ", thermometers)}" : "nothing yet";
            doc.Line($"| 1-Wire | `/sys/bus/w1/devices` | {Gpio(oneWire)}, 4.7 kΩ pull-up to 3.3 V | {on} |");
        }

        doc.Line();
    }

    private static void Ports(MarkdownText doc, SiteConfiguration site)
    {
        if (site.Ports.Count == 0)
        {
            return;
        }

        var adcs = site.Adcs.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var expanders = site.Expanders.ToDictionary(e => e.Id, StringComparer.Ordinal);
        var muxes = site.Multiplexers.ToDictionary(m => m.Id, StringComparer.Ordinal);
        doc.Line("## Ports");
        doc.Line();
        doc.Line("Each port: its meter, where the meter's signal enters, and the relay output that switches the socket.");
        doc.Line("Relays are wired normally open: the socket is live only while the coil is driven to the \"on\" level.");
        doc.Line();
        doc.Line("| port | meter | signal | relay output | relay level |");
        doc.Line("|---|---|---|---|---|");
        foreach (ChargingPortDefinition port in site.Ports)
        {
            string meter;
            string signal;
            switch (port.Meter)
            {
                case AcMeterDefinition ac:
                    AdcChip adc = adcs[ac.CurrentSensor.Adc];
                    meter = $"AC: CT, {Number(ac.AmpsPerAdcVolt)} A/V";
                    signal = Invariant($"`{adc.Id}` CH{ac.CurrentSensor.Channel} (chip pin {ac.CurrentSensor.Channel + 1})");
                    break;
                case DcMeterDefinition dc:
                    meter = $"DC: INA219 at {Hex(dc.Address)}, shunt {Number(dc.ShuntOhms)} Ω";
                    signal = dc.Multiplexer is { } mux
                        ? Invariant($"`{mux}` ({Hex(muxes[mux].Address)}) channel {dc.MultiplexerChannel}")
                        : "main I2C bus";
                    break;
                case Hlw8032MeterDefinition hlw:
                    meter = $"AC: HLW8032, Kv {Number(hlw.VoltageCoefficient)}, Ki {Number(hlw.CurrentCoefficient)}";
                    signal = $"`{hlw.Serial}` (4800 baud 8E1, the IC's TX only)";
                    break;
                case Bl0942MeterDefinition bl:
                    meter = $"AC: BL0942, shunt {Number(bl.ShuntOhms)} Ω, divider {Number(bl.VoltageDivider)}:1";
                    signal = Invariant($"`{bl.Serial}` address {bl.Address}, {bl.Baud} baud{(bl.Baud == Hardware.Metering.Bl0942.Bl0942Frame.BaudRate ? "" : " (MODE.UART_RATE_SEL, set by the gateway)")}{(bl.OverCurrentGpio is { } ot ? $", over-current output on GPIO{ot}" : "")}");
                    break;
                default:
                    throw new InvalidOperationException($"port {port.Id}: unknown meter {port.Meter.GetType().Name}");
            }

            string relay = port.Relay.Expander is { } expander
                ? $"`{expander}` ({Hex(expanders[expander].Address)}) {ExpanderPin(port.Relay.ExpanderPin!.Value)}"
                : Gpio(port.Relay.Gpio!.Value);
            string disabled = port.Disabled ? " (disabled)" : "";
            doc.Line($"| {port.Id}{disabled} | {meter} | {signal} | {relay} | {RelayLevel(port.Relay.ActiveLow)} |");
        }

        doc.Line();
        if (site.Ports.Any(p => p.Relay.Feedback is not null))
        {
            doc.Line("Relay contact feedback (an auxiliary contact or a socket-side mains sensor): a contact that disagrees with its");
            doc.Line("relay's command raises `relay_fault` at once. Ports without it find a relay that never closes only as no load.");
            doc.Line();
            doc.Line("| port | feedback input | level |");
            doc.Line("|---|---|---|");
            foreach (ChargingPortDefinition port in site.Ports.Where(p => p.Relay.Feedback is not null))
            {
                RelayFeedbackInput feedback = port.Relay.Feedback!;
                string input = feedback.Expander is { } feedbackExpander
                    ? $"`{feedbackExpander}` ({Hex(expanders[feedbackExpander].Address)}) {ExpanderPin(feedback.ExpanderPin!.Value)}, pulled up"
                    : $"{Gpio(feedback.Gpio!.Value)}, pulled {(feedback.ActiveLow ? "up" : "down")}";
                doc.Line($"| {port.Id} | {input} | {(feedback.ActiveLow ? "low" : "high")} = contacts closed |");
            }

            doc.Line();
        }
        if (site.Mains is { } mains)
        {
            doc.Line(Invariant($"Mains: the voltage transformer on `{mains.VoltageSensor.Adc}` CH{mains.VoltageSensor.Channel} (chip pin {mains.VoltageSensor.Channel + 1}), {Number(mains.VoltsPerAdcVolt)} V/V, {Number(mains.NominalVoltageV)} V {Number(mains.FrequencyHz)} Hz nominal."));
            doc.Line(site.Ports.Any(p => p.Meter is AcMeterDefinition)
                ? "Every CT and the VT output ride on a mid-supply (VREF/2) bias."
                : "The VT output rides on a mid-supply (VREF/2) bias.");
            doc.Line();
        }
    }

    private static void Adcs(MarkdownText doc, SiteConfiguration site)
    {
        if (site.Adcs.Count == 0)
        {
            return;
        }

        doc.Line("## ADC channels");
        doc.Line();
        doc.Line("| ADC | CH0 | CH1 | CH2 | CH3 | CH4 | CH5 | CH6 | CH7 |");
        doc.Line("|---|---|---|---|---|---|---|---|---|");
        foreach (AdcChip adc in site.Adcs)
        {
            string[] channels = Enumerable.Repeat("spare", 8).ToArray();
            if (site.Mains is { } mains && mains.VoltageSensor.Adc == adc.Id)
            {
                channels[mains.VoltageSensor.Channel] = "mains VT";
            }

            foreach (ChargingPortDefinition port in site.Ports)
            {
                if (port.Meter is AcMeterDefinition ac && ac.CurrentSensor.Adc == adc.Id)
                {
                    channels[ac.CurrentSensor.Channel] = port.Id;
                }
            }

            doc.Line(Invariant($"| `{adc.Id}` ({ChipName(adc.Chip)}, SPI{adc.SpiBus} CE{adc.ChipSelect}) | {string.Join(" | ", channels)} |"));
        }

        doc.Line();
    }

    private static void Expanders(MarkdownText doc, SiteConfiguration site)
    {
        foreach (RelayExpander expander in site.Expanders)
        {
            doc.Line($"## Relay expander `{expander.Id}` (MCP23017 at {Hex(expander.Address)})");
            doc.Line();
            doc.Line("| expander pin | relay | level |");
            doc.Line("|---|---|---|");
            for (int pin = 0; pin < 16; pin++)
            {
                ChargingPortDefinition? port = site.Ports.FirstOrDefault(p => p.Relay.Expander == expander.Id && p.Relay.ExpanderPin == pin);
                ChargingPortDefinition? feedback = site.Ports.FirstOrDefault(p => p.Relay.Feedback?.Expander == expander.Id && p.Relay.Feedback.ExpanderPin == pin);
                doc.Line(port is not null
                    ? $"| {ExpanderPin(pin)} | {port.Id} | {RelayLevel(port.Relay.ActiveLow)} |"
                    : feedback is not null
                    ? $"| {ExpanderPin(pin)} | {feedback.Id} contact feedback (input) | low = closed |"
                    : $"| {ExpanderPin(pin)} | spare | – |");
            }

            doc.Line();
        }
    }

    private static void Multiplexers(MarkdownText doc, SiteConfiguration site)
    {
        foreach (I2cMultiplexer mux in site.Multiplexers)
        {
            var channels = new List<string>[8];
            for (int c = 0; c < 8; c++)
            {
                channels[c] = [];
            }

            foreach (ChargingPortDefinition port in site.Ports)
            {
                if (port.Meter is DcMeterDefinition { Multiplexer: { } m } dc && m == mux.Id)
                {
                    channels[dc.MultiplexerChannel!.Value].Add($"INA219 of {port.Id} at {Hex(dc.Address)}");
                }
            }

            foreach (BinDefinition bin in site.Bins)
            {
                foreach (TimeOfFlightFillSensor tof in bin.FillSensors.OfType<TimeOfFlightFillSensor>())
                {
                    if (tof.Multiplexer == mux.Id)
                    {
                        channels[tof.MultiplexerChannel!.Value].Add($"{FillSensorSpec.Of(tof).Name} `{tof.Id}` of {bin.Id} at {Hex(tof.Address)}");
                    }
                }
            }

            doc.Line($"## I2C multiplexer `{mux.Id}` (TCA9548A at {Hex(mux.Address)})");
            doc.Line();
            doc.Line("| channel (SDn/SCn) | devices |");
            doc.Line("|---|---|");
            for (int c = 0; c < 8; c++)
            {
                doc.Line(Invariant($"| {c} | {(channels[c].Count > 0 ? string.Join(", ", channels[c]) : "spare")} |"));
            }

            doc.Line();
        }
    }

    private static void ShedSensors(MarkdownText doc, SiteConfiguration site)
    {
        if (site.ShedSensors.Thermometers.Count == 0 && site.ShedSensors.Smoke is null)
        {
            return;
        }

        doc.Line("## Shed sensors");
        doc.Line();
        doc.Line("| sensor | wiring |");
        doc.Line("|---|---|");
        foreach (ThermometerDefinition thermometer in site.ShedSensors.Thermometers)
        {
            doc.Line(Invariant($"| thermometer `{thermometer.Id}` | DS18B20 `{thermometer.DeviceId}` on the 1-Wire bus, GPIO{site.Board.OneWirePin} |"));
        }

        if (site.ShedSensors.Smoke is { } smoke)
        {
            doc.Line(smoke.ActiveLow
                ? $"| smoke detector | alarm contact between {Gpio(smoke.Gpio)} and GND (input pulled up; low = alarm) |"
                : $"| smoke detector | alarm contact drives {Gpio(smoke.Gpio)} high (input pulled down; high = alarm) |");
        }

        doc.Line();
    }

    private static void Bins(MarkdownText doc, SiteConfiguration site)
    {
        if (site.Bins.Count == 0)
        {
            return;
        }

        var muxes = site.Multiplexers.ToDictionary(m => m.Id, StringComparer.Ordinal);
        doc.Line("## Bins");
        doc.Line();
        doc.Line("| bin | class | sensor | wiring |");
        doc.Line("|---|---|---|---|");
        foreach (BinDefinition bin in site.Bins)
        {
            string first = $"| {bin.Id} | {ClassName(bin.Class)} ";
            void Row(string sensor, string wiring)
            {
                doc.Line($"{first}| {sensor} | {wiring} |");
                first = "| | ";
            }

            foreach (FillSensorDefinition fill in bin.FillSensors)
            {
                switch (fill)
                {
                    case UltrasonicFillSensor us:
                        Row($"{FillSensorSpec.Of(us.Model).Name} `{us.Id}` (5 V)", $"trigger {Gpio(us.TriggerGpio)}; echo {Gpio(us.EchoGpio)} through a 1 kΩ / 2 kΩ divider");
                        break;
                    case TimeOfFlightFillSensor tof:
                        string where = tof.Multiplexer is { } mux
                            ? Invariant($"`{mux}` ({Hex(muxes[mux].Address)}) channel {tof.MultiplexerChannel}")
                            : "the main I2C bus";
                        Row($"{FillSensorSpec.Of(tof).Name} `{tof.Id}` (3.3 V)", $"I2C at {Hex(tof.Address)} on {where}");
                        break;
                }
            }

            if (bin.Weight is { } weight)
            {
                Row("HX711 load cell", $"DOUT {Gpio(weight.DataGpio)}, PD_SCK {Gpio(weight.ClockGpio)}");
            }

            if (bin.Thermometer is { } thermometer)
            {
                Row($"DS18B20 `{thermometer.Id}`", Invariant($"`{thermometer.DeviceId}` on the 1-Wire bus, GPIO{site.Board.OneWirePin}"));
            }

            if (bin.Lid is { } lid)
            {
                Row("lid switch", lid.ActiveLow ? $"{Gpio(lid.Gpio)} to GND when open (pulled up)" : $"{Gpio(lid.Gpio)} high when open (pulled down)");
            }

            if (bin.Tilt is { } tilt)
            {
                Row("tilt switch", tilt.ActiveLow ? $"{Gpio(tilt.Gpio)} to GND when tipped (pulled up)" : $"{Gpio(tilt.Gpio)} high when tipped (pulled down)");
            }
        }

        doc.Line();
    }

    private static void HeaderTable(MarkdownText doc, SiteConfiguration site)
    {
        SortedDictionary<int, string> uses = GpioUses(site);
        doc.Line("## 40-pin header");
        doc.Line();
        doc.Line("| use | signal | pin | pin | signal | use |");
        doc.Line("|--:|--:|:-:|:-:|:--|:--|");
        for (int row = 0; row < Header.Length; row += 2)
        {
            (string leftUse, string leftSignal) = Cell(Header[row]);
            (string rightUse, string rightSignal) = Cell(Header[row + 1]);
            doc.Line(Invariant($"| {leftUse} | {leftSignal} | {Header[row].Pin} | {Header[row + 1].Pin} | {rightSignal} | {rightUse} |"));
        }

        doc.Line();
        int[] free = [.. Enumerable.Range(0, RaspberryPiPins.MaxHeaderGpio + 1).Where(g => !uses.ContainsKey(g))];
        doc.Line(free.Length == 0
            ? "Free GPIOs: none."
            : $"Free GPIOs: {string.Join(", ", free.Select(Gpio))}.");
        doc.Line();

        (string Use, string Signal) Cell((int Pin, int? Gpio, string? Power) h) => h.Gpio is { } g
            ? (uses.TryGetValue(g, out string? use) ? use : "free", Invariant($"GPIO{g}"))
            : ("", h.Power!);
    }

    /// <summary>What holds every relay open from power-on until the gateway drives it, and what the technician must fit for it.</summary>
    private static void PowerOn(MarkdownText doc, SiteConfiguration site)
    {
        if (site.Ports.Count == 0)
        {
            return;
        }

        doc.Line("## From power-on to the gateway");
        doc.Line();
        doc.Line("Until the gateway has applied this file (and whenever it is not running) every relay must stay open:");
        doc.Line();
        var boardRelays = site.Ports.Where(p => p.Relay.Gpio is not null).ToList();
        if (boardRelays.Count > 0)
        {
            doc.Line("- Board GPIO relays: config.txt's `gpio=` line (below) drives them to their open level about a second");
            doc.Line("  after power-on. Before that the SoC's reset pulls apply: GPIO0–8 are pulled **up**, GPIO9–27 **down**");
            doc.Line("  (50–60 kΩ). The relay board's inputs need their own pull resistor to the open level (10 kΩ or less).");
            var against = boardRelays.Where(p => p.Relay.ActiveLow ? p.Relay.Gpio >= 9 : p.Relay.Gpio <= 8)
                .Select(p => Invariant($"{p.Id} on GPIO{p.Relay.Gpio}")).ToList();
            if (against.Count > 0)
            {
                doc.Line($"  Here the reset pull is towards **on** for {string.Join(", ", against)}: that pull resistor is essential.");
            }
        }

        if (site.Ports.Any(p => p.Relay.Expander is not null))
        {
            doc.Line("- Expander relays: the MCP23017 powers up with every pin an input (floating): each relay input needs a pull");
            doc.Line("  resistor to its open level on the relay board. The gateway then writes the open level before it starts.");
        }

        doc.Line("- `relays-off` runs whenever the service stops, however it stopped (systemd's `ExecStopPost`), and the");
        doc.Line("  hardware watchdog resets a hung board, which returns every pin to its reset state.");
        doc.Line();
    }

    /// <summary>Lines joined with \n whatever the platform.</summary>
    private sealed class MarkdownText
    {
        private readonly StringBuilder _text = new();

        public void Line(string line = "") => _text.Append(line).Append('\n');

        public void Raw(string text) => _text.Append(text);

        public override string ToString() => _text.ToString();
    }
}
