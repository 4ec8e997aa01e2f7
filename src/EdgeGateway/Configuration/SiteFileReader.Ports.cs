using EdgeGateway.Hardware.Metering.Bl0942;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

// The charging ports: `ports:`, each with its meter (ac: a CT on an ADC channel; dc: an INA219; bl0942: a metering IC on
// a UART), its relay and its
// own protection overrides.
internal sealed partial class SiteFileReader
{
    private static readonly string[] PortKeys = ["id", "meter", "relay", "protection", "disabled"];
    private static readonly string[] AcMeterKeys = ["type", "adc", "channel", "ampsPerAdcVolt"];
    private static readonly string[] DcMeterKeys = ["type", "address", "multiplexer", "multiplexerChannel", "shuntOhms", "maxCurrentA", "busVoltageDivider"];
    private static readonly string[] Bl0942MeterKeys = ["type", "serial", "address", "shuntOhms", "voltageDivider", "overCurrentGpio", "baud"];
    private static readonly string[] Hlw8032MeterKeys = ["type", "serial", "voltageCoefficient", "currentCoefficient"];
    private static readonly string[] AnyMeterKeys = [.. AcMeterKeys.Union(DcMeterKeys, StringComparer.Ordinal).Union(Bl0942MeterKeys, StringComparer.Ordinal).Union(Hlw8032MeterKeys, StringComparer.Ordinal)];
    private bool _uart0Claimed;

    private static readonly string[] RelayKeys = ["gpio", "expander", "pin", "activeLow", "feedback"];
    private static readonly string[] FeedbackKeys = ["gpio", "expander", "pin", "activeLow"];

    private List<ChargingPortDefinition> ReadPorts(MappingReader root, PortProtectionSettings siteProtection)
    {
        var result = new List<ChargingPortDefinition>();
        IReadOnlyList<YamlNode> items = root.List("ports");
        for (int i = 0; i < items.Count; i++)
        {
            YamlNode item = items[i];
            var m = MappingReader.Read(_problems, item, ItemPath("ports", item, i), YamlText.LineOf(item), PortKeys);
            string? id = m.String("id", required: true, IdPattern(), IdRule);
            string portName = id is null ? m.Path : $"port {id}";

            MappingReader protectionReader = m.Mapping("protection", required: false, PortProtectionKeys);
            PortProtectionSettings protection = ReadPortProtection(protectionReader, siteProtection);
            var context = new PortContext(
                id ?? m.Path,
                portName,
                protection,
                protectionReader.Has("shortCircuitPeakA") ? protectionReader.LineOf("shortCircuitPeakA") : null,
                protectionReader.Name("shortCircuitPeakA"));

            PortMeterDefinition? meter = ReadMeter(m, context);
            RelayOutput? relay = ReadRelay(m, portName);
            bool disabled = m.Bool("disabled") ?? false;

            if (id is not null && !Register(_portLines, id, m.Line, "port id"))
            {
                continue;
            }

            if (id is not null && meter is not null && relay is not null)
            {
                result.Add(new ChargingPortDefinition
                {
                    Id = id,
                    Meter = meter,
                    Relay = relay,
                    Protection = protection,
                    Disabled = disabled,
                    Line = m.Line,
                });
            }
        }

        return result;
    }

