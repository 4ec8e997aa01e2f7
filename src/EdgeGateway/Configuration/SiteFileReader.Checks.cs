using static System.FormattableString;

namespace EdgeGateway.Configuration;

// What only the whole file can show: references between ids, pins, bus addresses, chip selects and ADC channels used
// twice, thresholds a meter cannot reach. The sections record what these checks need as they read.
internal sealed partial class SiteFileReader
{
    /// <summary>The INA219's widest shunt-voltage range (PGA /8) is ±320 mV.</summary>
    private const double Ina219ShuntFullScaleV = 0.32;

    /// <summary>Mains may run 10 % above nominal; the VT channel must not clip there.</summary>
    private const double MainsTolerance = 1.10;

    /// <summary>
    /// Ports are sampled on the protection thread and bins on their own. The TCA9548A binding selects a
    /// channel and then transfers, with no lock between the two, so one multiplexer carrying both a port
    /// meter and a bin sensor would let one thread's channel switch redirect the other's transfer.
    /// </summary>
    private void CheckMultiplexersServeOneThread(List<I2cMultiplexer> multiplexers, IReadOnlyList<ChargingPortDefinition> ports, IReadOnlyList<BinDefinition> bins)
    {
        foreach (I2cMultiplexer mux in multiplexers)
        {
            string[] meters = [.. ports.Where(p => p.Meter is DcMeterDefinition { Multiplexer: var m } && m == mux.Id).Select(p => p.Id)];
            string[] sensors = [.. bins.SelectMany(b => b.FillSensors).OfType<TimeOfFlightFillSensor>().Where(t => t.Multiplexer == mux.Id).Select(t => t.Id)];
            if (meters.Length > 0 && sensors.Length > 0)
            {
                _problems.Add(mux.Line, $"multiplexer {mux.Id} carries port meters ({string.Join(", ", meters)}) and bin sensors ({string.Join(", ", sensors)}): ports and bins are sampled on separate threads and would switch its channels under each other; give the bins their own multiplexer");
            }
        }
    }

    private void CheckReferences()
    {
        foreach (Reference reference in _references)
        {
            (Dictionary<string, int>? defined, string? kind, string? section) = Definitions(reference.Kind);
            var ids = defined.Keys.ToList();
            if (ids.Contains(reference.Id, StringComparer.Ordinal))
            {
                continue;
            }

            string? closest = YamlText.ClosestMatch(reference.Id, ids);
            string suggestion = closest is null ? "" : $" (did you mean '{closest}'?)";
            string known = ids.Count == 0
                ? $"no {kind}s are defined (add them under '{section}:')"
                : $"defined {kind}s: {string.Join(", ", ids)}";
            _problems.Add(reference.Line, $"{reference.Name}: unknown {kind} '{reference.Id}'{suggestion}; {known}");
        }
    }

    private (Dictionary<string, int> Defined, string Kind, string Section) Definitions(ReferenceKind kind) => kind switch
    {
        ReferenceKind.Adc => (_adcLines, "ADC", "adcs"),
        ReferenceKind.Expander => (_expanderLines, "expander", "expanders"),
        _ => (_multiplexerLines, "multiplexer", "multiplexers"),
    };

    /// <summary>The GPIOs the buses in use occupy: they belong to the bus, so anything else on them is the conflict.</summary>
    private void ClaimBusPins(BoardSettings board, int i2cBusLine)
    {
        if (_i2cDevices.Count > 0 && RaspberryPiPins.I2cPins(board.I2cBus) is var (sda, scl))
        {
            int line = i2cBusLine > 0 ? i2cBusLine : _i2cDevices.Min(d => d.Line);
            _gpioClaims.Add(new Claim<int>(sda, Invariant($"I2C bus {board.I2cBus} SDA"), line, Priority: 0));
            _gpioClaims.Add(new Claim<int>(scl, Invariant($"I2C bus {board.I2cBus} SCL"), line, Priority: 0));
        }

        // spiClaims holds every ADC whose bus and chip select are valid, even if another of its keys is not.
        foreach (IGrouping<int, Claim<(int Bus, int ChipSelect)>> bus in _spiClaims.GroupBy(c => c.Key.Bus))
        {
            Claim<(int Bus, int ChipSelect)> first = bus.MinBy(c => c.Line)!;
            foreach ((int pin, string? signal) in RaspberryPiPins.SpiDataPins(bus.Key))
            {
                _gpioClaims.Add(new Claim<int>(pin, Invariant($"SPI{bus.Key} {signal} (used by {first.Owner})"), first.Line, Priority: 0));
            }

            foreach (IGrouping<int, Claim<(int Bus, int ChipSelect)>> chipSelect in bus.GroupBy(c => c.Key.ChipSelect))
            {
                Claim<(int Bus, int ChipSelect)> user = chipSelect.MinBy(c => c.Line)!;
                if (RaspberryPiPins.ChipSelectPin(bus.Key, chipSelect.Key) is { } pin)
                {
                    _gpioClaims.Add(new Claim<int>(pin, Invariant($"SPI{bus.Key} CE{chipSelect.Key} (chip select of {user.Owner})"), user.Line, Priority: 0));
                }
            }
        }
    }

