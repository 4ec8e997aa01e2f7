using System.Globalization;
using EdgeGateway.Configuration;

namespace EdgeGateway.FleetSim.Fleet;

/// <summary>
/// The district's site files, made from the shipped ones: every shed is the demo shed's port (protection thresholds,
/// sampling) repeated to the shed's size, every third one with the recycling station's four bins beside it. The
/// templates go through the gateway's own site-file loader, so a fleet gateway runs the thresholds a real one would.
/// </summary>
internal sealed class FleetSites
{
    private readonly SiteConfiguration _shed;
    private readonly SiteConfiguration _station;

    private FleetSites(SiteConfiguration shed, SiteConfiguration station)
    {
        _shed = shed;
        _station = station;
    }

    public static FleetSites Load()
    {
        string sites = Path.Combine(RepositoryRoot.Path, "firmware-config", "sites");
        return new FleetSites(Template(Path.Combine(sites, "demo.yaml")), Template(Path.Combine(sites, "recycling-station.yaml")));
    }

    public SiteConfiguration For(int index, FleetOptions options)
    {
        ChargingPortDefinition port = _shed.Ports[0];
        bool hasBins = options.BinStationEvery > 0 && index % options.BinStationEvery == 0;
        return _shed with
        {
            Site = new SiteIdentity(string.Create(CultureInfo.InvariantCulture, $"{options.SitePrefix}-{index + 1:000}"), "gw1", null),
            Ports = [.. Enumerable.Range(1, options.PortsPerGateway).Select(n => port with { Id = string.Create(CultureInfo.InvariantCulture, $"P{n:00}"), Disabled = false })],
            Sampling = _shed.Sampling with { TelemetryPeriod = options.TelemetryPeriod, RoundPeriod = options.RoundPeriod },
            Bins = hasBins ? _station.Bins : [],
            BinThresholds = _station.BinThresholds,
            BinSampling = _station.BinSampling,
            Mqtt = null,
        };
    }

    private static SiteConfiguration Template(string path)
    {
        SiteFileLoadResult load = SiteFileLoader.Load(path);
        return load.Configuration ?? throw new InvalidOperationException($"{path} is not a valid site file: {string.Join("; ", load.Problems)}");
    }
}

/// <summary>The repository's root (where EdgeGateway.sln is), found upwards from the running program.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "EdgeGateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("EdgeGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
