using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary>A relay's optional contact-feedback input in the site file.</summary>
public sealed class RelayFeedbackSiteFileTests
{
    [Fact]
    public void Feedback_on_a_board_gpio_and_on_an_expander_input_is_read_and_listed_in_the_pin_map()
    {
        string yaml = Valid
            .Replace("relay: { gpio: 5 }", "relay: { gpio: 5, feedback: { gpio: 17, activeLow: true } }", StringComparison.Ordinal)
            .Replace("relay: { expander: relays-a, pin: 0 }", "relay: { expander: relays-a, pin: 0, feedback: { expander: relays-a, pin: 8, activeLow: true } }", StringComparison.Ordinal);

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        SiteConfiguration site = result.Configuration!;
        Assert.Equal(new RelayFeedbackInput(17, null, null, true, LineOf(yaml, "feedback: { gpio: 17")), site.Ports[0].Relay.Feedback);
        Assert.Equal(("relays-a", 8), (site.Ports[1].Relay.Feedback!.Expander, site.Ports[1].Relay.Feedback!.ExpanderPin));
        Assert.Null(site.Ports[2].Relay.Feedback);
        string map = PinMap.Document(site, FileName);
        Assert.Contains("relay P01 contact feedback (low = closed)", map, StringComparison.Ordinal);
        Assert.Contains("P02 contact feedback (input)", map, StringComparison.Ordinal);
    }

    [Fact]
    public void Feedback_on_a_pin_already_used_is_a_conflict()
    {
        string yaml = Valid.Replace("relay: { gpio: 5 }", "relay: { gpio: 5, feedback: { gpio: 27 } }", StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "GPIO 27", "relay feedback of port P01", "smoke");
    }

    [Fact]
    public void Feedback_on_an_expander_pin_must_be_active_low()
    {
        string yaml = Valid.Replace("relay: { gpio: 5 }", "relay: { gpio: 5, feedback: { expander: relays-a, pin: 9 } }", StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "feedback: { expander"), problem.Line);
        AssertMentions(problem, "pull-up only", "activeLow: true");
    }

    [Fact]
    public void Feedback_needs_either_a_gpio_or_an_expander_pin()
    {
        string yaml = Valid.Replace("relay: { gpio: 5 }", "relay: { gpio: 5, feedback: { activeLow: true } }", StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "give either 'gpio: N'", "contact-feedback input");
    }
}
