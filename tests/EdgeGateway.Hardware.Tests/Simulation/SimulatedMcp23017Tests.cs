using System.Device.Gpio;
using System.Device.I2c;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Mcp23017;
using Iot.Device.Mcp23xxx;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedMcp23017Tests : IDisposable
{
    private const int Address = 0x20;
    private readonly SimulatedClock _clock = TestClock.Create();
    private readonly SimulatedI2cBus _bus;
    private readonly SimulatedMcp23017 _chip = new(Address);

    public SimulatedMcp23017Tests()
    {
        _bus = new SimulatedI2cBus(1, _clock);
        _bus.Attach(_chip);
    }

    public void Dispose() => _bus.Dispose();

    [Fact]
    public void Mcp23017_binding_drives_output_latch_through_GpioController()
    {
        using var gpio = new GpioController(new Mcp23017(_bus.CreateDevice(Address)));

        gpio.OpenPin(3, PinMode.Output);
        gpio.OpenPin(10, PinMode.Output);
        gpio.Write(3, PinValue.High);
        Assert.Equal(1 << 3, _chip.OutputLevels);

        gpio.Write(10, PinValue.High);
        gpio.Write(3, PinValue.Low);
        Assert.Equal(1 << 10, _chip.OutputLevels);
        Assert.Equal(PinMode.Output, gpio.GetPinMode(10));
        Assert.Equal(PinValue.High, gpio.Read(10)); // GPIO of an output pin reads its latch
    }

    [Fact]
    public void Mcp23017_constructor_leaves_all_outputs_low()
    {
        // Left over from a previous run: every pin an output, every latch high.
        using (I2cDevice raw = _bus.CreateDevice(Address))
        {
            raw.Write([0x00, 0x00, 0x00]); // IODIRA, IODIRB
            raw.Write([0x14, 0xFF, 0xFF]); // OLATA, OLATB
        }

        Assert.Equal(0xFFFF, _chip.OutputLevels);

        using var gpio = new GpioController(new Mcp23017(_bus.CreateDevice(Address)));

        Assert.Equal(0, _chip.OutputLevels);
        gpio.OpenPin(5, PinMode.Output);
        gpio.OpenPin(13, PinMode.Output);
        Assert.Equal(0, _chip.OutputLevels); // the constructor cleared the latches as well
    }

    [Fact]
    public void Mcp23017_binding_reads_the_levels_applied_to_input_pins()
    {
        using var gpio = new GpioController(new Mcp23017(_bus.CreateDevice(Address)));
        gpio.OpenPin(12, PinMode.Input);
        gpio.OpenPin(1, PinMode.Input);

        _chip.SetInputLevel(12, true);
        Assert.Equal(PinValue.High, gpio.Read(12));
        Assert.Equal(PinValue.Low, gpio.Read(1));

        _chip.SetInputLevel(12, false);
        _chip.SetInputLevel(1, true);
        Assert.Equal(PinValue.Low, gpio.Read(12));
        Assert.Equal(PinValue.High, gpio.Read(1));
    }

    [Fact]
    public void Undriven_input_with_pull_up_reads_high()
    {
        using var gpio = new GpioController(new Mcp23017(_bus.CreateDevice(Address)));
        gpio.OpenPin(7, PinMode.InputPullUp);
        gpio.OpenPin(6, PinMode.Input);

        Assert.Equal(PinValue.High, gpio.Read(7));
        Assert.Equal(PinValue.Low, gpio.Read(6));
    }

    [Fact]
    public void Ipol_inverts_what_gpio_reports_for_an_input()
    {
        using var mcp = new Mcp23017(_bus.CreateDevice(Address));
        _chip.SetInputLevel(9, true);

        Assert.Equal(0b0000_0010, mcp.ReadByte(Register.GPIO, Port.PortB));
        mcp.WriteByte(Register.IPOL, 0b0000_0010, Port.PortB);
        Assert.Equal(0, mcp.ReadByte(Register.GPIO, Port.PortB));
    }

    [Fact]
    public void OutputsChanged_is_raised_with_the_new_levels_when_an_output_changes()
    {
        var seen = new List<ushort>();
        _chip.OutputsChanged += seen.Add;
        using var gpio = new GpioController(new Mcp23017(_bus.CreateDevice(Address)));

        gpio.OpenPin(0, PinMode.Output);
        gpio.Write(0, PinValue.High);
        gpio.Write(0, PinValue.High);
        gpio.OpenPin(15, PinMode.Output);
        gpio.Write(15, PinValue.High);
        gpio.Write(0, PinValue.Low);

        Assert.Equal(new ushort[] { 0x0001, 0x8001, 0x8000 }, seen);
    }

    [Fact]
    public void Sequential_mode_walks_the_ab_pairs_and_rolls_over_after_olatb()
    {
        using I2cDevice raw = _bus.CreateDevice(Address);
        raw.Write([0x00, 0x11, 0x22, 0x33, 0x44]); // IODIRA, IODIRB, IPOLA, IPOLB

        Span<byte> read = stackalloc byte[4];
        raw.WriteRead([0x00], read);
        Assert.Equal(new byte[] { 0x11, 0x22, 0x33, 0x44 }, read.ToArray());

        raw.Write([0x15, 0xAB]); // OLATB
        raw.WriteRead([0x15], read[..2]);
        Assert.Equal(new byte[] { 0xAB, 0x11 }, read[..2].ToArray()); // OLATB, then IODIRA
    }

    [Fact]
    public void Byte_mode_with_bank_0_toggles_between_the_a_and_b_register()
    {
        using I2cDevice raw = _bus.CreateDevice(Address);
        raw.Write([0x0A, 0x20]); // IOCON.SEQOP = 1
        raw.Write([0x00, 0x00, 0x00]); // IODIRA, IODIRB: all outputs

        raw.Write([0x12, 0x01, 0x02, 0x04]); // GPIOA, GPIOB, GPIOA

        Assert.Equal(0x0204, _chip.OutputLevels);
    }

    [Fact]
    public void Bank_1_maps_port_b_registers_from_10h()
    {
        using I2cDevice raw = _bus.CreateDevice(Address);
        raw.Write([0x0A, 0x80]); // IOCON.BANK = 1

        raw.Write([0x10, 0x00]); // IODIRB
        raw.Write([0x1A, 0x5A]); // OLATB
        raw.Write([0x0A, 0xFF]); // OLATA (port A is still all inputs)

        Assert.Equal(0x5A00, _chip.OutputLevels);
        Span<byte> iocon = stackalloc byte[1];
        raw.WriteRead([0x15], iocon); // IOCON as seen from port B's side
        Assert.Equal(0x80, iocon[0]);
    }

    [Fact]
    public void Mcp23017_that_does_not_answer_surfaces_as_IOException_from_the_binding()
    {
        _chip.Answering = false;

        Assert.Throws<IOException>(() => new Mcp23017(_bus.CreateDevice(Address)));
    }
}
