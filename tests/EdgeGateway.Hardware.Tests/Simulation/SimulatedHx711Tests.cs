using System.Device.Gpio;
using System.Diagnostics;
using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Gpio;
using EdgeGateway.Hardware.Simulation.Hx711;
using Iot.Device.Hx711;
using UnitsNet;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>
/// <see cref="SimulatedHx711"/>'s serial protocol on a hand-driven time line, then the real <see cref="Hx711"/> binding and
/// <see cref="Hx711WeightSensor"/> on it in real time. Weights are asserted within 10 g: the simulated noise is the
/// datasheet's (39 counts rms at 80 SPS, about 2 g at 20 000 counts per kg), and a reading is a median of three.
/// </summary>
[Collection(RealTimeGpioDevices.Name)]
public sealed class SimulatedHx711Tests : IDisposable
{
    private const int Dout = 5;
    private const int Sck = 6;
    private const double CountsPerKg = 20_000;
    private const double ZeroCounts = 120_000;
    private const double ToleranceG = 10;

    private readonly SimulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;
    private readonly SimulatedClock _clock = TestClock.Create();
    private readonly SettableLoadCell _cell = new();
    private readonly SettableLoadCell _channelB = new();
    private readonly List<IDisposable> _owned = [];

    public SimulatedHx711Tests() => _gpio = new GpioController(_driver);

    public void Dispose()
    {
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        _gpio.Dispose();
    }

    [Fact]
    public void Dout_falls_when_the_first_result_has_settled_then_every_12_5_ms_at_80_sps()
    {
        SimulatedHx711 chip = Chip(noise: 0);
        ManualTime time = ManualPins(chip);

        PinValue settling = time.ReadAfter(_gpio, Dout, 49_999);
        PinValue settled = time.ReadAfter(_gpio, Dout, 2);
        ReadResult(time, extraPulses: 1); // 25 pulses, about 50 µs
        PinValue afterRead = _gpio.Read(Dout);
        PinValue beforeNext = time.ReadAfter(_gpio, Dout, 12_500 - 60);
        PinValue next = time.ReadAfter(_gpio, Dout, 20);

        Assert.Equal(
            (PinValue.High, PinValue.Low, PinValue.High, PinValue.High, PinValue.Low),
            (settling, settled, afterRead, beforeNext, next));
        Assert.Equal(1, chip.ResultsRead);
    }

    [Theory]
    [InlineData(2.5, 120_000, 170_000)]
    [InlineData(0, -300_000, -300_000)] // two's complement
    [InlineData(1e6, 0, 0x7FFFFF)] // saturated high
    [InlineData(-1e6, 0, -0x800000)] // saturated low
    public void Result_is_shifted_out_msb_first_as_24_bit_twos_complement(double kg, double zeroCounts, int expected)
    {
        SimulatedHx711 chip = Chip(noise: 0, zeroCounts: zeroCounts);
        ManualTime time = ManualPins(chip);
        _cell.Kg = kg;

        time.Advance(50_001);
        int result = ReadResult(time, extraPulses: 1);

        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData(2, Hx711InputSelection.ChannelBGain32, 15_000)] // channel B: 3 kg × 20 000 × 32/128
    [InlineData(3, Hx711InputSelection.ChannelAGain64, 80_000)] // channel A: (120 000 + 2 kg × 20 000) × 64/128
    [InlineData(1, Hx711InputSelection.ChannelAGain128, 160_000)]
    public void Extra_clock_pulses_select_channel_and_gain_of_the_next_conversion(int extraPulses, Hx711InputSelection selection, int expected)
    {
        SimulatedHx711 chip = Chip(noise: 0);
        ManualTime time = ManualPins(chip);
        _cell.Kg = 2;
        _channelB.Kg = 3;

        time.Advance(50_001);
        int first = ReadResult(time, extraPulses);
        bool readyAfterOnePeriod = time.ReadAfter(_gpio, Dout, 12_500) == PinValue.Low;
        time.Advance(50_000);
        int second = ReadResult(time, extraPulses: 1);

        Assert.Equal(160_000, first); // after power-on: channel A, gain 128
        Assert.Equal(selection, chip.LastResultSelection);
        Assert.Equal(expected, second);
        Assert.Equal(selection == Hx711InputSelection.ChannelAGain128, readyAfterOnePeriod); // a new input settles for 4 periods
    }

