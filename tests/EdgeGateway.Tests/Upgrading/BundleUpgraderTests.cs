using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Commands;
using EdgeGateway.Configuration;
using EdgeGateway.Protection;
using EdgeGateway.Upgrading;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Upgrading;

/// <summary>
/// The gateway's answer to <c>upgrade</c> before anything is downloaded: refused with its reason code without the
/// publisher's public key, for a version not newer than the running one, while the site file is not applied (relays
/// held open), and without the free space an install needs;
/// which versions count as newer; and the request's form (<see cref="UpgradeRules"/>).
/// </summary>
public sealed class BundleUpgraderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-upgrader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("0.2.0", "0.1.0", true)]
    [InlineData("0.10.0", "0.9.0", true)]
    [InlineData("0.1.0", "0.1.0", false)]
    [InlineData("0.0.9", "0.1.0", false)]
    [InlineData("0.1.0", "0.1.0-rc1", true)]
    [InlineData("0.1.0-rc2", "0.1.0", false)]
    [InlineData("nightly", "0.1.0", true)]
    public void Newer_is_numeric_and_a_suffixed_version_ranks_below_its_release(string version, string running, bool newer) =>
        Assert.Equal(newer, BundleUpgrader.IsNewer(version, running));

    [Fact]
    public void Without_the_public_key_an_old_version_or_free_space_the_upgrade_is_refused_with_its_code_and_nothing_starts()
    {
        string key = Path.Combine(_dir, "bundle-signing.pem");
        using BundleUpgrader noKey = Upgrader(key, minFree: 0);
        Assert.Equal("upgrade_not_configured", noKey.Offer(Request("0.2.0"), configurationApplied: true).Reason.Code);

        File.WriteAllText(key, "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n");
        using BundleUpgrader old = Upgrader(key, minFree: 0);
        (bool accepted, ContractReason reason) = old.Offer(Request("0.1.0"), configurationApplied: true);
        Assert.False(accepted);
        Assert.Equal("upgrade_not_newer", reason.Code);

        using BundleUpgrader full = Upgrader(key, minFree: long.MaxValue);
        Assert.Equal("upgrade_no_space", full.Offer(Request("0.2.0"), configurationApplied: true).Reason.Code);

        Assert.Null(noKey.Current);
        Assert.Null(old.Current);
        Assert.Null(full.Current);
    }

    [Theory]
    [InlineData(null, "0.1.0")]
    [InlineData("0.2.0\n", "0.2.0")]
    [InlineData("0.1.0-g259b41c0f1\n", "0.1.0-g259b41c0f1")]
    [InlineData("../etc\n", "0.1.0")]
    public void The_running_version_is_the_bundles_VERSION_file_else_the_assemblys(string? file, string expected)
    {
        if (file is not null)
        {
            File.WriteAllText(Path.Combine(_dir, GatewayVersion.FileName), file);
        }

        Assert.Equal(expected, GatewayVersion.Of(_dir, new Version(0, 1, 0, 0)));
    }

    [Fact]
    public void While_the_site_file_is_not_applied_the_upgrade_is_refused_with_its_code_in_both_languages_and_nothing_is_downloaded()
    {
        string key = Path.Combine(_dir, "bundle-signing.pem");
        File.WriteAllText(key, "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n");
        using BundleUpgrader upgrader = Upgrader(key, minFree: 0);

        (bool accepted, ContractReason reason) = upgrader.Offer(Request("0.2.0"), configurationApplied: false);

        Assert.False(accepted);
        Assert.Equal("upgrade_configuration_not_applied", reason.Code);
        Assert.Null(upgrader.Current);
        Assert.False(Directory.Exists(Path.Combine(_dir, "upgrade")), "the download directory was made for an upgrade refused");
        Assert.Contains("配置尚未生效", ReasonText.Chinese.Render(reason, ""), StringComparison.Ordinal);
        Assert.Contains("configuration is not applied", ReasonText.English.Render(reason, ""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_upgrade_command_is_refused_until_protection_has_applied_the_site_file()
    {
        string key = Path.Combine(_dir, "bundle-signing.pem");
        File.WriteAllText(key, "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n");
        using BundleUpgrader upgrader = Upgrader(key, minFree: 0);
        using var shed = new Simulation.ShedHarness();
        var sequence = new Protection.Sequence();
        var protection = new ShedProtection(new ShedProtectionSettings(), [new PortProtectionPlan("p1", new PortProtectionSettings(), IsAc: true)],
            new Protection.RecordingRelayBank(sequence, 1), new Protection.RecordingEventSink(sequence), TimeProvider.System);
        var commands = new ShedCommands(shed.Site, protection, null, _ => { }, NullLogger.Instance, upgrader: upgrader);

        CommandReply reply = await commands.ExecuteAsync(ContractCommands.Upgrade, Request("0.2.0") with { Id = "u-1" }, DateTimeOffset.UtcNow);

        Assert.False(reply.Ok);
        Assert.Equal("upgrade_configuration_not_applied", reply.Reason?.Code);
        Assert.Null(upgrader.Current);
    }

    [Theory]
    [InlineData("https://hub.example/upgrade-bundles/t/edgegateway-0.2.0-linux-arm64.tar.gz", null)]
    [InlineData("http://127.0.0.1:8480/upgrade-bundles/t/x.tar.gz", null)]
    [InlineData("http://hub.example/upgrade-bundles/t/x.tar.gz", "url is required")]
    [InlineData("file:///etc/shadow", "url is required")]
    public void An_upgrade_needs_https_or_loopback_http(string url, string? error)
    {
        Assert.Equal(error is null, ContractCommands.TryValidate(ContractCommands.Upgrade, Request("0.2.0") with { Url = url }, out string? problem));
        if (error is not null)
        {
            Assert.StartsWith(error, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_upgrade_without_a_well_formed_digest_or_signature_is_invalid()
    {
        Assert.False(ContractCommands.TryValidate(ContractCommands.Upgrade, Request("0.2.0") with { Sha256 = "ABC" }, out string? problem));
        Assert.StartsWith("sha256", problem, StringComparison.Ordinal);
        Assert.False(ContractCommands.TryValidate(ContractCommands.Upgrade, Request("0.2.0") with { Signature = "not base64!" }, out problem));
        Assert.StartsWith("signature", problem, StringComparison.Ordinal);
        Assert.False(ContractCommands.TryValidate(ContractCommands.Upgrade, Request("../0.2.0"), out problem));
        Assert.StartsWith("version", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_upgrade_the_installation_undid_is_reported_once_as_rolled_back_and_a_stale_mark_is_dropped()
    {
        string mark = Path.Combine(_dir, BundleUpgrader.UndoneMarkerName);
        using BundleUpgrader upgrader = Upgrader(Path.Combine(_dir, "bundle-signing.pem"), minFree: 0); // runs 0.1.0

        Assert.Null(upgrader.TakeUndoneUpgrade());

        File.WriteAllText(mark, "0.2.0\n"); // as deploy/gateway/lib.sh writes it after going back to 0.1.0
        string? failure = upgrader.TakeUndoneUpgrade();
        Assert.NotNull(failure);
        Assert.StartsWith("upgrade 0.2.0 failed: upgrade_rolled_back: ", failure, StringComparison.Ordinal); // the hub's rollout matches this prefix
        Assert.Contains("0.1.0", failure, StringComparison.Ordinal);
        Assert.False(File.Exists(mark));
        Assert.Null(upgrader.TakeUndoneUpgrade());

        File.WriteAllText(mark, "0.1.0\n"); // the version that runs: it came up after all
        Assert.Null(upgrader.TakeUndoneUpgrade());
        Assert.False(File.Exists(mark));
    }

    private BundleUpgrader Upgrader(string key, long minFree) =>
        new(new UpgradeOptions { PublicKeyPath = key, MinFreeBytes = minFree }, _dir, "0.1.0", TimeProvider.System, NullLogger<BundleUpgrader>.Instance);

    private static CommandRequest Request(string version) => new()
    {
        Version = version,
        Url = "https://hub.example/upgrade-bundles/t/edgegateway-" + version + "-linux-arm64.tar.gz",
        Sha256 = new string('a', 64),
        Signature = Convert.ToBase64String(new byte[70]),
    };
}
