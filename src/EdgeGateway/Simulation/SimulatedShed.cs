using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using System.IO.Ports;
using EdgeGateway.Bins;
using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Metering.SupplyMeters;
using EdgeGateway.Hardware.ShedSensors;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Bins;
using EdgeGateway.Hardware.Simulation.Bl0942;
using EdgeGateway.Hardware.Simulation.Gpio;
using EdgeGateway.Hardware.Simulation.Hlw8032;
using EdgeGateway.Hardware.Simulation.Hcsr04;
using EdgeGateway.Hardware.Simulation.Hx711;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Ina219;
using EdgeGateway.Hardware.Simulation.Mcp23017;
using EdgeGateway.Hardware.Simulation.Mcp3208;
using EdgeGateway.Hardware.Simulation.Modbus;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Hardware.Simulation.Tca9548A;
using EdgeGateway.Hardware.Simulation.Vl53L0X;
using EdgeGateway.Hardware.Simulation.Vl53L1X;

namespace EdgeGateway.Simulation;

/// <summary>
/// A whole shed in simulation, wired exactly as the site file says: the physical model behind
/// simulated chips on simulated buses. The gateway builds its <see cref="ShedBoard"/> on
/// <see cref="Buses"/> with the same code as on a Raspberry Pi, so every binding runs for real.
/// </summary>
public sealed class SimulatedShed
{
    /// <summary>China Standard Time: the sheds' daily life follows local time.</summary>
    public static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    private readonly Dictionary<string, SimulatedMcp3208> _adcs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedIna219> _dcMeters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedMcp23017> _expanders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedThermometer> _thermometers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AdcFrontEnd> _frontEnds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _rangers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedHx711> _loadCells = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedBl0942Bus> _serialBuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedBl0942> _meteringIcs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedHlw8032> _hlw8032s = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _serialDevices = new(StringComparer.Ordinal);

    // What this shed's wiring hooked onto the physical model; a power cut unhooks it (the next life wires its own).
    private readonly List<Action> _unhook = [];
    private volatile bool _poweredOff;

    public SimulatedShed(SiteConfiguration site, SimulatedClock clock, int seed)
        : this(site, clock, new ShedModel(clock, site.Mains?.NominalVoltageV ?? 220, site.Mains?.FrequencyHz ?? 50, seed, ChinaStandardTime), null, seed)
    {
    }

    /// <summary>
    /// The same shed after a power cut: the physical world of <paramref name="poweredOff"/> (its clock, mains, sockets,
    /// loads and bins, which a power cut leaves as they are) under chips and buses that power up again with their reset
    /// registers, as a board's do.
    /// </summary>
    public SimulatedShed(SimulatedShed poweredOff, int seed)
        : this(poweredOff.Site, poweredOff.Clock, poweredOff.Model, poweredOff.Station, seed)
    {
    }

    private SimulatedShed(SiteConfiguration site, SimulatedClock clock, ShedModel model, RecyclingStationModel? station, int seed)
    {
        Site = site;
        Clock = clock;
        Model = model;
        Station = station;
        Gpio = new SimulatedGpioDriver();

        // The I2C bus runs in fast mode (400 kHz); the SimulatedBuses own and dispose it.
        var i2c = new SimulatedI2cBus(site.Board.I2cBus, clock, 400_000);

        foreach (ChargingPortDefinition port in site.Ports)
        {
            if (!model.Outlets.Any(o => o.Id == port.Id))
            {
                Model.AddOutlet(port.Id, port.Meter is DcMeterDefinition);
            }
        }

        var devices = new List<IDisposable>();
        WireAnalogFrontEnds();
        Dictionary<string, SimulatedTca9548A> muxes = WireI2cChips(i2c);
        WireRelays();
        WireRelayFeedback();
        WireShedSensors();
        WireMeteringIcs(devices);
        WireHlw8032s(devices, seed);
        WireSupplyMeter(devices);
        WireBins(i2c, muxes, seed, devices);
        Terminal = site.Terminal is { } terminal ? new SimulatedCardTerminal(terminal, Gpio, i2c) : null;
        Buses = new SimulatedBuses(this, i2c, devices);
    }

    public SiteConfiguration Site { get; }

    public SimulatedClock Clock { get; }

    public ShedModel Model { get; }

    /// <summary>The recycling station's bins, when the site has any.</summary>
    public RecyclingStationModel? Station { get; private set; }

