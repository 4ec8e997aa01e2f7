using System.Device.I2c;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Ina219;
using EdgeGateway.Hardware.Simulation.Tca9548A;
using Iot.Device.Adc;
using Iot.Device.Tca954x;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedTca9548ATests
{
    private readonly SimulatedClock _clock = TestClock.Create();

    [Fact]
    public void Tca9548A_binding_reaches_only_the_chip_on_the_selected_channel()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        mux.Attach(2, new SimulatedIna219(0x40, new SettableDcFrontEnd { BusVolts = 12.0 }, _clock));
        using var tca = new Tca9548A(bus.CreateDevice(SimulatedTca9548A.DefaultAddress), bus);

        I2cDevice onChannel2 = tca.GetChannel(2).CreateDevice(0x40);
        I2cDevice onChannel5 = tca.GetChannel(5).CreateDevice(0x40); // same address, empty channel
        var ina = new Ina219(onChannel2);
        ina.Reset();

        Assert.Equal(12.0, ina.ReadBusVoltage().Volts, 3);
        Assert.Equal(0b0000_0100, mux.EnabledChannels);
        Assert.Throws<IOException>(() => onChannel5.ReadByte());
        Assert.Equal(0b0010_0000, mux.EnabledChannels);
    }

    [Fact]
    public void Two_ina219_with_the_same_address_on_different_mux_channels_are_distinct()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        mux.Attach(0, new SimulatedIna219(0x40, new SettableDcFrontEnd { BusVolts = 12.0 }, _clock));
        mux.Attach(1, new SimulatedIna219(0x40, new SettableDcFrontEnd { BusVolts = 5.0 }, _clock));
        using var tca = new Tca9548A(bus.CreateDevice(SimulatedTca9548A.DefaultAddress), bus);
        var shed0 = new Ina219(tca.GetChannel(0).CreateDevice(0x40));
        var shed1 = new Ina219(tca.GetChannel(1).CreateDevice(0x40));
        shed0.Reset();
        shed1.Reset();

        Assert.Equal(12.0, shed0.ReadBusVoltage().Volts, 3);
        Assert.Equal(5.0, shed1.ReadBusVoltage().Volts, 3);
        Assert.Equal(12.0, shed0.ReadBusVoltage().Volts, 3);
    }

    [Fact]
    public void Mux_powers_up_with_no_channel_selected()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        mux.Attach(0, new SimulatedIna219(0x40, new SettableDcFrontEnd(), _clock));
        using I2cDevice muxDevice = bus.CreateDevice(0x70);
        using I2cDevice inaDevice = bus.CreateDevice(0x40);

        Assert.Equal(0, muxDevice.ReadByte());
        Assert.Throws<IOException>(() => inaDevice.WriteByte(0x00));

        muxDevice.WriteByte(0x01);
        inaDevice.WriteByte(0x00);
    }

    [Fact]
    public void Mux_keeps_the_last_byte_of_a_multi_byte_write()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        using I2cDevice muxDevice = bus.CreateDevice(0x70);

        muxDevice.Write([0x01, 0x80, 0x42]);

        Assert.Equal(0x42, muxDevice.ReadByte());
    }

    [Fact]
    public void Chips_at_one_address_on_two_enabled_channels_contend()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        mux.Attach(0, new SimulatedIna219(0x40, new SettableDcFrontEnd(), _clock));
        mux.Attach(1, new SimulatedIna219(0x40, new SettableDcFrontEnd(), _clock));
        using I2cDevice muxDevice = bus.CreateDevice(0x70);
        using I2cDevice inaDevice = bus.CreateDevice(0x40);

        muxDevice.WriteByte(0b0000_0011);
        IOException error = Assert.Throws<IOException>(() => inaDevice.WriteByte(0x00));

        Assert.Contains("bus contention", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mux_that_does_not_answer_cuts_off_its_channels()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var mux = new SimulatedTca9548A();
        bus.Attach(mux);
        mux.Attach(3, new SimulatedIna219(0x40, new SettableDcFrontEnd(), _clock));
        using I2cDevice muxDevice = bus.CreateDevice(0x70);
        using I2cDevice inaDevice = bus.CreateDevice(0x40);
        muxDevice.WriteByte(0b0000_1000);

        mux.Answering = false;

        Assert.Throws<IOException>(() => muxDevice.ReadByte());
        Assert.Throws<IOException>(() => inaDevice.WriteByte(0x00));
    }
}
