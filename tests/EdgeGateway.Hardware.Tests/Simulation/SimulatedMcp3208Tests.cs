using System.Device.Spi;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Mcp3208;
using Iot.Device.Adc;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedMcp3208Tests
{
    private const double Vref = 3.3;
    private readonly SimulatedClock _clock = TestClock.Create();
    private readonly FunctionAnalogFrontEnd _inputs = new((channel, _) => 0.3 + (0.35 * channel));

    private static SpiConnectionSettings Settings(int clockHz = 1_000_000) => new(0, 0) { ClockFrequency = clockHz, Mode = SpiMode.Mode0 };

    private static int Code(double volts, int bits = 12) => (int)Math.Clamp(Math.Round(volts / Vref * (1 << bits)), 0, (1 << bits) - 1);

    [Fact]
    public void Mcp3208_binding_reads_the_code_of_the_voltage_at_the_sampling_instant()
    {
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        TimeSpan transferStart = _clock.Elapsed;

        // Channel 3 ramps 10 mV per simulated microsecond from the transfer's start.
        _inputs.Volts = (channel, at) => channel == 3 ? (at - transferStart).TotalMicroseconds * 0.01 : 0;
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref));

        int code = adc.Read(3);

        // The binding sends 5 zeros before the start bit; the sample closes 6 clocks after it:
        // 16 µs of ioctl overhead + 11 clocks at 1 MHz = 27 µs into the transfer.
        Assert.Equal(Code(0.27), code);
    }

    [Fact]
    public void Transfers_count_as_the_simulators_own_cpu_time()
    {
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref));
        long calls = SimulatorCpu.Calls;
        TimeSpan estimated = SimulatorCpu.Estimated;
        long threadStart = SimulatorCpu.ThreadNanoseconds();

        for (int i = 0; i < 2000; i++)
        {
            adc.Read(i % 8);
        }

        // Every transfer is counted; about one in 16 is timed on the thread's CPU clock (none timed in 2000: p ≈ 1e-56).
        Assert.True(SimulatorCpu.Calls - calls >= 2000, $"{SimulatorCpu.Calls - calls} calls counted");
        Assert.True(SimulatorCpu.Estimated > estimated, "no time estimated");
        Assert.True(SimulatorCpu.ThreadNanoseconds() > threadStart, "the thread's CPU clock did not run");
    }

    [Fact]
    public void Mcp3208_binding_reads_every_single_ended_channel()
    {
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref));

        for (int channel = 0; channel < 8; channel++)
        {
            Assert.Equal(Code(0.3 + (0.35 * channel)), adc.Read(channel));
        }
    }

    [Fact]
    public void Codes_clip_at_zero_and_full_scale()
    {
        _inputs.Volts = (channel, _) => channel == 0 ? 5.0 : -0.2;
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref));

        Assert.Equal(4095, adc.Read(0));
        Assert.Equal(0, adc.Read(1));
    }

    [Fact]
    public void Mcp3208_binding_pseudo_differential_read_converts_the_pair_of_table_5_2()
    {
        _inputs.Volts = (channel, _) => channel switch { 0 => 2.0, 1 => 0.5, 2 => 1.0, 3 => 1.25, _ => 0 };
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref));

        Assert.Equal(Code(1.5), adc.ReadPseudoDifferential(0, 1));
        Assert.Equal(0, adc.ReadPseudoDifferential(2, 3)); // IN+ below IN−: code 0

        // The binding never sets D0, so asking for CH1 against CH0 still converts CH0 − CH1 (as the real chip would).
        Assert.Equal(Code(1.5), adc.ReadPseudoDifferential(1, 0));
    }

    [Fact]
    public void Mcp3208_binding_software_differential_subtracts_two_single_ended_reads()
    {
        _inputs.Volts = (channel, _) => channel == 4 ? 1.0 : 2.5;
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref));

        Assert.Equal(Code(1.0) - Code(2.5), adc.ReadDifferential(4, 5));
    }

    [Fact]
    public void Differential_mode_with_d0_set_converts_the_odd_channel_against_the_even()
    {
        _inputs.Volts = (channel, _) => channel switch { 0 => 0.5, 1 => 2.0, _ => 0 };
        using var spi = new SimulatedMcp3208(Settings(), _clock, _inputs, Vref);
        Span<byte> response = stackalloc byte[3];

        spi.TransferFullDuplex([0x04, 0x40, 0x00], response); // start, SGL/DIFF = 0, D2 D1 D0 = 0 0 1
        Assert.Equal(0, response[1] & 0x10); // null bit
        Assert.Equal(Code(1.5), ((response[1] & 0x0F) << 8) | response[2]);

        spi.TransferFullDuplex([0x04, 0x00, 0x00], response); // D0 = 0: CH0 − CH1 < 0
        Assert.Equal(0, ((response[1] & 0x0F) << 8) | response[2]);
    }

    [Fact]
    public void Further_clocks_give_the_result_lsb_first_then_zeros()
    {
        _inputs.Volts = (_, _) => 2652.0 / 4096 * Vref; // code 0xA5C
        using var spi = new SimulatedMcp3208(Settings(), _clock, _inputs, Vref);
        Span<byte> response = stackalloc byte[5];

        spi.TransferFullDuplex([0x06, 0x00, 0x00, 0x00, 0x00], response); // channel 0, 40 clocks

        long bits = 0;
        foreach (byte b in response)
        {
            bits = (bits << 8) | b;
        }

        // Clock i is bit 39 − i. Start bit at clock 5: DOUT floats high to clock 10, null bit at 11,
        // B11..B0 at 12..23, B1..B11 at 24..34, zeros from 35.
        Assert.Equal(0x7FFL, bits >> 29);
        Assert.Equal(0, (bits >> 28) & 1);
        Assert.Equal(0xA5C, (int)((bits >> 16) & 0xFFF));
        int lsbFirst = (int)(bits >> 16) & 1; // B0
        for (int j = 1; j < 12; j++)
        {
            lsbFirst |= (int)((bits >> (39 - (23 + j))) & 1) << j;
        }

        Assert.Equal(0xA5C, lsbFirst);
        Assert.Equal(0, bits & 0x1F);
    }

    [Fact]
    public void Mcp3008_binding_reads_ten_bit_codes_with_the_same_framing()
    {
        using var adc = new Mcp3008(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref, resolutionBits: 10));

        Assert.Equal(Code(0.3 + (0.35 * 6), bits: 10), adc.Read(6));
    }

    [Fact]
    public void Spi_transfer_advances_the_simulated_clock_by_its_wire_time()
    {
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(1_000_000), _clock, _inputs, Vref));
        using var slower = new SimulatedMcp3208(Settings(500_000), _clock, _inputs, Vref, perTransferOverhead: TimeSpan.FromMicroseconds(5));

        TimeSpan before = _clock.Elapsed;
        adc.Read(0);
        Assert.Equal(TimeSpan.FromMicroseconds(16 + 24), _clock.Elapsed - before);

        before = _clock.Elapsed;
        slower.Write([0x06, 0x00, 0x00, 0x00]);
        Assert.Equal(TimeSpan.FromMicroseconds(5 + 64), _clock.Elapsed - before);
    }

    [Fact]
    public void Stuck_adc_returns_the_same_code()
    {
        var chip = new SimulatedMcp3208(Settings(), _clock, _inputs, Vref);
        using var adc = new Mcp3208(chip);
        int before = adc.Read(2);

        chip.Fault = Mcp3208Fault.StuckCode;
        _inputs.Volts = (_, _) => 3.0;

        Assert.Equal(before, adc.Read(2));
        Assert.Equal(before, adc.Read(7));

        chip.Fault = Mcp3208Fault.None;
        Assert.Equal(Code(3.0), adc.Read(2));
    }

    [Fact]
    public void Adc_that_does_not_answer_fails_the_null_bit_check_of_the_binding()
    {
        var chip = new SimulatedMcp3208(Settings(), _clock, _inputs, Vref) { Fault = Mcp3208Fault.NotAnswering };
        using var adc = new Mcp3208(chip);

        Assert.Throws<InvalidOperationException>(() => adc.Read(0));
    }

    [Fact]
    public void Adc_with_dout_stuck_low_reads_zero()
    {
        var chip = new SimulatedMcp3208(Settings(), _clock, _inputs, Vref) { Fault = Mcp3208Fault.StuckLow };
        using var adc = new Mcp3208(chip);

        Assert.Equal(0, adc.Read(5));
    }

    [Fact]
    public void Spi_modes_the_chip_does_not_support_are_refused()
    {
        var settings = new SpiConnectionSettings(0, 0) { Mode = SpiMode.Mode1 };

        Assert.Throws<ArgumentException>(() => new SimulatedMcp3208(settings, _clock, _inputs, Vref));
    }

    [Fact]
    public void Mcp3208_reads_allocate_nothing()
    {
        using var adc = new Mcp3208(new SimulatedMcp3208(Settings(), _clock, _inputs, Vref));
        for (int i = 0; i < 1000; i++)
        {
            adc.Read(i & 7);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 10_000; i++)
        {
            sum += adc.Read(i & 7);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }
}
