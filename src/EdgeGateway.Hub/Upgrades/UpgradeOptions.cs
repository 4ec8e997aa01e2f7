using EdgeGateway.Mqtt;

namespace EdgeGateway.Hub.Upgrades;

/// <summary>Remote upgrades (section <c>Hub:Upgrades</c>, Upgrades/README.md): the bundles offered, the key they must be
/// signed with, where gateways download them from, and how long a gateway has to come back with the new version.</summary>
internal sealed class UpgradeOptions
{
    public const string Section = "Hub:Upgrades";

    /// <summary>The publisher's public key (sign-bundle.sh's bundle-signing.pem). Unset: no bundle is offered and uploads are refused.</summary>
    public string? PublicKeyPath { get; set; }

    /// <summary>The bundle directory (<c>edgegateway-VERSION-linux-arm64.tar.gz</c> and its <c>.sig</c>). Relative paths are
    /// resolved against <c>Hub:DataDirectory</c>.</summary>
    public string BundleDirectory { get; set; } = "bundles";

    /// <summary>The rollout database. Relative paths are resolved against <c>Hub:DataDirectory</c>; every instance on the host names the same file.</summary>
    public string Path { get; set; } = "upgrades.db";

    /// <summary>The hub's address as the gateways reach it (its HTTPS behind the proxy, e.g. <c>https://hub.example</c>):
    /// the download URL a command carries starts with it. Needed once a public key is set.</summary>
    public string? GatewayBaseUrl { get; set; }

    /// <summary>How long after the command a gateway must report the new version; past it, it is marked failed (rolled back).</summary>
    public TimeSpan ApplyDeadline { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How long the hub waits for a gateway's reply to the command.</summary>
    public TimeSpan ReplyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often running rollouts are looked at.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest bundle archive accepted by upload.</summary>
    public long MaxBundleBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Free space the bundle directory keeps: an upload that would leave less is refused.</summary>
    public long MinFreeBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Problems with these settings, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(PublicKeyPath))
        {
            if (MqttBrokerSettings.ReadableFileProblem($"{Section}:PublicKeyPath", PublicKeyPath) is { } keyProblem)
            {
                problems.Add(keyProblem);
            }

            if (!Uri.TryCreate(GatewayBaseUrl, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
            {
                problems.Add($"{Section}:GatewayBaseUrl: the hub's https address as the gateways reach it (http only on loopback), not '{GatewayBaseUrl}'");
            }
        }

        if (string.IsNullOrWhiteSpace(Path) || string.IsNullOrWhiteSpace(BundleDirectory))
        {
            problems.Add($"{Section}:Path and {Section}:BundleDirectory: name the rollout database and the bundle directory");
        }

        if (ApplyDeadline < TimeSpan.FromSeconds(1) || ApplyDeadline > TimeSpan.FromDays(2))
        {
            problems.Add($"{Section}:ApplyDeadline: between 00:00:01 and 2 days, not {ApplyDeadline}");
        }

        if (ReplyTimeout < TimeSpan.FromSeconds(1) || ReplyTimeout > TimeSpan.FromMinutes(5) || CheckInterval < TimeSpan.FromMilliseconds(100) || CheckInterval > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{Section}:ReplyTimeout (1 s .. 5 min) and {Section}:CheckInterval (0.1 s .. 10 min) out of range");
        }

        if (MaxBundleBytes < 1024 || MinFreeBytes < 0)
        {
            problems.Add($"{Section}:MaxBundleBytes (at least 1024) and {Section}:MinFreeBytes (at least 0) out of range");
        }

        return problems;
    }
}