    public SimulatedGpioDriver Gpio { get; }

    /// <summary>The card terminal, when the site file has one.</summary>
    public SimulatedCardTerminal? Terminal { get; }

    /// <summary>The buses the gateway's <see cref="ShedBoard"/> is built on.</summary>
    public IBoardBuses Buses { get; }

    public ShedOutlet Outlet(string portId) => Model.Outlet(portId);

    /// <summary>
    /// The mains go off: every relay coil loses its power (the contacts open), nothing draws, and this shed's chips stop
    /// following the model. The model keeps everything else (loads plugged in, batteries' charge, bins' fill).
    /// </summary>
    public void PowerOff()
    {
        foreach (Action unhook in _unhook)
        {
            unhook();
        }

        _unhook.Clear();
        _poweredOff = true;
        Model.MainsOn = false;
        foreach (ShedOutlet outlet in Model.Outlets)
        {
            outlet.CoilEnergized = false;
        }
    }

    /// <summary>The mains come back (the gateway powers up with them; its next life wires a new <see cref="SimulatedShed"/>).</summary>
    public void PowerOn() => Model.MainsOn = true;

    public SimulatedMcp3208 Adc(string adcId) => _adcs[adcId];

    public SimulatedIna219 DcMeter(string portId) => _dcMeters[portId];

    public SimulatedMcp23017 Expander(string id) => _expanders[id];

    public SimulatedThermometer Thermometer(string id) => _thermometers[id];

    /// <summary>The simulated DS18B20 for a thermometer of the site file (the shed's or a bin's).</summary>
    public IShedThermometer ThermometerFor(ThermometerDefinition thermometer) => _thermometers[thermometer.Id];

    public SimulatedVl53L0X TimeOfFlightL0X(string sensorId) => (SimulatedVl53L0X)_rangers[sensorId];

    public SimulatedVl53L1X TimeOfFlightL1X(string sensorId) => (SimulatedVl53L1X)_rangers[sensorId];

    public SimulatedHcsr04 Ultrasonic(string sensorId) => (SimulatedHcsr04)_rangers[sensorId];

    public SimulatedHx711 LoadCell(string binId) => _loadCells[binId];

    /// <summary>The simulated BL0942 metering a port.</summary>
    public SimulatedBl0942 MeteringIc(string portId) => _meteringIcs[portId];

    /// <summary>The simulated BL0942 metering a port, when its meter is one.</summary>
    public bool TryMeteringIc(string portId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SimulatedBl0942? chip) => _meteringIcs.TryGetValue(portId, out chip);

    /// <summary>The simulated UART a site file's serial device stands for (its pseudo-terminal).</summary>
    public SimulatedBl0942Bus SerialBus(string device) => _serialBuses[device];

    /// <summary>The simulated HLW8032 metering a port, when its meter is one.</summary>
    public bool TryHlw8032(string portId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SimulatedHlw8032? chip) => _hlw8032s.TryGetValue(portId, out chip);

    /// <summary>
    /// Every HLW8032 of the site file on a pseudo-terminal of its own (its UART), fed by its port's outlet, with the
    /// site file's coefficients as the board's (a calibration test gives the board other ones).
    /// </summary>
    private void WireHlw8032s(List<IDisposable> devices, int seed)
    {
        int n = 0;
        foreach (ChargingPortDefinition port in Site.Ports)
        {
            if (port.Meter is not Hlw8032MeterDefinition meter)
            {
                continue;
            }

            var chip = new SimulatedHlw8032(Model.CreateMeteringIcFrontEnd(Model.Outlet(port.Id)), Clock, meter.VoltageCoefficient, meter.CurrentCoefficient, seed + 8032 + n++);
            devices.Add(chip);
            _hlw8032s[port.Id] = chip;
            _serialDevices[meter.Serial] = chip.DevicePath;
            _unhook.Add(chip.Stop);
        }
    }

    /// <summary>The simulated RS-485 meter on the shed's supply, when the site file has one.</summary>
    public SimulatedSupplyMeter? SupplyMeter { get; private set; }

