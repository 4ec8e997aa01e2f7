using EdgeGateway.Calibration;

namespace EdgeGateway.Tests.Calibration;

/// <summary>
/// The site-file scalar edit calibration writes its factors with: one value's characters change, every other byte of the
/// file stays as it was (comments, order, quoting, line endings); an absent key is added where the mapping's keys are.
/// </summary>
public sealed class SiteFileTextTests
{
    private const string Site = """
        # The shed's mains. voltsPerAdcVolt measured 2026-11-02 with a Fluke 117.
        mains:
          nominalVoltageV: 220        # China
          frequencyHz: 50
          voltageSensor: { adc: adc0, channel: 0 }
          voltsPerAdcVolt: 268.97     # VT ratio x output stage
        ports:
          - id: P01
            meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }   # SCT-013-030
            relay: { gpio: 5 }
          - id: P02
            meter:
              type: ac
              adc: adc0
              channel: 2
              ampsPerAdcVolt: '30'
            relay: { gpio: 6 }

        """;

    [Fact]
    public void A_value_in_a_block_mapping_changes_and_its_comment_and_every_other_line_stay()
    {
        Assert.True(SiteFileText.TrySetScalar(Site, "mains.voltsPerAdcVolt", "271.5", out string edited, out string? problem), problem);

        Assert.Equal(Site.Replace("voltsPerAdcVolt: 268.97     # VT", "voltsPerAdcVolt: 271.5     # VT", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void A_value_in_a_list_items_flow_mapping_changes_in_place()
    {
        Assert.True(SiteFileText.TrySetScalar(Site, "ports[P01].meter.ampsPerAdcVolt", "32.4", out string edited, out string? problem), problem);

        Assert.Equal(Site.Replace("channel: 1, ampsPerAdcVolt: 30 }", "channel: 1, ampsPerAdcVolt: 32.4 }", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void A_quoted_value_stays_quoted_the_same_way()
    {
        Assert.True(SiteFileText.TrySetScalar(Site, "ports[P02].meter.ampsPerAdcVolt", "29.1", out string single, out string? problem), problem);
        Assert.Equal(Site.Replace("ampsPerAdcVolt: '30'", "ampsPerAdcVolt: '29.1'", StringComparison.Ordinal), single);

        string doubleQuoted = Site.Replace("ampsPerAdcVolt: '30'", "ampsPerAdcVolt: \"30\"", StringComparison.Ordinal);
        Assert.True(SiteFileText.TrySetScalar(doubleQuoted, "ports[P02].meter.ampsPerAdcVolt", "29.1", out string edited, out problem), problem);
        Assert.Equal(Site.Replace("ampsPerAdcVolt: '30'", "ampsPerAdcVolt: \"29.1\"", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void An_absent_key_is_added_under_its_block_mapping_at_the_keys_indentation()
    {
        string without = Site.Replace("      ampsPerAdcVolt: '30'\n", "", StringComparison.Ordinal);

        Assert.True(SiteFileText.TrySetScalar(without, "ports[P02].meter.ampsPerAdcVolt", "29.1", out string edited, out string? problem), problem);

        Assert.Equal(without.Replace("      channel: 2\n", "      channel: 2\n      ampsPerAdcVolt: 29.1\n", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void An_absent_key_is_added_to_a_flow_mapping_before_its_brace()
    {
        string without = Site.Replace(", ampsPerAdcVolt: 30 }", " }", StringComparison.Ordinal);

        Assert.True(SiteFileText.TrySetScalar(without, "ports[P01].meter.ampsPerAdcVolt", "30.5", out string edited, out string? problem), problem);

        Assert.Equal(without.Replace("channel: 1 }", "channel: 1, ampsPerAdcVolt: 30.5 }", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void Windows_line_endings_stay_and_an_added_line_uses_them()
    {
        string crlf = Site.Replace("\n", "\r\n", StringComparison.Ordinal);
        string without = crlf.Replace("  voltsPerAdcVolt: 268.97     # VT ratio x output stage\r\n", "", StringComparison.Ordinal);

        Assert.True(SiteFileText.TrySetScalar(crlf, "mains.voltsPerAdcVolt", "271.5", out string edited, out string? problem), problem);
        Assert.Equal(crlf.Replace("268.97", "271.5", StringComparison.Ordinal), edited);

        Assert.True(SiteFileText.TrySetScalar(without, "mains.voltsPerAdcVolt", "271.5", out edited, out problem), problem);
        Assert.Equal(without.Replace("  voltageSensor: { adc: adc0, channel: 0 }\r\n", "  voltageSensor: { adc: adc0, channel: 0 }\r\n  voltsPerAdcVolt: 271.5\r\n", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void An_empty_value_gets_its_space()
    {
        string empty = Site.Replace("frequencyHz: 50", "frequencyHz:", StringComparison.Ordinal);

        Assert.True(SiteFileText.TrySetScalar(empty, "mains.frequencyHz", "50", out string edited, out string? problem), problem);

        Assert.Equal(Site, edited);
    }

    [Theory]
    [InlineData("ports[P09].meter.ampsPerAdcVolt", "ports[P09]: no list item with id 'P09'")]
    [InlineData("mains.voltageSensor", "mains.voltageSensor: holds a mapping, not a value")]
    [InlineData("mainz.voltsPerAdcVolt", "mainz: not in the file")]
    public void A_path_that_does_not_lead_to_a_value_is_refused_and_nothing_changes(string path, string expected)
    {
        Assert.False(SiteFileText.TrySetScalar(Site, path, "1", out string edited, out string? problem));

        Assert.Equal(expected, problem);
        Assert.Equal(Site, edited);
    }

    [Fact]
    public void A_block_scalar_is_refused_with_what_to_do()
    {
        string block = Site.Replace("voltsPerAdcVolt: 268.97     # VT ratio x output stage", "voltsPerAdcVolt: |\n    268.97", StringComparison.Ordinal);

        Assert.False(SiteFileText.TrySetScalar(block, "mains.voltsPerAdcVolt", "271.5", out string edited, out string? problem));

        Assert.Contains("block scalar", problem, StringComparison.Ordinal);
        Assert.Equal(block, edited);
    }

    [Theory]
    [InlineData(268.431, "268.431")]
    [InlineData(29.94362, "29.9436")]
    [InlineData(0.000999999, "0.000999999")]
    [InlineData(3824.0612, "3824.06")]
    public void Numbers_are_written_to_six_significant_digits_in_invariant_culture(double value, string expected) =>
        Assert.Equal(expected, SiteFileText.Number(value));
}
