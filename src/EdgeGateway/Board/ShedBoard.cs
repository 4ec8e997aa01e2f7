using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using System.IO.Ports;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Metering.Bl0942;
using EdgeGateway.Hardware.Metering.Hlw8032;
using EdgeGateway.Hardware.Metering.SupplyMeters;
using EdgeGateway.Hardware.Modbus;
using EdgeGateway.Hardware.Relays;
using EdgeGateway.Hardware.ShedSensors;
using EdgeGateway.Protection;
using Iot.Device.Adc;
using Iot.Device.Mcp23xxx;
using Iot.Device.Tca954x;

namespace EdgeGateway.Board;

/// <summary>
/// A shed's hardware as the site file wires it, built from the real Iot.Device bindings over a
/// board's buses (real or simulated): one meter and one relay per port, the voltage transformer,
/// the smoke input and the thermometers.
/// </summary>
public sealed class ShedBoard : IRelayBank, IDisposable
{
    private readonly IBoardBuses _buses;
    private readonly Dictionary<string, SerialPort> _serialLines = new(StringComparer.Ordinal);
    private TimeProvider _time = TimeProvider.System;
    private readonly List<(string Name, IDisposable Part)> _owned = [];
    private bool _released;

    private ShedBoard(IBoardBuses buses) => _buses = buses;

    /// <summary>The buses the board was built on, for the optional devices a service owns (the card terminal).</summary>
    public IBoardBuses Buses => _buses;

    /// <summary>The monotonic clock the meters measure durations on (the shed's clock in simulation).</summary>
    public TimeProvider Time => _time;

    public IReadOnlyList<IPortMeter> Meters { get; private set; } = [];

    public IReadOnlyList<PortRelay> Relays { get; private set; } = [];

    /// <summary>Each port's relay contact-feedback input (by port index), null where none is fitted.</summary>
    public IReadOnlyList<ContactInput?> RelayFeedback { get; private set; } = [];

    public MainsCycleSampler? Mains { get; private set; }

    public ContactInput? Smoke { get; private set; }

    public IReadOnlyList<IShedThermometer> Thermometers { get; private set; } = [];

    /// <summary>Relays <see cref="OpenEveryRelay"/> could not reach (a dead expander, a pin refused), each with why.</summary>
    public IReadOnlyList<string> UnreachableRelays { get; private set; } = [];

    /// <summary>The shed's supply meter on its RS-485 line; null without one, or when its line did not open (<see cref="SupplyMeterFault"/>).</summary>
    public SupplyMeter? SupplyMeter { get; private set; }

    /// <summary>Why the site file's supply meter could not be opened: reported as its fault at every poll, never a failed start.</summary>
    public string? SupplyMeterFault { get; private set; }

    /// <summary>The bins' sensors, sampled on the bin thread.</summary>
    public IReadOnlyList<BinHardware> Bins { get; private set; } = [];

    /// <summary>
    /// Builds the board and drives every relay open. Throws <see cref="BoardException"/> naming the part
    /// that failed. <paramref name="thermometers"/> makes a DS18B20 reader for a thermometer of the site
    /// file (the shed's and the bins'). With <paramref name="relaysOnly"/> only the relays are claimed
    /// (the relays-off command must not depend on any sensor answering).
    /// </summary>
    /// <paramref name="time"/> is the monotonic clock meters measure durations on (the shed's clock in simulation).
    public static ShedBoard Create(SiteConfiguration site, IBoardBuses buses, Func<ThermometerDefinition, IShedThermometer> thermometers, bool relaysOnly = false, TimeProvider? time = null)
    {
        var board = new ShedBoard(buses) { _time = time ?? TimeProvider.System };
        try
        {
            board.Build(site, thermometers, relaysOnly);
            return board;
        }
        catch
        {
            board.Dispose();
            throw;
        }
    }

    public bool TrySetClosed(int port, bool closed, out string? failure) => Relays[port].TrySet(closed, out failure);

