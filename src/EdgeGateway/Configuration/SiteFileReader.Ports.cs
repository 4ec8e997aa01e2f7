namespace EdgeGateway.Configuration;

// The charging ports: `ports:`, each with its meter (ac: a CT on an ADC channel; dc: an INA219), its relay and its
// own protection overrides.
internal sealed partial class SiteFileReader
{
    private static readonly string[] PortKeys = ["id", "meter", "relay", "protection", "disabled"];
    private static readonly string[] AcMeterKeys = ["type", "adc", "channel", "ampsPerAdcVolt"];
    private static readonly string[] DcMeterKeys = ["type", "address", "multiplexer", "multiplexerChannel", "shuntOhms", "maxCurrentA", "busVoltageDivider"];
    private static readonly string[] AnyMeterKeys = [.. AcMeterKeys.Union(DcMeterKeys, StringComparer.Ordinal)];
    private static readonly string[] RelayKeys = ["gpio", "expander", "pin", "activeLow"];

    private List<ChargingPortDefinition> ReadPorts(MappingReader root, PortProtectionSettings siteProtection)
    {
        var result = new List<ChargingPortDefinition>();
        var items = root.List("ports");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var m = MappingReader.Read(problems, item, ItemPath("ports", item, i), YamlText.LineOf(item), PortKeys);
            var id = m.String("id", required: true, IdPattern(), IdRule);
            var portName = id is null ? m.Path : $"port {id}";

            var protectionReader = m.Mapping("protection", required: false, PortProtectionKeys);
            var protection = ReadPortProtection(protectionReader, siteProtection);
            var context = new PortContext(
                id ?? m.Path,
                portName,
                protection,
                protectionReader.Has("shortCircuitPeakA") ? protectionReader.LineOf("shortCircuitPeakA") : null,
                protectionReader.Name("shortCircuitPeakA"));

            var meter = ReadMeter(m, context);
            var relay = ReadRelay(m, portName);
            var disabled = m.Bool("disabled") ?? false;

            if (id is not null && !Register(portLines, id, m.Line, "port id"))
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
        var type = port.Node("meter") is { } meterNode ? MappingReader.PeekScalar(meterNode, "type")?.Trim() : null;
        var isAc = string.Equals(type, "ac", StringComparison.OrdinalIgnoreCase);
        var isDc = string.Equals(type, "dc", StringComparison.OrdinalIgnoreCase);
        var allowed = isAc ? AcMeterKeys : isDc ? DcMeterKeys : AnyMeterKeys;
        Func<string, string?> misplaced = key =>
            isAc && DcMeterKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is a dc meter key, but this meter is type ac"
            : isDc && AcMeterKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is an ac meter key, but this meter is type dc"
            : null;

        var m = port.Mapping("meter", required: true, allowed, misplaced);
        var kind = m.Choice("type", required: true, "ac", "dc");
        if (kind == "ac")
        {
            acPorts.Add((context.Label, m.LineOf("type")));
        }

        return kind switch
        {
            "ac" => ReadAcMeter(m, context),
            "dc" => ReadDcMeter(m, context),
            _ => null,
        };
    }

    private AcMeterDefinition? ReadAcMeter(MappingReader m, PortContext context)
    {
        var adc = m.String("adc", required: true);
        var channel = m.Int("channel", required: true, 0, AdcChannels - 1, "(ADC input)");
        var ampsPerAdcVolt = m.Number("ampsPerAdcVolt", required: true, 1, 1000, "A/V (CT primary amps per volt at the ADC pin)");

        if (adc is not null)
        {
            references.Add(new Reference(ReferenceKind.Adc, adc, m.LineOf("adc"), m.Name("adc")));
        }

        if (adc is not null && channel is not null)
        {
            adcChannelClaims.Add(new Claim<(string, int)>((adc, channel.Value), $"current sensor of {context.Name}", m.LineOf("channel")));
        }

        if (adc is null || channel is null || ampsPerAdcVolt is null)
        {
            return null;
        }

        meterFacts.Add(new PortMeterFacts(context, m.LineOf("ampsPerAdcVolt"), adc, ampsPerAdcVolt.Value, null, null));
        return new AcMeterDefinition(new AnalogChannel(adc, channel.Value, m.LineOf("channel")), ampsPerAdcVolt.Value, m.Line);
    }