    /// <summary>The supply meter of the site file on its own pseudo-terminal, measuring the whole shed's supply.</summary>
    private void WireSupplyMeter(List<IDisposable> devices)
    {
        if (Site.SupplyMeter is not { } definition || !SupplyMeterMap.TryGet(definition.Map, out SupplyMeterMap? map))
        {
            return;
        }

        SupplyMeter = new SimulatedSupplyMeter(Clock, new SupplyFrontEnd(Model), map, (byte)definition.Unit, definition.BaudRate);
        devices.Add(SupplyMeter);
        _unhook.Add(SupplyMeter.Stop);
        _serialDevices[definition.Serial] = SupplyMeter.DevicePath;
    }

    /// <summary>
    /// Every BL0942 of the site file on a simulated UART per serial device (a pseudo-terminal whose slave the gateway
    /// opens instead of the device path), fed by its port's outlet; its over-current pin drives the GPIO it is wired to.
    /// </summary>
    private void WireMeteringIcs(List<IDisposable> devices)
    {
        foreach (ChargingPortDefinition port in Site.Ports)
        {
            if (port.Meter is not Bl0942MeterDefinition meter)
            {
                continue;
            }

            if (!_serialBuses.TryGetValue(meter.Serial, out SimulatedBl0942Bus? bus))
            {
                bus = new SimulatedBl0942Bus(Clock);
                devices.Add(bus);
                _serialBuses[meter.Serial] = bus;
                _serialDevices[meter.Serial] = bus.DevicePath;
            }

            Action<bool>? pin = meter.OverCurrentGpio is { } gpio ? high => Gpio.SetInputLevel(gpio, high ? PinValue.High : PinValue.Low) : null;
            var chip = new SimulatedBl0942(meter.Address, Model.CreateMeteringIcFrontEnd(Model.Outlet(port.Id)), Clock, meter.ShuntOhms, meter.VoltageDivider, pin);
            bus.Attach(chip);
            _meteringIcs[port.Id] = chip;
            _unhook.Add(chip.Stop);
        }
    }

    private void WireAnalogFrontEnds()
    {
        foreach (AdcChip adc in Site.Adcs)
        {
            _frontEnds[adc.Id] = Model.CreateAdcFrontEnd(adc.ReferenceV);
        }

        if (Site.Mains is { } mains && _frontEnds.TryGetValue(mains.VoltageSensor.Adc, out AdcFrontEnd? vtFrontEnd))
        {
            vtFrontEnd.WireVoltageTransformer(mains.VoltageSensor.Channel, mains.VoltsPerAdcVolt);
        }

        foreach (ChargingPortDefinition port in Site.Ports)
        {
            if (port.Meter is AcMeterDefinition ac)
            {
                _frontEnds[ac.CurrentSensor.Adc].WireCurrentTransformer(ac.CurrentSensor.Channel, Model.Outlet(port.Id), ac.AmpsPerAdcVolt);
            }
        }
    }

    private Dictionary<string, SimulatedTca9548A> WireI2cChips(SimulatedI2cBus i2c)
    {
        var muxes = new Dictionary<string, SimulatedTca9548A>(StringComparer.Ordinal);
        foreach (I2cMultiplexer mux in Site.Multiplexers)
        {
            var chip = new SimulatedTca9548A(mux.Address);
            i2c.Attach(chip);
            muxes[mux.Id] = chip;
        }

        foreach (RelayExpander expander in Site.Expanders)
        {
            var chip = new SimulatedMcp23017(expander.Address);
            i2c.Attach(chip);
            _expanders[expander.Id] = chip;
        }

        foreach (ChargingPortDefinition port in Site.Ports)
        {
            if (port.Meter is not DcMeterDefinition dc)
            {
                continue;
            }

            var chip = new SimulatedIna219(dc.Address, Model.CreateDcFrontEnd(Model.Outlet(port.Id), dc.ShuntOhms, dc.BusVoltageDivider), Clock);
            if (dc.Multiplexer is { } mux)
            {
                muxes[mux].Attach(dc.MultiplexerChannel!.Value, chip);
            }
            else
            {
                i2c.Attach(chip);
            }

            _dcMeters[port.Id] = chip;
        }

        return muxes;
    }