    private PortMeterDefinition? ReadMeter(MappingReader port, PortContext context)
    {
        string? type = port.Node("meter") is { } meterNode ? MappingReader.PeekScalar(meterNode, "type")?.Trim() : null;
        bool isAc = string.Equals(type, "ac", StringComparison.OrdinalIgnoreCase);
        bool isDc = string.Equals(type, "dc", StringComparison.OrdinalIgnoreCase);
        bool isBl0942 = string.Equals(type, "bl0942", StringComparison.OrdinalIgnoreCase);
        bool isHlw8032 = string.Equals(type, "hlw8032", StringComparison.OrdinalIgnoreCase);
        string[] allowed = isAc ? AcMeterKeys : isDc ? DcMeterKeys : isBl0942 ? Bl0942MeterKeys : isHlw8032 ? Hlw8032MeterKeys : AnyMeterKeys;
        Func<string, string?> misplaced = key =>
            isHlw8032 ? (Hlw8032MeterKeys.Contains(key, StringComparer.Ordinal) ? null : $"'{key}' is not an hlw8032 meter key (an HLW8032 takes serial, voltageCoefficient, currentCoefficient)")
            : Hlw8032MeterKeys.Except(Bl0942MeterKeys, StringComparer.Ordinal).Contains(key, StringComparer.Ordinal) ? $"'{key}' is an hlw8032 meter key, but this meter is type {type}"
            : isAc && DcMeterKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is a dc meter key, but this meter is type ac"
            : isDc && AcMeterKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is an ac meter key, but this meter is type dc"
            : !isBl0942 && Bl0942MeterKeys.Except(AcMeterKeys.Union(DcMeterKeys), StringComparer.Ordinal).Contains(key, StringComparer.Ordinal) ? $"'{key}' is a bl0942 meter key, but this meter is type {type}"
            : isBl0942 && AcMeterKeys.Union(DcMeterKeys).Except(Bl0942MeterKeys, StringComparer.Ordinal).Contains(key, StringComparer.Ordinal) ? $"'{key}' is not a bl0942 meter key (a BL0942 takes serial, address, shuntOhms, voltageDivider, overCurrentGpio, baud)"
            : null;

        MappingReader m = port.Mapping("meter", required: true, allowed, misplaced);
        string? kind = m.Choice("type", required: true, "ac", "dc", "bl0942", "hlw8032");
        if (kind == "ac")
        {
            _acPorts.Add((context.Label, m.LineOf("type")));
        }

        return kind switch
        {
            "ac" => ReadAcMeter(m, context),
            "dc" => ReadDcMeter(m, context),
            "bl0942" => ReadBl0942Meter(m, context),
            "hlw8032" => ReadHlw8032Meter(m, context),
            _ => null,
        };
    }

    private AcMeterDefinition? ReadAcMeter(MappingReader m, PortContext context)
    {
        string? adc = m.String("adc", required: true);
        int? channel = m.Int("channel", required: true, 0, AdcChannels - 1, "(ADC input)");
        double? ampsPerAdcVolt = m.Number("ampsPerAdcVolt", required: true, 1, 1000, "A/V (CT primary amps per volt at the ADC pin)");

        if (adc is not null)
        {
            _references.Add(new Reference(ReferenceKind.Adc, adc, m.LineOf("adc"), m.Name("adc")));
        }

        if (adc is not null && channel is not null)
        {
            _adcChannelClaims.Add(new Claim<(string, int)>((adc, channel.Value), $"current sensor of {context.Name}", m.LineOf("channel")));
        }

        if (adc is null || channel is null || ampsPerAdcVolt is null)
        {
            return null;
        }

        _meterFacts.Add(new PortMeterFacts(context, m.LineOf("ampsPerAdcVolt"), adc, ampsPerAdcVolt.Value, null, null));
        return new AcMeterDefinition(new AnalogChannel(adc, channel.Value, m.LineOf("channel")), ampsPerAdcVolt.Value, m.Line);
    }

