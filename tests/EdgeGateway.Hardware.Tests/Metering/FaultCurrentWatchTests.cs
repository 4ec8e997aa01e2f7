using EdgeGateway.Hardware.Metering;

namespace EdgeGateway.Hardware.Tests.Metering;

/// <summary>Fault current against a current input pinned at a rail, sample by sample (12-bit ADC, bias 2048, threshold 1600 codes).</summary>
public sealed class FaultCurrentWatchTests
{
    private const int Bias = 2048;

    /// <summary>The sample, 1-based, on which the watch confirms fault current, or 0 when it never does.</summary>
    private static int ConfirmedAt(params int[] codes)
    {
        var watch = new FaultCurrentWatch(1600, 41);
        for (int k = 0; k < codes.Length; k++)
        {
            if (watch.IsShortCircuit(codes[k], codes[k] - Bias))
            {
                return k + 1;
            }
        }

        return 0;
    }

    [Fact]
    public void An_input_at_0_V_from_the_first_sample_is_never_fault_current() =>
        Assert.Equal(0, ConfirmedAt([.. Enumerable.Repeat(0, 600)]));

    [Fact]
    public void An_input_pinned_at_the_top_rail_is_never_fault_current() =>
        Assert.Equal(0, ConfirmedAt([.. Enumerable.Repeat(4095, 600)]));

    [Fact]
    public void A_short_that_starts_during_the_measurement_is_confirmed_on_its_second_sample() =>
        Assert.Equal(5, ConfirmedAt(2100, 2300, 1900, 4095, 4095, 4095));

    [Fact]
    public void A_single_sample_beyond_the_threshold_is_not_a_short() =>
        Assert.Equal(0, ConfirmedAt(2100, 4095, 2100, 2050, 0, 2000));

    [Fact]
    public void A_saturated_short_already_flowing_is_confirmed_when_it_swings_to_the_other_rail() =>
        Assert.Equal(126, ConfirmedAt([.. Enumerable.Repeat(0, 125), 4095]));

    [Fact]
    public void A_fault_current_within_the_ADC_range_is_confirmed_on_its_second_sample_because_it_moves() =>
        Assert.Equal(2, ConfirmedAt(3700, 3800, 3900));
}