    private void ReportConflicts<TKey>(List<Claim<TKey>> claims, Func<TKey, string> subject, Func<Claim<TKey>, Claim<TKey>, string>? advice = null)
        where TKey : notnull
    {
        foreach (IGrouping<TKey, Claim<TKey>> group in claims.GroupBy(c => c.Key))
        {
            Claim<TKey>? first = null;
            foreach (Claim<TKey>? claim in group.OrderBy(c => c.Priority).ThenBy(c => c.Line))
            {
                if (first is null)
                {
                    first = claim;
                    continue;
                }

                int line = claim.Line > 0 ? claim.Line : first.Line;
                _problems.Add(line, $"{subject(group.Key)} is used twice: {claim.Owner} and {first.Owner}{AtLine(first.Line)}{advice?.Invoke(claim, first)}");
            }
        }
    }

    /// <summary>
    /// Addresses must be unique on the main bus and on each multiplexer channel. A device on the main bus is
    /// also reachable through every multiplexer channel, so it conflicts with the same address behind a mux.
    /// Two time-of-flight sensors (both chips boot at 0x29) get the usual fix added to the message.
    /// </summary>
    private void CheckI2cAddresses(int bus)
    {
        var main = _i2cDevices.Where(d => d.Multiplexer is null).ToList();
        ReportConflicts(
            [.. main.Select(d => new Claim<int>(d.Address, d.Owner, d.Line, Kind: d.Kind))],
            address => Invariant($"I2C address {YamlText.FormatHex(address)} on the main I2C bus (i2c-{bus})"),
            (a, b) => TimeOfFlightAdvice(a.Kind, b.Kind, a.Key));

        foreach (IGrouping<(string? Multiplexer, int? MultiplexerChannel), I2cDevice> channel in _i2cDevices.Where(d => d.Multiplexer is not null).GroupBy(d => (d.Multiplexer, d.MultiplexerChannel)))
        {
            ReportConflicts(
                [.. channel.Select(d => new Claim<int>(d.Address, d.Owner, d.Line, Kind: d.Kind))],
                address => Invariant($"I2C address {YamlText.FormatHex(address)} on {channel.Key.Multiplexer} channel {channel.Key.MultiplexerChannel}"),
                (a, b) => TimeOfFlightAdvice(a.Kind, b.Kind, a.Key));

            foreach (I2cDevice? device in channel)
            {
                I2cDevice? onMain = main.Where(d => d.Address == device.Address).MinBy(d => d.Line);
                if (onMain is null)
                {
                    continue;
                }

                string behindMux = Invariant($"{device.Owner} on {device.Multiplexer} channel {device.MultiplexerChannel}");
                string mainBus = $"{onMain.Owner} on the main I2C bus";
                (int line, string? later, string? earlier, int earlierLine) = device.Line >= onMain.Line
                    ? (device.Line, behindMux, mainBus, onMain.Line)
                    : (onMain.Line, mainBus, behindMux, device.Line);
                _problems.Add(line, $"I2C address {YamlText.FormatHex(device.Address)} is used twice: {later} and {earlier}{AtLine(earlierLine)}; a device on the main I2C bus answers on every multiplexer channel too{TimeOfFlightAdvice(device.Kind, onMain.Kind, device.Address)}");
            }
        }
    }

