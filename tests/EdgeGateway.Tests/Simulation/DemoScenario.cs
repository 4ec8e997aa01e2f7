using EdgeGateway.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Simulation;

/// <summary>Scenario text read against the demo site, for the scenario loader's tests.</summary>
internal static class DemoScenario
{
    public static readonly SiteConfiguration Demo = SiteFileLoader.Load(FirmwareConfig.DemoSite).Configuration!;

    /// <summary>A scenario at speed 0 whose events are <paramref name="events"/> (indented as list items), read as <c>s.yaml</c>.</summary>
    public static ScenarioLoadResult Load(string events) => ScenarioLoader.LoadText("s.yaml", $"""
        speed: 0
        events:
        {events}
        """, Demo);
}