    /// <summary>
    /// Drives every relay open, each on its own, whatever the others do: the fallback for when protection could not
    /// open them (it threw). Returns the relays that could not be driven open, each with why.
    /// </summary>
    public IReadOnlyList<string> DriveEveryRelayOpen()
    {
        var failures = new List<string>();
        foreach (PortRelay relay in Relays)
        {
            try
            {
                if (!relay.TrySet(false, out string? failure))
                {
                    failures.Add(failure!);
                }
            }
#pragma warning disable CA1031 // one relay's failure, of whatever kind, must not keep the next relay from opening
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"{relay.Description}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        return failures;
    }

    /// <summary>
    /// Lets go of the board: every part it claimed, newest first, then the buses. Each one is released even when an
    /// earlier one throws, and what went wrong is returned rather than thrown: a board is released after its relays were
    /// driven open, and a binding that fails to let go (a bus error, a runtime fault) changes nothing about that. Only the
    /// first call releases anything.
    /// </summary>
    public IReadOnlyList<PartReleaseFailure> Release()
    {
        if (_released)
        {
            return [];
        }

        _released = true;
        var failures = new List<PartReleaseFailure>();
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            TryRelease(_owned[i].Name, _owned[i].Part, failures);
        }

        _owned.Clear();
        TryRelease("board buses (GPIO header, I2C bus)", _buses, failures);
        return failures;
    }

    /// <summary>Releases the board (<see cref="Release"/>); what could not be released cleanly is dropped here.</summary>
    public void Dispose() => Release();