    [Fact]
    public void Clock_held_high_over_60_us_powers_down_and_low_again_resets_to_channel_a_gain_128()
    {
        SimulatedHx711 chip = Chip(noise: 0);
        ManualTime time = ManualPins(chip);
        time.Advance(50_001);
        ReadResult(time, extraPulses: 2); // channel B next
        time.Advance(60_000);

        _gpio.Write(Sck, PinValue.High);
        time.Advance(59);
        bool downAt59 = chip.IsPoweredDown;
        time.Advance(2);
        bool downAt61 = chip.IsPoweredDown;
        PinValue doutWhileDown = _gpio.Read(Dout);
        _gpio.Write(Sck, PinValue.Low);
        Hx711InputSelection afterPowerUp = chip.Selection;
        PinValue settling = time.ReadAfter(_gpio, Dout, 49_000);
        time.Advance(1_001);
        int result = ReadResult(time, extraPulses: 1);

        Assert.False(downAt59);
        Assert.True(downAt61);
        Assert.Equal(PinValue.High, doutWhileDown);
        Assert.Equal(1, chip.PowerDowns);
        Assert.False(chip.IsPoweredDown);
        Assert.Equal(Hx711InputSelection.ChannelAGain128, afterPowerUp);
        Assert.Equal(PinValue.High, settling);
        Assert.Equal(120_000, result);
        Assert.Equal(Hx711InputSelection.ChannelAGain128, chip.LastResultSelection);
    }

    [Fact]
    public void Disconnected_amplifier_holds_dout_high_until_reconnected()
    {
        SimulatedHx711 chip = Chip(noise: 0);
        ManualTime time = ManualPins(chip);
        chip.Disconnected = true;

        PinValue aSecondLater = time.ReadAfter(_gpio, Dout, 1_000_000);
        chip.Disconnected = false; // powers up afresh
        PinValue settling = time.ReadAfter(_gpio, Dout, 49_000);
        PinValue settled = time.ReadAfter(_gpio, Dout, 1_001);

        Assert.Equal((PinValue.High, PinValue.High, PinValue.Low), (aSecondLater, settling, settled));
    }

    [Fact]
    public void Each_result_takes_the_load_at_the_simulated_time_it_is_read()
    {
        SimulatedHx711 chip = Chip(noise: 0);
        ManualTime time = ManualPins(chip);
        _cell.Script = at => at < TimeSpan.FromHours(1) ? 1 : 11;

        time.Advance(50_001);
        int before = ReadResult(time, extraPulses: 1);
        _clock.Advance(TimeSpan.FromHours(2)); // residents filled the bin
        time.Advance(12_500);
        int after = ReadResult(time, extraPulses: 1);

        Assert.Equal((140_000, 340_000), (before, after));
    }

    [Fact]
    public void Noise_has_the_datasheet_spread_at_80_sps()
    {
        SimulatedHx711 chip = Chip();
        ManualTime time = ManualPins(chip);
        var results = new List<double>();

        time.Advance(50_001);
        for (int i = 0; i < 400; i++)
        {
            results.Add(ReadResult(time, extraPulses: 1));
            time.Advance(12_500);
        }

        double mean = results.Average();
        double sd = Math.Sqrt(results.Sum(r => (r - mean) * (r - mean)) / (results.Count - 1));
        Assert.InRange(mean, ZeroCounts - 10, ZeroCounts + 10);
        Assert.InRange(sd, 33, 45); // 90 nV rms at gain 128 is about 39 counts
    }

    [Fact]
    public void Binding_reads_weights_within_10_g_after_zeroing_at_power_up()
    {
        Chip();
        Hx711 binding = Binding();
        binding.SetConversionRatio(CountsPerKg / 1000); // counts per gram
        binding.PowerUp(); // zeroes on the empty cell

        var readings = new List<(double Kg, double Grams)>();
        foreach (double kg in new[] { 0.5, 5, 40 })
        {
            _cell.Kg = kg;
            readings.Add((kg, binding.GetWeight(3).Grams));
        }

        Assert.All(readings, r => Assert.InRange(r.Grams, (r.Kg * 1000) - ToleranceG, (r.Kg * 1000) + ToleranceG));
    }