    private DcMeterDefinition? ReadDcMeter(MappingReader m, PortContext context)
    {
        int? address = m.Int("address", required: true, 0x40, 0x4F, "(INA219, set by A0/A1)", hex: true);
        string? multiplexer = m.String("multiplexer", required: false);
        int? multiplexerChannel = m.Int("multiplexerChannel", required: multiplexer is not null, 0, 7, "(TCA9548A channel)");
        double? shuntOhms = m.Number("shuntOhms", required: true, 0.0001, 10, "Ω");
        double? maxCurrentA = m.Number("maxCurrentA", required: true, 0.1, 50, "A");
        double divider = m.Number("busVoltageDivider", required: false, 1, 20, "(pack volts per volt at the INA219)") ?? 1;

        if (m.Has("multiplexerChannel") && !m.Has("multiplexer"))
        {
            _problems.Add(m.LineOf("multiplexerChannel"), $"{m.Name("multiplexerChannel")}: a multiplexer channel needs 'multiplexer: ID' (which TCA9548A the INA219 sits behind)");
        }

        if (multiplexer is not null)
        {
            _references.Add(new Reference(ReferenceKind.Multiplexer, multiplexer, m.LineOf("multiplexer"), m.Name("multiplexer")));
        }

        bool onMainBus = multiplexer is null && !m.Has("multiplexerChannel");
        bool behindMux = multiplexer is not null && multiplexerChannel is not null;
        if (address is { } a && (onMainBus || behindMux))
        {
            _i2cDevices.Add(new I2cDevice(a, multiplexer, multiplexerChannel, $"INA219 of {context.Name}", m.LineOf("address")));
        }

        if (address is null || shuntOhms is null || maxCurrentA is null || (multiplexer is not null && multiplexerChannel is null))
        {
            return null;
        }

        int limitLine = m.LineOf("shuntOhms");
        _meterFacts.Add(new PortMeterFacts(context, limitLine, null, 0, shuntOhms, maxCurrentA));
        return new DcMeterDefinition(address.Value, multiplexer, multiplexerChannel, shuntOhms.Value, maxCurrentA.Value, divider, m.Line);
    }