    private static void TryRelease(string name, IDisposable part, List<PartReleaseFailure> failures)
    {
        try
        {
            part.Dispose();
        }
#pragma warning disable CA1031 // whatever one part throws, the next part is released all the same; the caller reports it
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failures.Add(new PartReleaseFailure(name, ex));
        }
    }

    /// <summary>
    /// The safety stop (relays-off): drives every relay it can reach open and never gives up on the others' account.
    /// One dead relay expander must not leave the relays on the Pi's own pins (or on another expander) as a crash left
    /// them; what could not be reached is listed in <see cref="UnreachableRelays"/>. Nothing but relays is touched.
    /// </summary>
    public static ShedBoard OpenEveryRelay(SiteConfiguration site, IBoardBuses buses)
    {
        ArgumentNullException.ThrowIfNull(site);
        var board = new ShedBoard(buses);
        var unreachable = new List<string>();
        var expanders = new Dictionary<string, GpioController>(StringComparer.Ordinal);
        foreach (RelayExpander expander in site.Expanders)
        {
            try
            {
                expanders[expander.Id] = board.OpenExpander(expander);
            }
            catch (BoardException ex)
            {
                unreachable.Add(ex.Message);
            }
        }

        var relays = new List<PortRelay>();
        foreach (ChargingPortDefinition port in site.Ports)
        {
            if (port.Relay.Expander is { } expander && !expanders.ContainsKey(expander))
            {
                unreachable.Add($"relay of {port.Id}: its expander {expander} does not answer");
                continue;
            }

            try
            {
                relays.Add(board.OpenRelay(port, expanders));
            }
            catch (Exception ex) when (ex is BoardException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                unreachable.Add(ex.Message);
            }
        }

        board.Relays = relays;
        board.UnreachableRelays = unreachable;
        return board;
    }

    private void Build(SiteConfiguration site, Func<ThermometerDefinition, IShedThermometer> thermometers, bool relaysOnly)
    {
        // Relays first: the expanders' constructors put every pin in its power-on state (input, latch
        // low) and each relay pin is claimed as an output at its open level, before anything is metered.
        var expanders = site.Expanders.ToDictionary(e => e.Id, OpenExpander, StringComparer.Ordinal);
        Relays = site.Ports.Select(p => OpenRelay(p, expanders)).ToArray();
        if (relaysOnly)
        {
            return;
        }

        RelayFeedback = site.Ports.Select(p => OpenRelayFeedback(p, expanders)).ToArray();

        Thermometers = site.ShedSensors.Thermometers.Select(thermometers).ToArray();

        Dictionary<string, (Mcp3xxx Adc, AdcChip Chip)> adcs = site.Adcs.ToDictionary(a => a.Id, a => (OpenAdc(a), a), StringComparer.Ordinal);
        var muxes = site.Multiplexers.ToDictionary(m => m.Id, OpenMultiplexer, StringComparer.Ordinal);

        if (site.Ports.Any(p => p.Meter is AcMeterDefinition))
        {
            MainsSettings mains = site.Mains ?? throw new BoardException("AC ports need a mains section (the voltage transformer)");
            Mains = new MainsCycleSampler(Input(adcs, mains.VoltageSensor), mains.VoltsPerAdcVolt, mains.NominalVoltageV, site.Sampling.CyclesPerMeasurement, _time);
        }

        Meters = site.Ports.Select(p => OpenMeter(p, adcs, muxes)).ToArray();

        // Every AC port's CT is also sampled between the pairs of whichever port is being measured: a short circuit is
        // seen within a mains cycle on any port, not when its turn in the round comes (FaultCurrentScan).
        if (Mains is not null)
        {
            Mains.Scan = new FaultCurrentScan(Meters);
        }

        if (site.ShedSensors.Smoke is { } smoke)
        {
            Smoke = new ContactInput(_buses.Gpio, smoke.Gpio, smoke.ActiveLow, "smoke");
            if (!Smoke.TryInitialize(out string? error))
            {
                throw new BoardException(error!);
            }
        }

        if (site.SupplyMeter is { } supplyMeter)
        {
            OpenSupplyMeter(supplyMeter);
        }

        Bins = site.Bins.Select(b => OpenBin(b, muxes, thermometers)).ToArray();
    }

    /// <summary>
    /// The supply meter's RS-485 line, at the meter's speed and parity. It protects no port, so a line that does not
    /// open (an unplugged USB adapter) is the meter's fault, not a reason for the shed not to start.
    /// </summary>
    private void OpenSupplyMeter(SupplyMeterDefinition meter)
    {
        if (!SupplyMeterMap.TryGet(meter.Map, out SupplyMeterMap? map))
        {
            throw new BoardException($"supply meter: no register map '{meter.Map}'");
        }

        try
        {
            // Parity at open: a pseudo-terminal (the simulator's line) refuses a parity change once open.
            SerialPort line = Own(_buses.OpenSerial(meter.Serial, meter.Parity), $"RS-485 line {meter.Serial}");
            line.BaudRate = meter.BaudRate;
            SupplyMeter = new SupplyMeter(new ModbusRtuMaster(new SerialRtuLine(line), meter.BaudRate, meter.ResponseTimeout, meter.Retries), (byte)meter.Unit, map);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            SupplyMeterFault = $"supply meter line {meter.Serial}: {ex.Message}";
        }
    }

    /// <summary>
    /// A bin's sensors. None of them is contacted here: a dead bin sensor becomes a bin_sensor_fault at
    /// its first sample, and never keeps the shed's ports from being protected.
    /// </summary>
    private BinHardware OpenBin(BinDefinition bin, Dictionary<string, Tca9548A> muxes, Func<ThermometerDefinition, IShedThermometer> thermometers)
    {
        var fill = new List<IFillDistanceSensor>();
        foreach (FillSensorDefinition sensor in bin.FillSensors)
        {
            fill.Add(sensor switch
            {
                UltrasonicFillSensor u => Own(new Hcsr04FillSensor(_buses.Gpio, u.TriggerGpio, u.EchoGpio, u.Id, u.Model == UltrasonicModel.JsnSr04t ? UltrasonicModule.JsnSr04t : UltrasonicModule.Hcsr04), $"fill sensor {u.Id}"),
                TimeOfFlightFillSensor t => OpenTimeOfFlight(t, muxes),
                _ => throw new BoardException($"bin {bin.Id}: unknown fill sensor {sensor.Id}"),
            });
        }

        IBinWeightSensor? weight = bin.Weight is { } w ? Own(new Hx711WeightSensor(_buses.Gpio, w.DataGpio, w.ClockGpio, w.CountsPerKg, w.ZeroCounts), $"load cell of {bin.Id}") : null;
        ContactInput? lid = bin.Lid is { } l ? OpenContact(l, $"lid of {bin.Id}") : null;
        ContactInput? tilt = bin.Tilt is { } tiltSwitch ? OpenContact(tiltSwitch, $"tilt switch of {bin.Id}") : null;
        return new BinHardware(bin.Id, fill, weight, bin.Thermometer is { } th ? thermometers(th) : null, lid, tilt);
    }

    private IFillDistanceSensor OpenTimeOfFlight(TimeOfFlightFillSensor sensor, Dictionary<string, Tca9548A> muxes)
    {
        I2cBus bus = sensor.Multiplexer is { } mux ? muxes[mux].GetChannel(sensor.MultiplexerChannel!.Value) : _buses.I2c;
        I2cDevice device = bus.CreateDevice(sensor.Address);
        return sensor.Chip == TimeOfFlightChip.Vl53L0X
            ? Own(new Vl53L0XFillSensor(device, sensor.Id), $"fill sensor {sensor.Id}")
            : Own(new Vl53L1XFillSensor(device, sensor.Id), $"fill sensor {sensor.Id}");
    }

    private ContactInput OpenContact(ContactInputDefinition contact, string name)
    {
        var input = new ContactInput(_buses.Gpio, contact.Gpio, contact.ActiveLow, name);
        if (!input.TryInitialize(out string? error))
        {
            throw new BoardException(error!);
        }

        return input;
    }

    private T Own<T>(T part, string name)
        where T : IDisposable
    {
        _owned.Add((name, part));
        return part;
    }

    private GpioController OpenExpander(RelayExpander expander)
    {
        try
        {
            var chip = new Mcp23017(_buses.I2c.CreateDevice(expander.Address));
            return Own(new GpioController(chip), $"relay expander {expander.Id} (MCP23017 at 0x{expander.Address:x2})");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            throw new BoardException($"relay expander {expander.Id} (MCP23017 at 0x{expander.Address:x2}) does not answer: {ex.Message}", ex);
        }
    }

    private PortRelay OpenRelay(ChargingPortDefinition port, Dictionary<string, GpioController> expanders)
    {
        RelayOutput relay = port.Relay;
        (GpioController controller, int pin, string where) = relay.Expander is { } expander
            ? (expanders[expander], relay.ExpanderPin!.Value, $"{expander} pin {relay.ExpanderPin}")
            : (_buses.Gpio, relay.Gpio!.Value, $"GPIO{relay.Gpio}");
        var portRelay = new PortRelay(controller, pin, relay.ActiveLow, $"relay of {port.Id} ({where})");
        if (!portRelay.TryInitializeOpen(out string? error))
        {
            throw new BoardException(error!);
        }

        return portRelay;
    }

    private ContactInput? OpenRelayFeedback(ChargingPortDefinition port, Dictionary<string, GpioController> expanders)
    {
        if (port.Relay.Feedback is not { } feedback)
        {
            return null;
        }

        (GpioController controller, int pin, string where) = feedback.Expander is { } expander
            ? (expanders[expander], feedback.ExpanderPin!.Value, $"{expander} pin {feedback.ExpanderPin}")
            : (_buses.Gpio, feedback.Gpio!.Value, $"GPIO{feedback.Gpio}");
        var input = new ContactInput(controller, pin, feedback.ActiveLow, $"relay feedback of {port.Id} ({where})");
        if (!input.TryInitialize(out string? error))
        {
            throw new BoardException(error!);
        }

        return input;
    }

    private Mcp3xxx OpenAdc(AdcChip chip)
    {
        try
        {
            SpiDevice spi = _buses.OpenSpi(chip);
            Mcp3xxx adc = chip.Chip == AdcChipType.Mcp3008 ? new Mcp3008(spi) : new Mcp3208(spi);
            return Own(adc, $"ADC {chip.Id} (spidev{chip.SpiBus}.{chip.ChipSelect})");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new BoardException($"ADC {chip.Id} (spidev{chip.SpiBus}.{chip.ChipSelect}): {ex.Message}", ex);
        }
    }

    private Tca9548A OpenMultiplexer(I2cMultiplexer mux)
    {
        return Own(new Tca9548A(_buses.I2c.CreateDevice(mux.Address), _buses.I2c), $"multiplexer {mux.Id} (TCA9548A at 0x{mux.Address:x2})");
    }

    private static AdcInput Input(Dictionary<string, (Mcp3xxx Adc, AdcChip Chip)> adcs, AnalogChannel channel)
    {
        (Mcp3xxx adc, AdcChip chip) = adcs[channel.Adc];
        return new AdcInput(adc, chip.Id, channel.Channel, chip.ReferenceV, chip.Chip == AdcChipType.Mcp3008 ? 10 : 12);
    }

    /// <summary>
    /// A BL0942 port: its UART (opened once, shared by up to four chips) and its over-current input. The chip itself is
    /// not contacted here: a silent chip becomes a sensor fault at its first reads, and never keeps the shed from starting.
    /// </summary>
    private Bl0942PortMeter OpenBl0942(ChargingPortDefinition port, Bl0942MeterDefinition meter)
    {
        if (!_serialLines.TryGetValue(meter.Serial, out SerialPort? line))
        {
            try
            {
                line = Own(_buses.OpenSerial(meter.Serial), $"serial line {meter.Serial}");
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
            {
                throw new BoardException($"serial line {meter.Serial} (BL0942 of {port.Id}): {ex.Message}", ex);
            }

            _serialLines[meter.Serial] = line;
        }

        ContactInput? overCurrent = null;
        if (meter.OverCurrentGpio is { } pin)
        {
            // The BL0942's CF1 pin is a push-pull output, high while the fast RMS is past its threshold: pulled down, so a
            // cut wire reads "no over-current" and the meter's own reads still protect the port.
            overCurrent = new ContactInput(_buses.Gpio, pin, activeLow: false, $"over-current output of {port.Id}'s BL0942");
            if (!overCurrent.TryInitialize(out string? error))
            {
                throw new BoardException(error!);
            }
        }

        var chip = new Bl0942(line, meter.Address, $"BL0942 {meter.Address} on {meter.Serial}", meter.Baud);
        return new Bl0942PortMeter(chip, meter.ShuntOhms, meter.VoltageDivider, overCurrent, _time);
    }

    /// <summary>
    /// An HLW8032 port: its own UART at the IC's 4800 baud 8E1 (datasheet, "UART interface"). The IC is not waited
    /// for: a silent one becomes a sensor fault at its first reads, and never keeps the shed from starting.
    /// </summary>
    private Hlw8032PortMeter OpenHlw8032(ChargingPortDefinition port, Hlw8032MeterDefinition meter)
    {
        SerialPort line;
        try
        {
            line = Own(_buses.OpenSerial(meter.Serial, Parity.Even), $"serial line {meter.Serial}");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BoardException($"serial line {meter.Serial} (HLW8032 of {port.Id}): {ex.Message}", ex);
        }

        return new Hlw8032PortMeter(new Hlw8032(line, $"HLW8032 on {meter.Serial}"), meter.VoltageCoefficient, meter.CurrentCoefficient, _time);
    }

    private IPortMeter OpenMeter(ChargingPortDefinition port, Dictionary<string, (Mcp3xxx Adc, AdcChip Chip)> adcs, Dictionary<string, Tca9548A> muxes)
    {
        switch (port.Meter)
        {
            case AcMeterDefinition ac:
                return new AcPortMeter(Mains!, Input(adcs, ac.CurrentSensor), ac.AmpsPerAdcVolt);
            case DcMeterDefinition dc:
                I2cBus bus = dc.Multiplexer is { } mux ? muxes[mux].GetChannel(dc.MultiplexerChannel!.Value) : _buses.I2c;
                string where = dc.Multiplexer is { } m ? $"INA219 0x{dc.Address:x2} on {m}/{dc.MultiplexerChannel}" : $"INA219 0x{dc.Address:x2}";
                I2cDevice device = bus.CreateDevice(dc.Address);
                Ina219 ina219 = Own(new Ina219(device), $"meter of {port.Id} ({where})");
                return new Ina219PortMeter(ina219, device, where, dc.ShuntOhms, dc.MaxCurrentA, dc.BusVoltageDivider);
            case Bl0942MeterDefinition bl:
                return OpenBl0942(port, bl);
            case Hlw8032MeterDefinition hlw:
                return OpenHlw8032(port, hlw);
            default:
                throw new BoardException($"port {port.Id}: unknown meter type");
        }
    }
}

/// <summary>A part of the board (or its buses) that threw while being released, and what it threw.</summary>
public sealed record PartReleaseFailure(string Part, Exception Exception);