    [Fact]
    public void Binding_calibrates_against_a_known_weight_and_tares_a_container()
    {
        Chip();
        Hx711 binding = Binding();
        binding.PowerUp();

        _cell.Kg = 2;
        binding.SetCalibration(Mass.FromKilograms(2), numberOfReads: 5);
        _cell.Kg = 3; // an empty crate
        binding.Tare(numberOfReads: 5);
        _cell.Kg = 10; // crate and 7 kg of glass
        double grams = binding.GetWeight(3).Grams;

        Assert.InRange(binding.ConversionRatio, 19.8, 20.2);
        Assert.InRange(grams, 7000 - (2 * ToleranceG), 7000 + (2 * ToleranceG));
    }

    [Fact]
    public void Binding_second_tare_undoes_the_first()
    {
        // Why Hx711WeightSensor tares by itself: Tare() subtracts the previous tare from the new one.
        Chip();
        Hx711 binding = Binding();
        binding.SetConversionRatio(CountsPerKg / 1000);
        binding.PowerUp();
        _cell.Kg = 3;

        binding.Tare(numberOfReads: 5);
        double afterFirst = binding.GetWeight(3).Grams;
        binding.Tare(numberOfReads: 5);
        double afterSecond = binding.GetWeight(3).Grams;

        Assert.InRange(afterFirst, -ToleranceG, ToleranceG);
        Assert.InRange(afterSecond, 3000 - ToleranceG, 3000 + ToleranceG);
    }

    [Theory]
    [InlineData(Hx711Mode.ChannelBGain32, Hx711InputSelection.ChannelBGain32, 15_000)]
    [InlineData(Hx711Mode.ChannelAGain64, Hx711InputSelection.ChannelAGain64, 80_000)]
    public void Binding_mode_selects_channel_and_gain_by_extra_pulses(Hx711Mode mode, Hx711InputSelection selection, double expectedCounts)
    {
        SimulatedHx711 chip = Chip();
        Hx711 binding = Binding(new Hx711Options(mode, useByteLittleEndian: false));
        binding.SetConversionRatio(1); // grams = counts
        _cell.Kg = 2;
        _channelB.Kg = 3;

        double counts = GlitchFree(chip, () =>
        {
            _ = binding.GetWeight(1); // the first conversion after power-on (or a glitch) is channel A, gain 128
            return binding.GetWeight(3).Grams;
        });

        Assert.Equal(selection, chip.LastResultSelection);
        Assert.InRange(counts, expectedCounts - 150, expectedCounts + 150);
    }

    [Fact]
    public void Binding_power_down_resets_the_chip_and_power_up_selects_its_mode_again()
    {
        SimulatedHx711 chip = Chip();
        Hx711 binding = Binding(new Hx711Options(Hx711Mode.ChannelBGain32, useByteLittleEndian: false));
        binding.SetConversionRatio(1);
        Hx711InputSelection beforePowerDown = GlitchFree(chip, () =>
        {
            _ = binding.GetWeight(1);
            _ = binding.GetWeight(1);
            return chip.LastResultSelection;
        });

        int powerDownsBefore = chip.PowerDowns;
        binding.PowerDown();
        bool poweredDown = chip.IsPoweredDown;
        int powerDowns = chip.PowerDowns - powerDownsBefore;
        _gpio.Write(Sck, PinValue.Low); // powers up: what did the chip reset to?
        Hx711InputSelection afterReset = chip.Selection;
        // PowerUp discards 15 results (the first at A/128), then zeroes on 15: hundreds of bit-banged pulses, any of which
        // a busy scheduler can stretch past 60 µs, powering the chip down (and back to A/128) behind the binding's back.
        // So the power-up and the read are repeated together until neither saw such a power-down.
        Hx711InputSelection afterPowerUp = GlitchFree(chip, () =>
        {
            binding.PowerUp();
            _ = binding.GetWeight(1);
            return chip.LastResultSelection;
        });

        Assert.Equal(Hx711InputSelection.ChannelBGain32, beforePowerDown);
        Assert.True(poweredDown);
        Assert.Equal(1, powerDowns);
        Assert.Equal(Hx711InputSelection.ChannelAGain128, afterReset);
        Assert.Equal(Hx711InputSelection.ChannelBGain32, afterPowerUp);
    }