    /// <summary>Relay coils follow the pins that drive them: a board GPIO or an expander's output.</summary>
    private void WireRelays()
    {
        var byGpio = new Dictionary<int, (ShedOutlet Outlet, bool ActiveLow)>();
        var byExpander = new Dictionary<string, List<(ShedOutlet Outlet, int Pin, bool ActiveLow)>>(StringComparer.Ordinal);
        foreach (ChargingPortDefinition port in Site.Ports)
        {
            ShedOutlet outlet = Model.Outlet(port.Id);
            if (port.Relay.Expander is { } expander)
            {
                if (!byExpander.TryGetValue(expander, out List<(ShedOutlet Outlet, int Pin, bool ActiveLow)>? list))
                {
                    byExpander[expander] = list = [];
                }

                list.Add((outlet, port.Relay.ExpanderPin!.Value, port.Relay.ActiveLow));
                outlet.CoilEnergized = false;
            }
            else
            {
                byGpio[port.Relay.Gpio!.Value] = (outlet, port.Relay.ActiveLow);
                outlet.CoilEnergized = false;
            }
        }

        Gpio.OutputChanged += (pin, level) =>
        {
            // Once the power is off, what happens to this board's pins (its release) drives no coil.
            if (!_poweredOff && byGpio.TryGetValue(pin, out (ShedOutlet Outlet, bool ActiveLow) relay))
            {
                relay.Outlet.CoilEnergized = (level == PinValue.High) != relay.ActiveLow;
            }
        };

        foreach ((string id, List<(ShedOutlet Outlet, int Pin, bool ActiveLow)>? relays) in byExpander)
        {
            _expanders[id].OutputsChanged += levels =>
            {
                if (_poweredOff)
                {
                    return;
                }

                foreach ((ShedOutlet outlet, int pin, bool activeLow) in relays)
                {
                    outlet.CoilEnergized = (((levels >> pin) & 1) == 1) != activeLow;
                }
            };
        }
    }

    /// <summary>
    /// Contact-feedback inputs follow the outlets' real contacts (the coil, or a welded or dead relay), at the pin: a
    /// board GPIO or an expander input, at the level the site file says means closed.
    /// </summary>
    private void WireRelayFeedback()
    {
        foreach (ChargingPortDefinition port in Site.Ports)
        {
            if (port.Relay.Feedback is not { } feedback)
            {
                continue;
            }

            ShedOutlet outlet = Model.Outlet(port.Id);
            Action<bool> drive = feedback.Expander is { } expander
                ? closed => _expanders[expander].SetInputLevel(feedback.ExpanderPin!.Value, closed != feedback.ActiveLow)
                : closed => Gpio.SetInputLevel(feedback.Gpio!.Value, closed != feedback.ActiveLow ? PinValue.High : PinValue.Low);
            drive(outlet.ContactClosed);
            outlet.ContactChanged += drive;
        }
    }

    private void WireShedSensors()
    {
        if (Site.ShedSensors.Smoke is { } smoke)
        {
            // The detector's contact: open (idle) reads the pull level, closed (alarm) drives the active level.
            PinValue quiet = smoke.ActiveLow ? PinValue.High : PinValue.Low;
            PinValue alarm = smoke.ActiveLow ? PinValue.Low : PinValue.High;
            Gpio.SetInputLevel(smoke.Gpio, Model.Smoke ? alarm : quiet);
            Action<bool> follow = active => Gpio.SetInputLevel(smoke.Gpio, active ? alarm : quiet);
            Model.SmokeChanged += follow;
            _unhook.Add(() => Model.SmokeChanged -= follow);
        }

        foreach (ThermometerDefinition thermometer in Site.ShedSensors.Thermometers)
        {
            _thermometers[thermometer.Id] = new SimulatedThermometer(thermometer.Id, Model);
        }
    }