    /// <summary>
    /// A BL0942 on a UART: <c>{ type: bl0942, serial: /dev/ttyAMA0, address: 0, shuntOhms: 0.001, voltageDivider: 3824.5,
    /// overCurrentGpio: 17 }</c>. Up to four chips share a serial device, each at its own A1/A2 address.
    /// </summary>
    private Bl0942MeterDefinition? ReadBl0942Meter(MappingReader m, PortContext context)
    {
        string? serial = m.String("serial", required: true);
        int? address = m.Int("address", required: true, 0, 3, "(BL0942 A2A1 pins)");
        double? shuntOhms = m.Number("shuntOhms", required: true, 0.0001, 0.1, "Ω (the current shunt between IP and IN)");
        double? divider = m.Number("voltageDivider", required: true, 100, 100000, "(line volts per volt at the VP pin)");
        int? overCurrentGpio = m.Int("overCurrentGpio", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        int? baud = m.Int("baud", required: false, 1, 1_000_000, "baud");
        if (baud is { } b && !Bl0942Frame.BaudRates.Contains(b))
        {
            _problems.Add(m.LineOf("baud"), $"{m.Name("baud")}: a BL0942 talks at {string.Join(", ", Bl0942Frame.BaudRates)} baud (4800: its SCLK_BPS pin low; 19200 and 38400: set in its MODE register), not {b}");
            baud = null;
        }

        if (serial is not null && !serial.StartsWith("/dev/", StringComparison.Ordinal))
        {
            _problems.Add(m.LineOf("serial"), $"{m.Name("serial")}: '{serial}' is not a serial device path (e.g. /dev/ttyAMA0, /dev/ttyUSB0)");
            serial = null;
        }

        ClaimUart0(serial, m);

        if (serial is not null && address is not null)
        {
            _serialAddressClaims.Add(new Claim<(string, int)>((serial, address.Value), $"meter of {context.Name}", m.LineOf("address")));
        }

        // The chips of one UART share its rate: the line is set to one rate at a time.
        int rate = baud ?? Bl0942Frame.BaudRate;
        if (serial is not null)
        {
            if (_bl0942Bauds.TryGetValue(serial, out (int Baud, string Owner, int Line) first) && first.Baud != rate)
            {
                _problems.Add(m.Has("baud") ? m.LineOf("baud") : m.Line, $"{m.Name("baud")}: {rate} baud, but the {first.Owner} on {serial} (line {first.Line}) talks at {first.Baud}: the chips of one UART share its rate");
            }
            else
            {
                _bl0942Bauds.TryAdd(serial, (rate, $"meter of {context.Name}", m.Line));
            }
        }

        if (overCurrentGpio is not null)
        {
            _gpioClaims.Add(new Claim<int>(overCurrentGpio.Value, $"over-current output of {context.Name}'s BL0942", m.LineOf("overCurrentGpio")));
        }

        if (serial is null || address is null || shuntOhms is null || divider is null)
        {
            return null;
        }

        return new Bl0942MeterDefinition(serial, address.Value, shuntOhms.Value, divider.Value, overCurrentGpio, m.Line) { Baud = rate };
    }

    /// <summary>
    /// An HLW8032 on a UART of its own: <c>{ type: hlw8032, serial: /dev/ttyUSB3, voltageCoefficient: 1.88,
    /// currentCoefficient: 1.0 }</c>. The IC sends unasked and has no address, so no other meter may share its device.
    /// </summary>
    private Hlw8032MeterDefinition? ReadHlw8032Meter(MappingReader m, PortContext context)
    {
        string? serial = m.String("serial", required: true);
        double? kv = m.Number("voltageCoefficient", required: true, 0.1, 100, "(Kv: the voltage divider's ratio / 1000, 1.88 for 4 × 470 kΩ over 1 kΩ)");
        double? ki = m.Number("currentCoefficient", required: true, 0.01, 100, "(Ki: 1 / (shunt Ω × 1000), 1 for 1 mΩ)");
        if (serial is not null && !serial.StartsWith("/dev/", StringComparison.Ordinal))
        {
            _problems.Add(m.LineOf("serial"), $"{m.Name("serial")}: '{serial}' is not a serial device path (e.g. /dev/ttyUSB0, /dev/ttyAMA0)");
            serial = null;
        }

        ClaimUart0(serial, m);
        if (serial is not null)
        {
            _serialLineClaims.Add(new Claim<string>(serial, $"HLW8032 of {context.Name}", m.LineOf("serial")));
        }

        return serial is null || kv is null || ki is null ? null : new Hlw8032MeterDefinition(serial, kv.Value, ki.Value, m.Line);
    }

    /// <summary>UART0 takes BCM 14 and 15 (TXD0, RXD0): nothing else may use them.</summary>
    private void ClaimUart0(string? serial, MappingReader m)
    {
        if (serial == PinMap.Bl0942Uart0 && !_uart0Claimed)
        {
            _uart0Claimed = true;
            _gpioClaims.Add(new Claim<int>(14, "UART0 TXD0 (/dev/ttyAMA0)", m.LineOf("serial"), Priority: 1));
            _gpioClaims.Add(new Claim<int>(15, "UART0 RXD0 (/dev/ttyAMA0)", m.LineOf("serial"), Priority: 1));
        }
    }

    private RelayOutput? ReadRelay(MappingReader port, string portName)
    {
        MappingReader m = port.Mapping("relay", required: true, RelayKeys);
        int? gpio = m.Int("gpio", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        string? expander = m.String("expander", required: false);
        int? pin = m.Int("pin", required: false, 0, 15, "(MCP23017 GPA0-7 = 0-7, GPB0-7 = 8-15)");
        bool activeLow = m.Bool("activeLow") ?? false;
        string owner = $"relay of {portName}";
        RelayFeedbackInput? feedback = ReadRelayFeedback(m, portName);

        if (!m.IsPresent)
        {
            return null;
        }

        if (m.Has("gpio") && (m.Has("expander") || m.Has("pin")))
        {
            _problems.Add(m.Line, $"{m.Path}: give either 'gpio: N' or 'expander: ID' with 'pin: N', not both");
            return null;
        }

        if (m.Has("gpio"))
        {
            if (gpio is null)
            {
                return null;
            }

            _gpioClaims.Add(new Claim<int>(gpio.Value, owner, m.LineOf("gpio")));
            return new RelayOutput(gpio, null, null, activeLow, m.Line) { Feedback = feedback };
        }

        if (m.Has("expander"))
        {
            if (!m.Has("pin"))
            {
                _problems.Add(m.Line, $"{m.Path}: missing required key 'pin' (the MCP23017 pin 0..15 driving the relay)");
            }

            if (expander is not null)
            {
                _references.Add(new Reference(ReferenceKind.Expander, expander, m.LineOf("expander"), m.Name("expander")));
            }

            if (expander is null || pin is null)
            {
                return null;
            }

            _expanderPinClaims.Add(new Claim<(string, int)>((expander, pin.Value), owner, m.LineOf("pin")));
            return new RelayOutput(null, expander, pin, activeLow, m.Line) { Feedback = feedback };
        }

        if (m.Has("pin"))
        {
            _problems.Add(m.LineOf("pin"), $"{m.Name("pin")}: a pin needs 'expander: ID' (which MCP23017 it is on)");
        }
        else
        {
            _problems.Add(m.Line, $"{m.Path}: give either 'gpio: N' (a board GPIO, BCM 0..27) or 'expander: ID' with 'pin: N' (0..15)");
        }

        return null;
    }

    /// <summary>
    /// The optional contact-feedback input under a relay: <c>feedback: { gpio: N }</c> or
    /// <c>feedback: { expander: ID, pin: N, activeLow: true }</c>. Its pin is claimed like any other, so it cannot also
    /// drive a relay or read a sensor.
    /// </summary>
    private RelayFeedbackInput? ReadRelayFeedback(MappingReader relay, string portName)
    {
        MappingReader m = relay.Mapping("feedback", required: false, FeedbackKeys);
        if (!m.IsPresent)
        {
            return null;
        }

        int? gpio = m.Int("gpio", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        string? expander = m.String("expander", required: false);
        int? pin = m.Int("pin", required: false, 0, 15, "(MCP23017 GPA0-7 = 0-7, GPB0-7 = 8-15)");
        bool? activeLowValue = m.Bool("activeLow");
        bool activeLow = activeLowValue ?? false;
        string owner = $"relay feedback of {portName}";

        if (m.Has("gpio") == (m.Has("expander") || m.Has("pin")))
        {
            _problems.Add(m.Line, $"{m.Path}: give either 'gpio: N' (a board GPIO) or 'expander: ID' with 'pin: N' (0..15) for the contact-feedback input");
            return null;
        }

        if (gpio is not null)
        {
            _gpioClaims.Add(new Claim<int>(gpio.Value, owner, m.LineOf("gpio")));
            return new RelayFeedbackInput(gpio, null, null, activeLow, m.Line);
        }

        if (!m.Has("expander") || !m.Has("pin"))
        {
            _problems.Add(m.Line, $"{m.Path}: an expander input needs both 'expander: ID' and 'pin: N' (0..15)");
            return null;
        }

        if (activeLowValue != true)
        {
            // MCP23017 datasheet, GPPU (register 0x0C/0x0D): the chip has pull-ups and no pull-downs, so a contact on one
            // of its pins can only pull the input low against the pull-up.
            _problems.Add(m.LineOf("pin"), $"{m.Name("pin")}: an MCP23017 input has a pull-up only (GPPU): wire the feedback contact to GND and set 'activeLow: true'");
        }

        if (expander is not null)
        {
            _references.Add(new Reference(ReferenceKind.Expander, expander, m.LineOf("expander"), m.Name("expander")));
        }

        if (expander is null || pin is null)
        {
            return null;
        }

        _expanderPinClaims.Add(new Claim<(string, int)>((expander, pin.Value), owner, m.LineOf("pin")));
        return new RelayFeedbackInput(null, expander, pin, activeLow, m.Line);
    }

    /// <summary>
    /// A port as its meter sees it: <paramref name="Label"/> is its id (or its position when the id is unusable),
    /// <paramref name="Name"/> how messages name it, and where its own short-circuit override is, if it has one.
    /// </summary>
    private sealed record PortContext(string Label, string Name, PortProtectionSettings Protection, int? ShortCircuitOverrideLine, string ShortCircuitOverrideName);
}
