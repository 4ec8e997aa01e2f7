using System.Device.Gpio;
using System.Device.I2c;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Metering;
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
    private readonly List<IDisposable> _owned = [];

    private ShedBoard(IBoardBuses buses) => _buses = buses;

    public IReadOnlyList<IPortMeter> Meters { get; private set; } = [];

    public IReadOnlyList<PortRelay> Relays { get; private set; } = [];

    public MainsCycleSampler? Mains { get; private set; }

    public ContactInput? Smoke { get; private set; }

    public IReadOnlyList<IShedThermometer> Thermometers { get; private set; } = [];

    /// <summary>The bins' sensors, sampled on the bin thread.</summary>
    public IReadOnlyList<BinHardware> Bins { get; private set; } = [];

    /// <summary>Builds the board and drives every relay open. Throws <see cref="BoardException"/> naming the part that failed.</summary>
    public static ShedBoard Create(SiteConfiguration site, IBoardBuses buses, IReadOnlyList<IShedThermometer> thermometers)
    {
        var board = new ShedBoard(buses) { Thermometers = thermometers };
        try
        {
            board.Build(site);
            return board;
        }
        catch
        {
            board.Dispose();
            throw;
        }
    }

    public bool TrySetClosed(int port, bool closed, out string? failure) => Relays[port].TrySet(closed, out failure);

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
        _buses.Dispose();
    }

    private void Build(SiteConfiguration site)
    {
        // Relays first: the expanders' constructors put every pin in its power-on state (input, latch
        // low) and each relay pin is claimed as an output at its open level, before anything is metered.
        Dictionary<string, GpioController> expanders = site.Expanders.ToDictionary(e => e.Id, OpenExpander, StringComparer.Ordinal);
        Relays = site.Ports.Select(p => OpenRelay(p, expanders)).ToArray();

        Dictionary<string, (Mcp3xxx Adc, AdcChip Chip)> adcs = site.Adcs.ToDictionary(a => a.Id, a => (OpenAdc(a), a), StringComparer.Ordinal);
        Dictionary<string, Tca9548A> muxes = site.Multiplexers.ToDictionary(m => m.Id, OpenMultiplexer, StringComparer.Ordinal);

        if (site.Ports.Any(p => p.Meter is AcMeterDefinition))
        {
            MainsSettings mains = site.Mains ?? throw new BoardException("AC ports need a mains section (the voltage transformer)");
            Mains = new MainsCycleSampler(Input(adcs, mains.VoltageSensor), mains.VoltsPerAdcVolt, mains.NominalVoltageV, site.Sampling.CyclesPerMeasurement);
        }

        Meters = site.Ports.Select(p => OpenMeter(p, adcs, muxes)).ToArray();

        if (site.ShedSensors.Smoke is { } smoke)
        {
            Smoke = new ContactInput(_buses.Gpio, smoke.Gpio, smoke.ActiveLow, "smoke");
            if (!Smoke.TryInitialize(out string? error))
            {
                throw new BoardException(error!);
            }
        }
    }

    private GpioController OpenExpander(RelayExpander expander)
    {
        try
        {
            var chip = new Mcp23017(_buses.I2c.CreateDevice(expander.Address));
            var controller = new GpioController(chip);
            _owned.Add(controller);
            return controller;
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

    private Mcp3xxx OpenAdc(AdcChip chip)
    {
        try
        {
            var spi = _buses.OpenSpi(chip);
            Mcp3xxx adc = chip.Chip == AdcChipType.Mcp3008 ? new Mcp3008(spi) : new Mcp3208(spi);
            _owned.Add(adc);
            return adc;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new BoardException($"ADC {chip.Id} (spidev{chip.SpiBus}.{chip.ChipSelect}): {ex.Message}", ex);
        }
    }

    private Tca9548A OpenMultiplexer(I2cMultiplexer mux)
    {
        var binding = new Tca9548A(_buses.I2c.CreateDevice(mux.Address), _buses.I2c);
        _owned.Add(binding);
        return binding;
    }

    private static AdcInput Input(Dictionary<string, (Mcp3xxx Adc, AdcChip Chip)> adcs, AnalogChannel channel)
    {
        (Mcp3xxx adc, AdcChip chip) = adcs[channel.Adc];
        return new AdcInput(adc, chip.Id, channel.Channel, chip.ReferenceV, chip.Chip == AdcChipType.Mcp3008 ? 10 : 12);
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
                var ina219 = new Ina219(bus.CreateDevice(dc.Address));
                _owned.Add(ina219);
                return new Ina219PortMeter(ina219, where, dc.ShuntOhms, dc.MaxCurrentA, dc.BusVoltageDivider);
            default:
                throw new BoardException($"port {port.Id}: unknown meter type");
        }
    }
}
