namespace EdgeGateway.CommandLine;

/// <summary>
/// Where the shipped site files and scenarios are: copied next to the executable at build and
/// publish time (see EdgeGateway.csproj), so the demo runs the same from a clone or an install.
/// </summary>
public static class FirmwareConfig
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "firmware-config");

    public static string DemoSite => Path.Combine(Root, "sites", "demo.yaml");

    public static string DemoScenario => Path.Combine(Root, "scenarios", "demo.yaml");

    /// <summary>The installed site file (deploy/gateway puts it here, ConfigurationDirectory=edgegateway).</summary>
    public const string InstalledSite = "/etc/edgegateway/site.yaml";
}
