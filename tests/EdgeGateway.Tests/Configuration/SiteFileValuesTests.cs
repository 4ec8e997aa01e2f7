using System.Globalization;
using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary>What a valid file turns into: defaults, units, overrides, number formats.</summary>
public sealed class SiteFileValuesTests
{
    [Fact]
    public void Omitted_optional_sections_take_the_model_defaults()
    {
        SiteConfiguration site = Load(Valid).Configuration!;

        Assert.Equal(new PortProtectionSettings(), site.PortProtection);
        Assert.Equal(new ShedProtectionSettings(), site.ShedProtection);
        Assert.Equal(new SamplingSettings(), site.Sampling);
        Assert.Equal(new BoardSettings(), site.Board);
        Assert.Equal(1_000_000, site.Adcs[0].ClockHz);
        Assert.Equal(1.0, ((DcMeterDefinition)site.Ports[2].Meter).BusVoltageDivider);
        Assert.False(site.Ports[0].Relay.ActiveLow);
        Assert.False(site.Ports[0].Disabled);
        Assert.Null(site.Site.Name);
        Assert.Equal(FileName, site.SourceFile);
    }

    [Fact]
    public void Per_port_protection_overrides_merge_over_the_site_defaults()
    {
        string yaml = With("    relay: { gpio: 5 }\n", "    relay: { gpio: 5 }\n    protection: { maxPowerW: 800, noLoadTimeoutSeconds: 30 }\n") + """
            protection:
              port:
                maxPowerW: 900
                completeHoldMinutes: 20
            """;

        SiteConfiguration site = Load(yaml).Configuration!;

        var siteDefaults = new PortProtectionSettings { MaxPowerW = 900, CompleteHold = TimeSpan.FromMinutes(20) };
        Assert.Equal(siteDefaults, site.PortProtection);
        Assert.Equal(siteDefaults with { MaxPowerW = 800, NoLoadTimeout = TimeSpan.FromSeconds(30) }, site.Ports[0].Protection);
        Assert.Equal(siteDefaults, site.Ports[1].Protection);
        Assert.Equal(siteDefaults with { ShortCircuitPeakA = 7.5 }, site.Ports[2].Protection);
    }

    [Fact]
    public void Fractional_times_convert_in_the_unit_their_key_names()
    {
        string yaml = Valid + """
            protection:
              port:
                overloadDebounceMs: 250.5
                completeHoldMinutes: 0.5
                noLoadTimeoutSeconds: 1.25
                maxSessionHours: 0.25
                maliciousMaxVariationPct: 2.5
              shed:
                alarmClearSeconds: 0
            sampling:
              roundPeriodMs: 750
              telemetryPeriodSeconds: 2.5
            """;

        SiteConfiguration site = Load(yaml).Configuration!;

        Assert.Equal(TimeSpan.FromTicks(2_505_000), site.PortProtection.OverloadDebounce);
        Assert.Equal(TimeSpan.FromSeconds(30), site.PortProtection.CompleteHold);
        Assert.Equal(TimeSpan.FromMilliseconds(1250), site.PortProtection.NoLoadTimeout);
        Assert.Equal(TimeSpan.FromMinutes(15), site.PortProtection.MaxSession);
        Assert.Equal(0.025, site.PortProtection.MaliciousMaxVariation, precision: 12);
        Assert.Equal(TimeSpan.Zero, site.ShedProtection.AlarmClearAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(750), site.Sampling.RoundPeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), site.Sampling.TelemetryPeriod);
    }

    [Fact]
    public void Resume_after_restart_is_on_for_ten_minutes_unless_the_site_says_otherwise()
    {
        Assert.Equal((true, TimeSpan.FromMinutes(10)), (new ShedProtectionSettings().ResumeAfterRestart, new ShedProtectionSettings().ResumeWindow));

        SiteConfiguration site = Load(Valid + """
            protection:
              shed:
                resumeAfterRestart: false
                resumeAfterRestartMinutes: 2.5
            """).Configuration!;

        Assert.Equal((false, TimeSpan.FromSeconds(150)), (site.ShedProtection.ResumeAfterRestart, site.ShedProtection.ResumeWindow));
    }

    [Theory]
    [InlineData("resumeAfterRestart: sometimes", "resumeAfterRestart", "true or false")]
    [InlineData("resumeAfterRestartMinutes: 2000", "resumeAfterRestartMinutes", "1440")]
    public void Bad_resume_settings_are_reported_with_their_line(string setting, string key, string says)
    {
        string yaml = Valid + "protection:\n  shed:\n    " + setting + "\n";

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, setting), problem.Line);
        AssertMentions(problem, key, says);
    }

    [Fact]
    public void I2C_addresses_may_be_written_in_hex_or_decimal()
    {
        SiteConfiguration site = Load(With("address: 0x20", "address: 32").Replace("address: 0x70", "address: 0X70", StringComparison.Ordinal)).Configuration!;

        Assert.Equal(0x20, site.Expanders[0].Address);
        Assert.Equal(0x70, site.Multiplexers[0].Address);
        Assert.Equal(0x40, ((DcMeterDefinition)site.Ports[2].Meter).Address);
    }

    [Fact]
    public void Numbers_are_read_the_same_whatever_the_machine_culture()
    {
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");

            SiteFileLoadResult result = Load(Valid);

            Assert.Empty(result.Problems);
            Assert.Equal(3.3, result.Configuration!.Adcs[0].ReferenceV);
            Assert.Equal(268.97, result.Configuration.Mains!.VoltsPerAdcVolt);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Decimal_comma_is_not_a_number()
    {
        string yaml = With("referenceV: 3.3", "referenceV: '3,3'");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "referenceV"), problem.Line);
        AssertMentions(problem, "expected a number, got '3,3'");
    }

    [Fact]
    public void Records_carry_the_lines_they_start_on()
    {
        SiteConfiguration site = Load(Valid).Configuration!;

        Assert.Equal(LineOf(Valid, "- id: adc0"), site.Adcs[0].Line);
        Assert.Equal(LineOf(Valid, "- id: P01"), site.Ports[0].Line);
        Assert.Equal(LineOf(Valid, "channel: 1,"), site.Ports[0].Meter.Line);
        Assert.Equal(LineOf(Valid, "voltageSensor"), site.Mains!.VoltageSensor.Line);
        Assert.Equal(LineOf(Valid, "smoke:"), site.ShedSensors.Smoke!.Line);
        Assert.Equal(LineOf(Valid, "28-0316a2794dff"), site.ShedSensors.Thermometers[0].Line);
    }

    [Fact]
    public void Explicit_null_1_Wire_pin_means_no_1_Wire_bus()
    {
        string yaml = With("oneWirePin: 4", "oneWirePin: null").Replace(
            "  thermometers:\n    - { id: cabinet, deviceId: 28-0316a2794dff }\n", "", StringComparison.Ordinal);

        SiteConfiguration site = Load(yaml).Configuration!;

        Assert.Null(site.Board.OneWirePin);
        Assert.Empty(site.ShedSensors.Thermometers);
    }

    [Fact]
    public void A_site_without_ports_is_valid()
    {
        string yaml = Valid[..Valid.IndexOf("ports:", StringComparison.Ordinal)];

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        Assert.Empty(result.Configuration!.Ports);
    }

    [Fact]
    public void Missing_file_is_one_problem_at_line_0()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-site-{Guid.NewGuid():N}.yaml");

        ConfigurationProblem problem = SingleProblem(SiteFileLoader.Load(path));

        Assert.Equal(new ConfigurationProblem(path, 0, "file not found"), problem);
        Assert.Equal($"{path}:0: file not found", problem.ToString());
    }
}