    private DcMeterDefinition? ReadDcMeter(MappingReader m, PortContext context)
    {
        var address = m.Int("address", required: true, 0x40, 0x4F, "(INA219, set by A0/A1)", hex: true);
        var multiplexer = m.String("multiplexer", required: false);
        var multiplexerChannel = m.Int("multiplexerChannel", required: multiplexer is not null, 0, 7, "(TCA9548A channel)");
        var shuntOhms = m.Number("shuntOhms", required: true, 0.0001, 10, "Ω");
        var maxCurrentA = m.Number("maxCurrentA", required: true, 0.1, 50, "A");
        var divider = m.Number("busVoltageDivider", required: false, 1, 20, "(pack volts per volt at the INA219)") ?? 1;

        if (m.Has("multiplexerChannel") && !m.Has("multiplexer"))
        {
            problems.Add(m.LineOf("multiplexerChannel"), $"{m.Name("multiplexerChannel")}: a multiplexer channel needs 'multiplexer: ID' (which TCA9548A the INA219 sits behind)");
        }

        if (multiplexer is not null)
        {
            references.Add(new Reference(ReferenceKind.Multiplexer, multiplexer, m.LineOf("multiplexer"), m.Name("multiplexer")));
        }

        var onMainBus = multiplexer is null && !m.Has("multiplexerChannel");
        var behindMux = multiplexer is not null && multiplexerChannel is not null;
        if (address is { } a && (onMainBus || behindMux))
        {
            i2cDevices.Add(new I2cDevice(a, multiplexer, multiplexerChannel, $"INA219 of {context.Name}", m.LineOf("address")));
        }

        if (address is null || shuntOhms is null || maxCurrentA is null || (multiplexer is not null && multiplexerChannel is null))
        {
            return null;
        }

        var limitLine = m.LineOf("shuntOhms");
        meterFacts.Add(new PortMeterFacts(context, limitLine, null, 0, shuntOhms, maxCurrentA));
        return new DcMeterDefinition(address.Value, multiplexer, multiplexerChannel, shuntOhms.Value, maxCurrentA.Value, divider, m.Line);
    }

    private RelayOutput? ReadRelay(MappingReader port, string portName)
    {
        var m = port.Mapping("relay", required: true, RelayKeys);
        var gpio = m.Int("gpio", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        var expander = m.String("expander", required: false);
        var pin = m.Int("pin", required: false, 0, 15, "(MCP23017 GPA0-7 = 0-7, GPB0-7 = 8-15)");
        var activeLow = m.Bool("activeLow") ?? false;
        var owner = $"relay of {portName}";

        if (!m.IsPresent)
        {
            return null;
        }

        if (m.Has("gpio") && (m.Has("expander") || m.Has("pin")))
        {
            problems.Add(m.Line, $"{m.Path}: give either 'gpio: N' or 'expander: ID' with 'pin: N', not both");
            return null;
        }

        if (m.Has("gpio"))
        {
            if (gpio is null)
            {
                return null;
            }

            gpioClaims.Add(new Claim<int>(gpio.Value, owner, m.LineOf("gpio")));
            return new RelayOutput(gpio, null, null, activeLow, m.Line);
        }

        if (m.Has("expander"))
        {
            if (!m.Has("pin"))
            {
                problems.Add(m.Line, $"{m.Path}: missing required key 'pin' (the MCP23017 pin 0..15 driving the relay)");
            }

            if (expander is not null)
            {
                references.Add(new Reference(ReferenceKind.Expander, expander, m.LineOf("expander"), m.Name("expander")));
            }

            if (expander is null || pin is null)
            {
                return null;
            }

            expanderPinClaims.Add(new Claim<(string, int)>((expander, pin.Value), owner, m.LineOf("pin")));
            return new RelayOutput(null, expander, pin, activeLow, m.Line);
        }

        if (m.Has("pin"))
        {
            problems.Add(m.LineOf("pin"), $"{m.Name("pin")}: a pin needs 'expander: ID' (which MCP23017 it is on)");
        }
        else
        {
            problems.Add(m.Line, $"{m.Path}: give either 'gpio: N' (a board GPIO, BCM 0..27) or 'expander: ID' with 'pin: N' (0..15)");
        }

        return null;
    }

    /// <summary>
    /// A port as its meter sees it: <paramref name="Label"/> is its id (or its position when the id is unusable),
    /// <paramref name="Name"/> how messages name it, and where its own short-circuit override is, if it has one.
    /// </summary>
    private sealed record PortContext(string Label, string Name, PortProtectionSettings Protection, int? ShortCircuitOverrideLine, string ShortCircuitOverrideName);
}