    /// <summary>
    /// The recycling station: a simulated bin per bin of the site file, seen by its simulated sensors —
    /// ultrasonic rangers and load cells on GPIO pins, time-of-flight chips on the I2C bus (behind their
    /// multiplexer), switches on inputs.
    /// </summary>
    private void WireBins(SimulatedI2cBus i2c, Dictionary<string, SimulatedTca9548A> muxes, int seed, List<IDisposable> devices)
    {
        if (Site.Bins.Count == 0)
        {
            return;
        }

        bool poweringUp = Station is not null;
        RecyclingStationModel station = Station ??= new RecyclingStationModel(Clock, seed + 1, ChinaStandardTime);
        var switches = new Dictionary<SimulatedBin, BinDefinition>();
        foreach (BinDefinition bin in Site.Bins)
        {
            SimulatedBin model = poweringUp ? station.Bin(bin.Id) : station.AddBin(bin.Id, BinMonitor.ClassWireName(bin.Class), bin.Geometry.SensorToBottomMm, bin.Geometry.SensorToFullMm, bin.Weight?.CapacityKg ?? 100);
            foreach (FillSensorDefinition sensor in bin.FillSensors)
            {
                switch (sensor)
                {
                    case UltrasonicFillSensor u:
                        var ranger = new SimulatedHcsr04(Gpio, u.TriggerGpio, u.EchoGpio, model, Clock, u.Model == UltrasonicModel.JsnSr04t ? Hcsr04Profile.JsnSr04t : Hcsr04Profile.Hcsr04);
                        devices.Add(ranger);
                        _rangers[u.Id] = ranger;
                        break;
                    case TimeOfFlightFillSensor t:
                        SimulatedI2cChip chip = t.Chip == TimeOfFlightChip.Vl53L0X
                            ? new SimulatedVl53L0X(model, Clock, t.Address)
                            : new SimulatedVl53L1X(model, Clock, t.Address);
                        if (t.Multiplexer is { } mux)
                        {
                            muxes[mux].Attach(t.MultiplexerChannel!.Value, chip);
                        }
                        else
                        {
                            i2c.Attach(chip);
                        }

                        _rangers[t.Id] = chip;
                        break;
                }
            }

            if (bin.Weight is { } weight)
            {
                var cell = new SimulatedHx711(Gpio, weight.DataGpio, weight.ClockGpio, model, Clock, new SimulatedHx711Options
                {
                    CountsPerKg = weight.CountsPerKg,
                    ZeroOffsetCounts = weight.ZeroCounts ?? 0,
                    Seed = seed + 711,
                });
                devices.Add(cell);
                _loadCells[bin.Id] = cell;
            }

            if (bin.Thermometer is { } thermometer)
            {
                _thermometers[thermometer.Id] = new SimulatedThermometer(thermometer.Id, () => model.TemperatureC);
            }

            switches[model] = bin;
            SetSwitchLevels(model, bin);
        }

        Action<SimulatedBin> follow = model => SetSwitchLevels(model, switches[model]);
        station.SwitchesChanged += follow;
        _unhook.Add(() => station.SwitchesChanged -= follow);
    }

    /// <summary>A switch in its active position drives its active level; at rest the input reads the other.</summary>
    private void SetSwitchLevels(SimulatedBin model, BinDefinition bin)
    {
        if (bin.Lid is { } lid)
        {
            Gpio.SetInputLevel(lid.Gpio, (model.LidOpen != lid.ActiveLow) ? PinValue.High : PinValue.Low);
        }

        if (bin.Tilt is { } tilt)
        {
            Gpio.SetInputLevel(tilt.Gpio, (model.Tilted != tilt.ActiveLow) ? PinValue.High : PinValue.Low);
        }
    }

    private sealed class SimulatedBuses(SimulatedShed shed, SimulatedI2cBus i2c, List<IDisposable> devices) : IBoardBuses
    {
        private readonly GpioController _gpio = new(shed.Gpio);

        public GpioController Gpio => _gpio;

        public I2cBus I2c => i2c;

        public SpiDevice OpenSpi(AdcChip adc)
        {
            var settings = new SpiConnectionSettings(adc.SpiBus, adc.ChipSelect) { ClockFrequency = adc.ClockHz, Mode = SpiMode.Mode0 };
            var chip = new SimulatedMcp3208(settings, shed.Clock, shed._frontEnds[adc.Id], adc.ReferenceV, adc.Chip == AdcChipType.Mcp3008 ? 10 : 12);
            shed._adcs[adc.Id] = chip;
            return chip;
        }

        public SpiDevice OpenSpi(SpiConnectionSettings settings) =>
            shed.Terminal?.OpenSpi(settings) ?? throw new IOException($"no simulated chip on SPI{settings.BusId} CE{settings.ChipSelectLine}");

        /// <summary>The gateway opens the simulated UART's pseudo-terminal, with the same serial settings as a board's device.</summary>
        public SerialPort OpenSerial(string device, Parity parity = Parity.None) => SerialLine.Open(shed._serialDevices[device], SerialLine.SimulatedReadTimeoutMs, parity);

        /// <summary>Like a board's buses, each part is released even when an earlier one throws.</summary>
        public void Dispose()
        {
            try
            {
                foreach (IDisposable device in devices)
                {
                    device.Dispose();
                }
            }
            finally
            {
                try
                {
                    _gpio.Dispose();
                }
                finally
                {
                    i2c.Dispose();
                }
            }
        }
    }
}
