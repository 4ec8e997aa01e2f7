using EdgeGateway.Configuration;
using EdgeGateway.Simulation;
using EdgeGateway.Tests.Configuration;
using EdgeGateway.Tests.Simulation;

namespace EdgeGateway.Tests.Terminal;

/// <summary>Scenario events at the card terminal: a card laid on the reader or taken off, keys typed; bad ones refused at their line.</summary>
public sealed class TerminalScenarioEventTests
{
    private static readonly SiteConfiguration CardSite = SiteFileLoader.Load(SiteYaml.ShippedSite("demo-card-terminal.yaml")).Configuration!;

    [Fact]
    public void Card_and_keys_events_load_and_the_shipped_demo_scenario_is_valid()
    {
        ScenarioLoadResult result = ScenarioLoader.LoadText("s.yaml", """
            events:
              - at: "00:00:10"
                card: 04A1B2C3D4E5F6
              - at: "00:00:20"
                keys: "3#"
              - at: "00:00:30"
                card: none
            """, CardSite);

        Assert.Empty(result.Problems);
        Assert.Equal(
            [new CardEvent(TimeSpan.FromSeconds(10), 2, "04A1B2C3D4E5F6"), new KeysEvent(TimeSpan.FromSeconds(20), 4, "3#"), new CardEvent(TimeSpan.FromSeconds(30), 6, null)],
            result.Scenario!.Events);

        string demo = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(SiteYaml.ShippedSite("demo-card-terminal.yaml")))!, "scenarios", "demo-card-terminal.yaml");
        Assert.Empty(ScenarioLoader.Load(demo, CardSite).Problems);
    }

    [Theory]
    [InlineData("card: 04a1b2c3", "s.yaml:4: events[].card: '04a1b2c3' is not a 4-, 7- or 10-byte UID")]
    [InlineData("keys: \"3E#\"", "s.yaml:4: events[].keys: '3E#' is not keys of the 4×4 keypad")]
    public void A_bad_uid_or_key_is_refused_at_its_line(string action, string message)
    {
        ScenarioLoadResult result = ScenarioLoader.LoadText("s.yaml", $"""
            speed: 0
            events:
              - at: "00:01:00"
                {action}
            """, CardSite);

        Assert.StartsWith(message, Assert.Single(result.Problems).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_site_without_a_terminal_refuses_card_events()
    {
        ScenarioLoadResult result = ScenarioLoader.LoadText("s.yaml", """
            events:
              - at: "00:01:00"
                card: DEADBEEF
            """, DemoScenario.Demo);

        Assert.Contains("has no terminal: section", Assert.Single(result.Problems).Message, StringComparison.Ordinal);
    }
}