    /// <summary>
    /// A short-circuit threshold at or above what the meter can read would never trip. A port's own override is
    /// reported at the override; the site-wide value once, at <c>protection.port</c>, naming the ports it fails on.
    /// </summary>
    private void CheckMeterFullScale(int? siteShortCircuitLine)
    {
        var inherited = new List<(PortMeterFacts Facts, double FullScale, string Why)>();
        foreach (PortMeterFacts facts in _meterFacts)
        {
            double fullScale;
            string why;
            if (facts.Adc is not null && _adcsById.TryGetValue(facts.Adc, out AdcChip? adc))
            {
                // The CT's burden voltage rides on a mid-supply bias: the ADC sees ±referenceV/2 around it.
                fullScale = adc.ReferenceV / 2 * facts.AmpsPerAdcVolt;
                why = $"referenceV {YamlText.Format(adc.ReferenceV)} V / 2 × ampsPerAdcVolt {YamlText.Format(facts.AmpsPerAdcVolt)} A/V; the CT is biased at mid-supply";
            }
            else if (facts.ShuntOhms is { } shunt && facts.MaxCurrentA is { } maxCurrent)
            {
                // The port meter reads current from the shunt register (see Ina219PortMeter), whose full
                // scale at PGA ÷8 is 0.32 V; maxCurrentA only sizes the chip's own Current register.
                _ = maxCurrent;
                fullScale = Ina219ShuntFullScaleV / shunt;
                why = $"the INA219's shunt input saturates at 0.32 V / shuntOhms {YamlText.Format(shunt)} Ω";
            }
            else
            {
                continue;
            }

            double threshold = facts.Port.Protection.ShortCircuitPeakA;
            if (threshold < fullScale)
            {
                continue;
            }

            if (facts.Port.ShortCircuitOverrideLine is { } line)
            {
                _problems.Add(line, $"{facts.Port.ShortCircuitOverrideName}: {YamlText.Format(threshold)} A is unreachable: the channel saturates at {YamlText.Format(fullScale)} A ({why})");
            }
            else
            {
                inherited.Add((facts, fullScale, why));
            }
        }

        foreach (IGrouping<(double FullScale, string Why), (PortMeterFacts Facts, double FullScale, string Why)> group in inherited.GroupBy(x => (x.FullScale, x.Why)))
        {
            (PortMeterFacts Facts, double FullScale, string Why) first = group.First();
            double threshold = first.Facts.Port.Protection.ShortCircuitPeakA;
            var ports = group.Select(x => x.Facts.Port.Label).ToList();
            string which = ports.Count == 1 ? $"port {ports[0]}: its channel saturates" : $"ports {string.Join(", ", ports)}: their channels saturate";
            if (siteShortCircuitLine is { } line)
            {
                _problems.Add(line, $"protection.port.shortCircuitPeakA: {YamlText.Format(threshold)} A is unreachable on {which} at {YamlText.Format(group.Key.FullScale)} A ({group.Key.Why})");
            }
            else
            {
                _problems.Add(
                    first.Facts.FullScaleLine,
                    $"shortCircuitPeakA (default {YamlText.Format(threshold)} A) is unreachable on {which} at {YamlText.Format(group.Key.FullScale)} A ({group.Key.Why}); set protection.port.shortCircuitPeakA or the port's own protection override below it");
            }
        }
    }

    /// <summary>The VT channel must read the mains peak (with +10 % tolerance) without clipping.</summary>
    private void CheckMainsVoltageRange(MainsSettings? mains, int voltsPerAdcVoltLine)
    {
        if (mains is null || !_adcsById.TryGetValue(mains.VoltageSensor.Adc, out AdcChip? adc))
        {
            return;
        }

        double fullScalePeak = adc.ReferenceV / 2 * mains.VoltsPerAdcVolt;
        double neededPeak = mains.NominalVoltageV * Math.Sqrt(2) * MainsTolerance;
        if (fullScalePeak < neededPeak)
        {
            _problems.Add(
                voltsPerAdcVoltLine,
                $"mains.voltsPerAdcVolt: the voltage channel saturates at {YamlText.Format(Math.Round(fullScalePeak, 1))} V peak ({adc.Id} referenceV {YamlText.Format(adc.ReferenceV)} V / 2 × {YamlText.Format(mains.VoltsPerAdcVolt)} V/V), below the {YamlText.Format(Math.Round(neededPeak, 1))} V peak of {YamlText.Format(mains.NominalVoltageV)} V mains +10 %; check the VT calibration");
        }
    }

    private enum ReferenceKind
    {
        Adc,
        Expander,
        Multiplexer,
    }

    private sealed record Reference(ReferenceKind Kind, string Id, int Line, string Name);

    /// <summary>
    /// One user of a resource (a pin, a channel, a chip select). Lower <paramref name="Priority"/> owns the
    /// resource (buses, then the 1-Wire overlay, then everything else in file order); the others are reported.
    /// Line 0 means the claim comes from a default, not from a line of the file. <paramref name="Kind"/> says what
    /// sort of device the user is, where that changes the advice a message gives.
    /// </summary>
    private sealed record Claim<TKey>(TKey Key, string Owner, int Line, int Priority = 2, string? Kind = null);

    private sealed record I2cDevice(int Address, string? Multiplexer, int? MultiplexerChannel, string Owner, int Line, string? Kind = null);

    /// <summary>What the full-scale check needs about one port's meter (AC: ADC and CT; DC: INA219 shunt and range).</summary>
    private sealed record PortMeterFacts(
        PortContext Port,
        int FullScaleLine,
        string? Adc,
        double AmpsPerAdcVolt,
        double? ShuntOhms,
        double? MaxCurrentA);
}
