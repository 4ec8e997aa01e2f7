using System.Device.I2c;
using EdgeGateway.Hardware.Clock;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Ds3231;
using EdgeGateway.Hardware.Simulation.I2c;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedDs3231Tests : IDisposable
{
    private static readonly DateTime Kept = new(2026, 12, 6, 23, 59, 58, DateTimeKind.Utc);
    private readonly SimulatedClock _clock = TestClock.Create();
    private readonly SimulatedI2cBus _bus;
    private readonly SimulatedDs3231 _chip;
    private readonly I2cDevice _device;

    public SimulatedDs3231Tests()
    {
        _bus = new SimulatedI2cBus(1, _clock);
        _chip = new SimulatedDs3231(_clock, Kept);
        _bus.Attach(_chip);
        _device = _bus.CreateDevice(SimulatedDs3231.DefaultAddress);
    }

    public void Dispose()
    {
        _device.Dispose();
        _bus.Dispose();
    }

    [Fact]
    public void The_time_registers_are_bcd_from_the_pointer_and_count_on_the_simulated_clock()
    {
        byte[] registers = ReadRegisters(0x00, 7);
        Assert.Equal(new byte[] { 0x58, 0x59, 0x23, 0x01, 0x06, 0x92, 0x26 }, registers); // Sunday = 1, century bit with December

        // Three seconds later it is the 7th of December: seconds, minutes, hours, day, date roll over together.
        _clock.Advance(TimeSpan.FromSeconds(3.2));
        Assert.Equal(new byte[] { 0x01, 0x00, 0x00, 0x02, 0x07, 0x92, 0x26 }, ReadRegisters(0x00, 7));
    }

    [Fact]
    public void The_pointer_wraps_from_the_temperature_registers_to_the_seconds()
    {
        byte[] registers = ReadRegisters(0x11, 3);
        Assert.Equal(new byte[] { 25, 0x00, 0x58 }, registers);
    }

    [Fact]
    public void Writing_the_seconds_restarts_the_countdown_chain()
    {
        _clock.Advance(TimeSpan.FromMilliseconds(700));
        _device.Write([0x00, 0x10]); // seconds := 10

        _clock.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(0x10, ReadRegisters(0x00, 1)[0]); // the old phase would have ticked 300 ms after the write
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(0x11, ReadRegisters(0x00, 1)[0]);
    }

    [Fact]
    public void The_oscillator_stop_flag_is_set_by_a_power_loss_and_cleared_only_by_writing_zero()
    {
        Assert.Equal(0x08, ReadRegisters(0x0F, 1)[0]);
        _chip.LoseBackupPower();
        Assert.Equal(0x88, ReadRegisters(0x0F, 1)[0]);

        _device.Write([0x0F, 0xFF]); // a 1 cannot set or keep-set anything but what is already there
        Assert.True(_chip.OscillatorStopped);
        _device.Write([0x0F, 0x08]);
        Assert.False(_chip.OscillatorStopped);
    }

    [Fact]
    public void Ds3231RealTimeClock_reads_the_kept_time_and_refuses_a_lost_one_until_it_is_set()
    {
        var rtc = new Ds3231RealTimeClock(_device);
        Assert.True(rtc.TryRead(out DateTimeOffset read, out string? problem), problem);
        Assert.Equal(new DateTimeOffset(Kept), read);

        _chip.LoseBackupPower();
        Assert.False(rtc.TryRead(out _, out problem));
        Assert.Contains("OSF", problem, StringComparison.Ordinal);

        var synced = new DateTimeOffset(2026, 12, 7, 1, 2, 3, TimeSpan.Zero);
        Assert.True(rtc.TrySet(synced, out problem), problem);
        Assert.False(_chip.OscillatorStopped);
        Assert.Equal(synced.UtcDateTime, _chip.Now);
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.True(rtc.TryRead(out read, out problem), problem);
        Assert.Equal(synced.AddSeconds(61), read);
    }

    [Fact]
    public void A_chip_that_does_not_answer_is_a_problem_not_an_exception()
    {
        _chip.Answering = false;
        var rtc = new Ds3231RealTimeClock(_device);
        Assert.False(rtc.TryRead(out _, out string? problem));
        Assert.Contains("not readable", problem, StringComparison.Ordinal);
        Assert.False(rtc.TrySet(DateTimeOffset.UnixEpoch.AddYears(60), out problem));
    }

    private byte[] ReadRegisters(byte from, int count)
    {
        byte[] buffer = new byte[count];
        _device.WriteRead([from], buffer);
        return buffer;
    }
}