    [Fact]
    public void Binding_waits_forever_for_a_disconnected_amplifier()
    {
        SimulatedHx711 chip = Chip();
        var binding = new Hx711(Dout, Sck, null, _gpio, shouldDispose: false); // not disposed: its DOUT pin gets closed below
        binding.SetConversionRatio(1);
        chip.Disconnected = true;
        Exception? ended = null;
        var reader = new Thread(() =>
        {
            try
            {
                binding.GetWeight(1);
            }
            catch (InvalidOperationException ex)
            {
                ended = ex;
            }
        })
        { IsBackground = true };

        reader.Start();
        bool finishedAlone = reader.Join(TimeSpan.FromMilliseconds(300));
        _gpio.ClosePin(Dout); // the only way out: its next read of DOUT throws
        bool finishedAfterClose = reader.Join(TimeSpan.FromSeconds(5));

        Assert.False(finishedAlone);
        Assert.True(finishedAfterClose);
        Assert.NotNull(ended);
    }

    [Fact]
    public void Weight_sensor_tares_on_its_first_reading_then_reads_kilograms()
    {
        Chip();
        using var sensor = new Hx711WeightSensor(_gpio, Dout, Sck, CountsPerKg);

        bool first = sensor.TryMeasure(out Mass empty, out string? firstFailure);
        double? zero = sensor.ZeroCounts;
        _cell.Kg = 12.5;
        bool loaded = sensor.TryMeasure(out Mass mass, out _);

        Assert.True(first, firstFailure);
        Assert.Equal(0, empty.Kilograms);
        Assert.NotNull(zero);
        Assert.InRange(zero.Value, ZeroCounts - 100, ZeroCounts + 100);
        Assert.True(loaded);
        Assert.InRange(mass.Grams, 12_500 - ToleranceG, 12_500 + ToleranceG);
    }

    [Fact]
    public void Weight_sensor_re_zeroes_on_tare()
    {
        Chip();
        using var sensor = new Hx711WeightSensor(_gpio, Dout, Sck, CountsPerKg, zeroCounts: ZeroCounts);
        _cell.Kg = 3; // a liner bag left in after collection

        bool tared = sensor.TryTare(out string? failure);
        _cell.Kg = 8;
        bool measured = sensor.TryMeasure(out Mass mass, out _);

        Assert.True(tared, failure);
        Assert.True(measured);
        Assert.InRange(mass.Grams, 5000 - ToleranceG, 5000 + ToleranceG);
    }

    [Fact]
    public void Weight_sensor_with_a_stored_zero_reads_a_full_bin_at_start()
    {
        Chip();
        using var sensor = new Hx711WeightSensor(_gpio, Dout, Sck, CountsPerKg, zeroCounts: ZeroCounts);
        _cell.Kg = 25;

        bool measured = sensor.TryMeasure(out Mass mass, out string? failure);

        Assert.True(measured, failure);
        Assert.InRange(mass.Grams, 25_000 - ToleranceG, 25_000 + ToleranceG);
    }

    [Fact]
    public void Weight_sensor_reports_a_saturated_amplifier_instead_of_a_weight()
    {
        Chip();
        using var sensor = new Hx711WeightSensor(_gpio, Dout, Sck, CountsPerKg, zeroCounts: ZeroCounts);
        _cell.Kg = 1_000; // 20 M counts: beyond 0x7FFFFF

        bool measured = sensor.TryMeasure(out _, out string? failure);

        Assert.False(measured);
        Assert.Contains("saturated (code 8388607)", failure);
    }

    [Fact]
    public void Weight_sensor_gives_up_in_bounded_time_on_a_disconnected_amplifier_and_recovers()
    {
        SimulatedHx711 chip = Chip();
        using var sensor = new Hx711WeightSensor(_gpio, Dout, Sck, CountsPerKg, zeroCounts: ZeroCounts, timeout: TimeSpan.FromMilliseconds(400));
        chip.Disconnected = true;
        _cell.Kg = 4;

        long start = Stopwatch.GetTimestamp();
        bool whileGone = sensor.TryMeasure(out _, out string? failure);
        TimeSpan took = Stopwatch.GetElapsedTime(start);
        chip.Disconnected = false;
        bool afterReconnect = sensor.TryMeasure(out Mass mass, out string? secondFailure);

        Assert.False(whileGone);
        Assert.Contains("DOUT stays high", failure);
        Assert.True(took < TimeSpan.FromSeconds(5), "blocked"); // bounded (400 ms asked); not a performance bound
        Assert.True(afterReconnect, secondFailure);
        Assert.InRange(mass.Grams, 4000 - ToleranceG, 4000 + ToleranceG);
    }

