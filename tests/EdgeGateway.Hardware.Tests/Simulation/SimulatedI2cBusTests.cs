using System.Device.I2c;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Ina219;
using EdgeGateway.Hardware.Simulation.Tca9548A;
using Iot.Device.Board;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedI2cBusTests
{
    private readonly SimulatedClock _clock = TestClock.Create();

    [Fact]
    public void Transfer_to_an_address_no_chip_answers_throws_the_IOException_Linux_gives_for_a_NACK()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        bus.Attach(new SimulatedTca9548A(0x70));
        using I2cDevice device = bus.CreateDevice(0x71);

        IOException error = Assert.Throws<IOException>(() => device.ReadByte());

        Assert.Equal("Error 121 (Remote I/O error) performing I2C data transfer.", error.Message);
    }

    [Fact]
    public void Chip_that_stops_answering_NACKs_its_address()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var chip = new SimulatedTca9548A(0x70);
        bus.Attach(chip);
        using I2cDevice device = bus.CreateDevice(0x70);
        device.WriteByte(0x05);

        chip.Answering = false;
        Assert.Throws<IOException>(() => device.ReadByte());

        chip.Answering = true;
        Assert.Equal(0x05, device.ReadByte());
    }

    [Fact]
    public void Two_chips_answering_the_same_address_is_reported_as_bus_contention()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        bus.Attach(new SimulatedTca9548A(0x70));
        bus.Attach(new SimulatedTca9548A(0x70));
        using I2cDevice device = bus.CreateDevice(0x70);

        IOException error = Assert.Throws<IOException>(() => device.WriteByte(0x01));

        Assert.Contains("bus contention", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void I2c_transaction_advances_the_simulated_clock_by_its_wire_time()
    {
        using var bus = new SimulatedI2cBus(1, _clock, busClockHz: 100_000);
        bus.Attach(new SimulatedIna219(0x40, new SettableDcFrontEnd(), _clock));
        using I2cDevice device = bus.CreateDevice(0x40);

        TimeSpan before = _clock.Elapsed;
        device.Write([0x05, 0x10, 0x00]); // address + 3 bytes = 36 clocks at 100 kHz
        Assert.Equal(TimeSpan.FromMicroseconds(360), _clock.Elapsed - before);

        before = _clock.Elapsed;
        Span<byte> read = stackalloc byte[2];
        device.WriteRead([0x05], read); // address + 1, repeated START, address + 2 = 45 clocks
        Assert.Equal(TimeSpan.FromMicroseconds(450), _clock.Elapsed - before);

        before = _clock.Elapsed;
        using I2cDevice nobody = bus.CreateDevice(0x41);
        Assert.Throws<IOException>(() => nobody.Write([0x00, 0x00, 0x00]));
        Assert.Equal(TimeSpan.FromMicroseconds(90), _clock.Elapsed - before); // the NACKed address byte only
    }

    [Fact]
    public void An_address_can_be_open_once_until_it_is_removed_or_disposed()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        I2cDevice first = bus.CreateDevice(0x40);

        Assert.Throws<ArgumentException>(() => bus.CreateDevice(0x40));

        bus.RemoveDevice(0x40);
        I2cDevice second = bus.CreateDevice(0x40);
        Assert.Throws<ArgumentException>(() => bus.RemoveDevice(0x41));

        second.Dispose();
        using I2cDevice third = bus.CreateDevice(0x40);
        Assert.Equal(new I2cConnectionSettings(1, 0x40), third.ConnectionSettings);
        first.Dispose();
        Assert.Throws<ArgumentException>(() => bus.CreateDevice(0x40)); // disposing a stale device frees nothing
    }

    [Fact]
    public void Disposed_device_refuses_transfers()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        bus.Attach(new SimulatedTca9548A(0x70));
        I2cDevice device = bus.CreateDevice(0x70);
        device.Dispose();

        Assert.Throws<ObjectDisposedException>(() => device.ReadByte());
    }

    [Fact]
    public void Bus_scan_of_the_board_binding_finds_the_answering_chips()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        bus.Attach(new SimulatedIna219(0x40, new SettableDcFrontEnd(), _clock));
        bus.Attach(new SimulatedTca9548A(0x70));
        bus.Attach(new SimulatedIna219(0x45, new SettableDcFrontEnd(), _clock) { Answering = false });

        List<int> found = bus.PerformBusScan();

        Assert.Equal([0x40, 0x70], found);
    }

    [Fact]
    public void A_chip_can_be_attached_in_one_place_only()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        var mux = new SimulatedTca9548A();
        var ina = new SimulatedIna219(0x40, new SettableDcFrontEnd(), _clock);
        bus.Attach(mux);
        mux.Attach(0, ina);

        Assert.Throws<InvalidOperationException>(() => bus.Attach(ina));
        Assert.Throws<InvalidOperationException>(() => mux.Attach(1, ina));
    }

    [Fact]
    public void I2c_transfers_allocate_nothing()
    {
        using var bus = new SimulatedI2cBus(1, _clock);
        bus.Attach(new SimulatedIna219(0x40, new SettableDcFrontEnd { BusVolts = 12 }, _clock));
        using I2cDevice device = bus.CreateDevice(0x40);
        Span<byte> pointer = [0x02];
        Span<byte> value = stackalloc byte[2];
        for (int i = 0; i < 1000; i++)
        {
            device.Write(pointer);
            device.Read(value);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            device.Write(pointer);
            device.Read(value);
            device.WriteRead(pointer, value);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
