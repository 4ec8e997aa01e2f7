using System.Device.Gpio;
using System.IO.Ports;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Metering.Bl0942;
using EdgeGateway.Hardware.ShedSensors;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Bl0942;
using EdgeGateway.Hardware.Simulation.Gpio;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Tests.Metering;

/// <summary>
/// The BL0942 driver and port meter against the simulated chip over a real pseudo-terminal: System.IO.Ports'
/// SerialPort on /dev/pts/N, the simulated bus answering on the master side byte for byte as the datasheet says.
/// </summary>
public sealed class Bl0942PortMeterTests : IDisposable
{
    private const double ShuntOhms = 0.001;
    private const double Divider = 3824.5;
    private const int OverCurrentPin = 17;

    private readonly SimulatedClock _clock = new(new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8)));
    private readonly ShedModel _model;
    private readonly SimulatedGpioDriver _gpioDriver = new();
    private readonly GpioController _gpio;
    private readonly SimulatedBl0942Bus _bus;
    private readonly SerialPort _port;

    public Bl0942PortMeterTests()
    {
        _model = new ShedModel(_clock, 220, 50, 3, TimeSpan.FromHours(8));
        _gpio = new GpioController(_gpioDriver);
        _bus = new SimulatedBl0942Bus(_clock);
        _port = new SerialPort(_bus.DevicePath, Bl0942Frame.BaudRate, Parity.None, 8, StopBits.One) { ReadTimeout = 500, WriteTimeout = 500 };
        _port.Open();
    }

    public void Dispose()
    {
        _port.Dispose();
        _bus.Dispose();
        _gpio.Dispose();
    }

    [Fact]
    public void Full_packet_has_the_header_and_the_datasheet_checksum_over_the_command_and_packet()
    {
        AddChip(0, "P01");

        _port.Write([0x58, 0xAA], 0, 2);
        byte[] packet = ReadExactly(23);

        Assert.Equal(0x55, packet[0]);
        int sum = 0x58;
        for (int i = 0; i < 22; i++)
        {
            sum += packet[i];
        }

        Assert.Equal((byte)~sum, packet[22]);
    }

    [Fact]
    public void A_1000_W_load_reads_its_voltage_current_power_and_frequency_within_two_percent()
    {
        (ShedOutlet outlet, Bl0942PortMeter meter) = ChipUnderLoad(new ResistiveLoad(1000, 220, "kettle"));

        MeterReading reading = meter.Measure(40);

        AssertOk(reading);
        PortMeasurement m = reading.Measurement;
        Assert.InRange(m.VoltageV, _model.SupplyVrms * 0.98, _model.SupplyVrms * 1.02);
        Assert.InRange(m.RealPowerW, outlet.TrueRealPowerW * 0.98, outlet.TrueRealPowerW * 1.02);
        Assert.InRange(m.CurrentA, outlet.TrueCurrentA * 0.98, outlet.TrueCurrentA * 1.02);
        Assert.InRange(m.PowerFactor!.Value, 0.98, 1.0);
        Assert.True(meter.Chip.TryReadRegister(Bl0942Register.Freq, out uint freq, out string? fault), fault);
        Assert.Equal(20000u, freq);
    }

    [Fact]
    public void Energy_is_counted_from_cf_cnt_pulses()
    {
        (ShedOutlet outlet, Bl0942PortMeter meter) = ChipUnderLoad(new ResistiveLoad(1000, 220, "kettle"));
        AssertOk(meter.Measure(40));
        double before = outlet.DeliveredWh;

        for (int i = 0; i < 60; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            _model.AdvanceTo(_clock.Elapsed);
            AssertOk(meter.Measure(40));
        }

        double deliveredWh = outlet.DeliveredWh - before;
        Assert.InRange(meter.Energy.WattHours, deliveredWh * 0.95, deliveredWh * 1.05);
    }

    [Fact]
    public void Only_the_addressed_chip_answers_and_an_empty_address_is_a_meter_fault()
    {
        ShedOutlet kettle = AddChip(2, "P03");
        kettle.Plug(new ResistiveLoad(1500, 220, "kettle"));
        kettle.CoilEnergized = true;
        ShedOutlet charger = AddChip(0, "P01");
        charger.Plug(new ResistiveLoad(300, 220, "charger"));
        charger.CoilEnergized = true;
        Settle();

        MeterReading atTwo = Meter(2).Measure(40);
        MeterReading atZero = Meter(0).Measure(40);
        MeterReading atOne = Meter(1).Measure(40);

        Assert.InRange(atTwo.Measurement.RealPowerW, kettle.TrueRealPowerW * 0.98, kettle.TrueRealPowerW * 1.02);
        Assert.InRange(atZero.Measurement.RealPowerW, charger.TrueRealPowerW * 0.98, charger.TrueRealPowerW * 1.02);
        Assert.Equal(MeterReadStatus.Fault, atOne.Status);
        Assert.Contains("no answer", atOne.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_checksum_is_a_meter_fault_not_an_exception()
    {
        AddChip(0, "P01");
        Bl0942PortMeter meter = Meter(0);
        Settle();
        AssertOk(meter.Measure(40));

        _bus.Chip(0)!.Fault = Bl0942Fault.BadChecksum;
        MeterReading reading = meter.Measure(40);

        Assert.Equal(MeterReadStatus.Fault, reading.Status);
        Assert.Contains("checksum", reading.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silent_chip_is_asked_again_only_every_few_seconds_after_three_reads_without_an_answer()
    {
        AddChip(0, "P01");
        Bl0942PortMeter meter = Meter(0);
        Settle();
        AssertOk(meter.Measure(40));
        _bus.Chip(0)!.Fault = Bl0942Fault.Silent;

        for (int i = 0; i < Bl0942PortMeter.SilentReads; i++)
        {
            Assert.Equal(MeterReadStatus.Fault, meter.Measure(40).Status);
        }

        // The chip's side reads the line on its own thread: count once it has taken every frame already written.
        int requests = QuietRequests();
        MeterReading meanwhile = meter.Measure(40);
        Assert.Equal(MeterReadStatus.Fault, meanwhile.Status);
        Assert.Equal(requests, QuietRequests());

        _bus.Chip(0)!.Fault = Bl0942Fault.None;
        _clock.Advance(Bl0942PortMeter.SilentRetry);
        AssertOk(meter.Measure(40));
    }

    [Fact]
    public void A_stuck_chip_becomes_a_meter_fault_once_its_packet_has_not_changed_for_two_seconds()
    {
        (_, Bl0942PortMeter meter) = ChipUnderLoad(new ResistiveLoad(500, 220, "heater"));
        MeterReading first = meter.Measure(40);
        Assert.True(first.Status == MeterReadStatus.Ok, first.Fault);

        _bus.Chip(0)!.Fault = Bl0942Fault.Stuck;
        var statuses = new List<MeterReadStatus>();
        for (int i = 0; i < 6; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(500));
            statuses.Add(meter.Measure(40).Status);
        }

        // 400 ms refreshes of a live chip change the packet every read; a stuck one is caught after 2 s.
        Assert.Equal(MeterReadStatus.Ok, statuses[0]);
        Assert.Equal(MeterReadStatus.Fault, statuses[^1]);
    }

    [Fact]
    public void A_live_chip_is_never_taken_for_stuck()
    {
        (_, Bl0942PortMeter meter) = ChipUnderLoad(new ResistiveLoad(500, 220, "heater"));

        for (int i = 0; i < 20; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(250));
            MeterReading reading = meter.Measure(40);
            Assert.True(reading.Status == MeterReadStatus.Ok, reading.Fault);
        }
    }

    [Fact]
    public void Configuring_the_over_current_output_unlocks_the_user_registers_and_programs_the_threshold()
    {
        AddChip(0, "P01");
        Bl0942PortMeter meter = Meter(0);
        Settle();

        // Locked (power-on): a write does not take, and the read-back says so.
        Assert.False(meter.Chip.TryWriteRegister(Bl0942Register.OtFunx, 0x21, out string? lockedFault));
        Assert.Contains("reads back", lockedFault, StringComparison.Ordinal);

        AssertOk(meter.Measure(40));

        SimulatedBl0942 chip = _bus.Chip(0)!;
        Assert.Equal(0x21u, chip.Register(Bl0942Register.OtFunx));
        Assert.Equal(0u, chip.Register(Bl0942Register.IFastRmsCyc));
        Assert.Equal(meter.FastRmsThreshold(40 / Math.Sqrt(2)), chip.Register(Bl0942Register.IFastRmsTh));
        Assert.Equal(0u, chip.Register(Bl0942Register.UsrWrprot)); // locked again
    }

    [Fact]
    public void A_short_circuit_raises_the_over_current_output_within_a_mains_cycle_and_a_kettle_does_not()
    {
        (ShedOutlet outlet, Bl0942PortMeter meter) = ChipUnderLoad(new ResistiveLoad(1500, 220, "kettle"));
        AssertOk(meter.Measure(40));

        TimeSpan onset = _clock.Elapsed + TimeSpan.FromMilliseconds(200) + TimeSpan.FromMilliseconds(3.7);
        outlet.Plug(new OnsetLoad(outlet.Load!, new ShortCircuitLoad(), onset));
        TimeSpan? raised = null;
        while (_clock.Elapsed < onset + TimeSpan.FromMilliseconds(100) && raised is null)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(0.5));
            Assert.True(meter.TryReadOverCurrent(out bool asserted));
            if (asserted)
            {
                raised = _clock.Elapsed;
            }
        }

        Assert.NotNull(raised);
        Assert.True(raised >= onset, $"raised {(onset - raised)!.Value.TotalMilliseconds} ms before the onset, under the kettle");
        Assert.True(raised - onset <= TimeSpan.FromMilliseconds(20), $"raised {(raised - onset)!.Value.TotalMilliseconds} ms after the onset");
    }

    [Fact]
    public void While_a_packet_is_on_the_wire_the_waiting_thread_sees_a_short_raise_the_over_current_output_before_the_packet_ends()
    {
        (ShedOutlet outlet, Bl0942PortMeter meter) = ChipUnderLoad(new ResistiveLoad(1500, 220, "kettle"));
        AssertOk(meter.Measure(40)); // programs the threshold and the output

        // The short begins after the chip sampled the packet's registers (the request's 2 bytes, 4.2 ms): the packet
        // itself reads the kettle; only the over-current output, looked at between its bytes, shows the short.
        TimeSpan asked = _clock.Elapsed;
        TimeSpan onset = asked + TimeSpan.FromMilliseconds(6.3);
        outlet.Plug(new OnsetLoad(outlet.Load!, new ShortCircuitLoad(), onset));
        TimeSpan? seen = null;
        meter.Chip.WhileWaiting = () =>
        {
            if (seen is null && meter.TryReadOverCurrent(out bool high) && high)
            {
                seen = _clock.Elapsed;
            }
        };

        MeterReading reading = meter.Measure(40);
        TimeSpan answered = _clock.Elapsed;

        AssertOk(reading);
        Assert.True(answered - asked >= meter.PacketExchange - TimeSpan.FromMilliseconds(0.1), $"the packet took {(answered - asked).TotalMilliseconds} ms of shed time");
        Assert.NotNull(seen);
        Assert.True(seen >= onset, $"seen {(onset - seen)!.Value.TotalMilliseconds} ms before the onset");
        Assert.True(seen < answered, $"seen {(seen - answered)!.Value.TotalMilliseconds} ms after the packet's last byte");
    }

    [Fact]
    public void At_38400_baud_the_chip_is_switched_from_its_power_on_rate_and_a_packet_takes_an_eighth_of_the_time()
    {
        ShedOutlet outlet = AddChip(0, "P01");
        outlet.Plug(new ResistiveLoad(1000, 220, "kettle"));
        outlet.CoilEnergized = true;
        Bl0942PortMeter meter = Meter(0, baud: 38400);
        Settle();
        Assert.Equal(4800, _bus.Chip(0)!.BaudRate);

        AssertOk(meter.Measure(40));
        TimeSpan asked = _clock.Elapsed;
        MeterReading reading = meter.Measure(40);
        TimeSpan took = _clock.Elapsed - asked;

        AssertOk(reading);
        Assert.InRange(reading.Measurement.RealPowerW, outlet.TrueRealPowerW * 0.98, outlet.TrueRealPowerW * 1.02);
        Assert.Equal(38400, _bus.Chip(0)!.BaudRate);
        Assert.Equal(0b11u << 8, _bus.Chip(0)!.Register(Bl0942Register.Mode) & Bl0942Frame.ModeUartRateMask);
        Assert.Equal(38400, _port.BaudRate);

        // 25 bytes of 10 bits at 38 400 baud: 6.5 ms (52 ms at 4800).
        Assert.InRange(meter.PacketExchange.TotalMilliseconds, 6.50, 6.52);
        Assert.InRange(took, meter.PacketExchange - TimeSpan.FromMilliseconds(0.1), TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public void A_chip_heard_at_one_rate_does_not_answer_a_request_sent_at_another()
    {
        AddChip(0, "P01");
        _port.BaudRate = 38400;

        _port.Write([0x58, 0xAA], 0, 2);

        Assert.Throws<TimeoutException>(() => _port.ReadByte());
        _port.BaudRate = Bl0942Frame.BaudRate;
        _port.Write([0x58, 0xAA], 0, 2);
        Assert.Equal(0x55, ReadExactly(23)[0]);
    }

    [Fact]
    public void A_restarted_gateway_finds_its_chip_still_at_38400_baud()
    {
        AddChip(0, "P01");
        Settle();
        AssertOk(Meter(0, baud: 38400).Measure(40));

        // The gateway restarts: its UART opens at the power-on rate, the chip stays where it was put.
        _port.BaudRate = Bl0942Frame.BaudRate;
        MeterReading reading = Meter(0, baud: 38400).Measure(40);

        AssertOk(reading);
        Assert.Equal(38400, _bus.Chip(0)!.BaudRate);
    }

    [Fact]
    public void A_chip_reset_to_its_power_on_rate_is_found_and_switched_again_once_it_stops_answering()
    {
        AddChip(0, "P01");
        Bl0942PortMeter meter = Meter(0, baud: 38400);
        Settle();
        AssertOk(meter.Measure(40));

        // A brown-out: the chip restarts with its power-on registers, at the pin's 4800 baud.
        _bus.Chip(0)!.Reset();
        Assert.Equal(4800, _bus.Chip(0)!.BaudRate);
        MeterReading lost = meter.Measure(40);
        MeterReading found = meter.Measure(40);

        Assert.Equal(MeterReadStatus.Fault, lost.Status);
        Assert.Contains("no answer", lost.Fault, StringComparison.Ordinal);
        AssertOk(found);
        Assert.Equal(38400, _bus.Chip(0)!.BaudRate);
    }

    [Fact]
    public void A_chip_that_answers_at_no_rate_is_a_meter_fault_naming_both()
    {
        AddChip(0, "P01");
        _bus.Chip(0)!.Fault = Bl0942Fault.Silent;

        MeterReading reading = Meter(0, baud: 38400).Measure(40);

        Assert.Equal(MeterReadStatus.Fault, reading.Status);
        Assert.Contains("no answer at 4800 or 38400 baud", reading.Fault, StringComparison.Ordinal);
    }

    /// <summary>Chip 0 on P01 with its over-current output wired, the load on and its relay closed, a second of shed time on.</summary>
    private (ShedOutlet Outlet, Bl0942PortMeter Meter) ChipUnderLoad(OutletLoad load)
    {
        ShedOutlet outlet = AddChip(0, "P01");
        outlet.Plug(load);
        outlet.CoilEnergized = true;
        Bl0942PortMeter meter = Meter(0);
        Settle();
        return (outlet, meter);
    }

    private ShedOutlet AddChip(int address, string portId)
    {
        ShedOutlet outlet = _model.AddOutlet(portId, isDc: false);
        Action<bool>? pin = address == 0 ? high => _gpioDriver.SetInputLevel(OverCurrentPin, high ? PinValue.High : PinValue.Low) : null;
        _bus.Attach(new SimulatedBl0942(address, _model.CreateMeteringIcFrontEnd(outlet), _clock, ShuntOhms, Divider, pin));
        return outlet;
    }

    private Bl0942PortMeter Meter(int address, int baud = Bl0942Frame.BaudRate)
    {
        ContactInput? overCurrent = null;
        if (address == 0)
        {
            overCurrent = new ContactInput(_gpio, OverCurrentPin, activeLow: false, "over-current output");
            Assert.True(overCurrent.TryInitialize(out string? error), error);
        }

        return new Bl0942PortMeter(new Bl0942(_port, address, $"BL0942 {address}", baud), ShuntOhms, Divider, overCurrent, _clock);
    }

    /// <summary>A second of shed time: the model steps and the chips' 400 ms registers refresh with the loads on.</summary>
    /// <summary>The bus's request count once it has stopped changing for 300 ms (at most 10 s): frames the gateway wrote
    /// are counted when the simulated chip's thread reads them, which a loaded machine may delay. A bound, not a speed.</summary>
    private int QuietRequests()
    {
        int last = _bus.Requests;
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        var bound = System.Diagnostics.Stopwatch.StartNew();
        while (quiet.ElapsedMilliseconds < 300 && bound.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
            int now = _bus.Requests;
            if (now != last)
            {
                last = now;
                quiet.Restart();
            }
        }

        return last;
    }

    private void Settle()
    {
        for (int i = 0; i < 50; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(20));
            _model.AdvanceTo(_clock.Elapsed);
        }
    }

    private byte[] ReadExactly(int count)
    {
        byte[] buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            got += _port.Read(buffer, got, count - got);
        }

        return buffer;
    }

    /// <summary>An Ok reading, or the meter's fault as the failure message.</summary>
    private static void AssertOk(MeterReading reading) => Assert.True(reading.Status == MeterReadStatus.Ok, $"{reading.Status}: {reading.Fault}");
}