    [Fact]
    public void Weight_sensor_stops_a_binding_read_stuck_on_an_amplifier_lost_mid_read()
    {
        SimulatedHx711 chip = Chip();
        using var sensor = new Hx711WeightSensor(_gpio, Dout, Sck, CountsPerKg, zeroCounts: ZeroCounts, timeout: TimeSpan.FromMilliseconds(400));
        _cell.Script = _ =>
        {
            chip.Disconnected = true; // the connector shakes loose as the first result is clocked out
            return 4;
        };

        bool measured = sensor.TryMeasure(out _, out string? failure);
        bool pinsClosed = RealTime.WaitUntil(() => !_gpio.IsPinOpen(Dout), TimeSpan.FromSeconds(1));
        _cell.Script = null;
        _cell.Kg = 4;
        chip.Disconnected = false;
        bool afterReconnect = sensor.TryMeasure(out Mass mass, out string? secondFailure);

        Assert.False(measured);
        Assert.Contains("not finished", failure);
        Assert.True(pinsClosed, "the stuck read's pins stayed open");
        Assert.True(afterReconnect, secondFailure);
        Assert.InRange(mass.Grams, 4000 - ToleranceG, 4000 + ToleranceG);
    }

    [Fact]
    public void Weight_sensor_fails_without_throwing_when_its_pins_cannot_be_opened()
    {
        using var sensor = new Hx711WeightSensor(_gpio, 40, 41, CountsPerKg);

        bool measured = sensor.TryMeasure(out _, out string? failure);

        Assert.False(measured);
        Assert.StartsWith("HX711 (GPIO 40/41): ", failure);
    }

    private SimulatedHx711 Chip(double? noise = null, double zeroCounts = ZeroCounts)
    {
        var chip = new SimulatedHx711(_driver, Dout, Sck, _cell, _clock, new SimulatedHx711Options
        {
            CountsPerKg = CountsPerKg,
            ZeroOffsetCounts = zeroCounts,
            NoiseCounts = noise,
            ChannelB = _channelB,
            ChannelBCountsPerKg = CountsPerKg,
        });
        _owned.Insert(0, chip);
        return chip;
    }

    private Hx711 Binding(Hx711Options? options = null)
    {
        var binding = new Hx711(Dout, Sck, options, _gpio, shouldDispose: false);
        _owned.Insert(0, binding);
        return binding;
    }

    /// <summary>
    /// <paramref name="read"/>'s result from an attempt during which the chip did not power down by itself. The binding
    /// clocks PD_SCK high and low in two writes; when its thread loses the CPU for more than 60 µs between them, the
    /// chip powers down and resets mid-read, as a real HX711 would (about one read in a hundred on this 2-core machine
    /// under load). Assertions about exact chip state are made on an attempt without such a glitch.
    /// </summary>
    private static T GlitchFree<T>(SimulatedHx711 chip, Func<T> read, int attempts = 5)
    {
        for (int i = 0; i < attempts; i++)
        {
            int before = chip.PowerDowns;
            T result = read();
            if (chip.PowerDowns == before)
            {
                return result;
            }
        }

        throw new InvalidOperationException($"the chip powered down by itself in each of {attempts} attempts");
    }

    /// <summary>The chip on a hand-driven time line (powered on now); the pins opened as the binding opens them.</summary>
    private ManualTime ManualPins(SimulatedHx711 chip)
    {
        var time = new ManualTime();
        chip.Timestamp = time.Now;
        _gpio.OpenPin(Sck, PinMode.Output);
        _gpio.OpenPin(Dout, PinMode.Input);
        return time;
    }

    /// <summary>24 data pulses, 1 µs high and 1 µs low, DOUT read after each falling edge; then the extra pulses.</summary>
    private int ReadResult(ManualTime time, int extraPulses)
    {
        int raw = 0;
        for (int i = 0; i < 24 + extraPulses; i++)
        {
            _gpio.Write(Sck, PinValue.High);
            time.Advance(1);
            _gpio.Write(Sck, PinValue.Low);
            if (i < 24)
            {
                raw = (raw << 1) | (_gpio.Read(Dout) == PinValue.High ? 1 : 0);
            }

            time.Advance(1);
        }

        return (raw << 8) >> 8; // sign-extend 24 bits
    }
}
