using EdgeGateway.Configuration;
using Xunit.Abstractions;

namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// The real linux-arm64 bundle through install.sh and upgrade.sh on a scratch root, its EdgeGateway run under qemu
/// (--exec-wrapper) for check-config and pin-map as on a Pi; then the installed unit, pointing at the real arm64
/// executable, through systemd-analyze verify.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(Arm64BundleShared.Name)]
[Trait("Category", "Servers")]
public sealed class Arm64DeployTests(Arm64BundleFixture bundle, ITestOutputHelper output)
{
    /// <summary>A bound against a hang (the scripts run check-config and pin-map under qemu, which a busy machine slows many times over).</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task Install_then_upgrade_the_arm64_bundle_on_a_scratch_board()
    {
        using var rig = new DeployRig();
        string demo = Tool.InRepository("firmware-config", "sites", "demo.yaml");

        Tool.Result install = await rig.RunScriptAsync(Path.Combine(bundle.Bundle, "deploy", "install.sh"), ["--site", demo, "--exec-wrapper", bundle.ExecWrapper], ScriptTimeout);
        output.WriteLine($"install.sh (check-config and pin-map under qemu, copying the release): {install.Elapsed.TotalSeconds:0.0} s");

        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains($"{demo}: ok — site linzi-demo-001", install.Output, StringComparison.Ordinal);
        Assert.Equal(Arm64BundleFixture.Version, rig.Link("current"));
        string expectedLines = PinMap.ConfigTxt(SiteFileLoader.Load(demo).Configuration!);
        Assert.EndsWith("\n" + expectedLines + "# <<< edgegateway\n", File.ReadAllText(rig.ConfigTxt), StringComparison.Ordinal);
        // The demo's bins use GPIO14/15: the serial console is taken off them.
        Assert.DoesNotContain("console=serial0", File.ReadAllText(rig.Cmdline), StringComparison.Ordinal);
        Assert.True(File.Exists(rig.RebootMark));
        rig.Reboot();
        rig.TakeSystemctlCalls();

        // A second build of the same gateway, under a new version.
        string next = Path.Combine(bundle.NewDirectory("second-bundle"), "edgegateway-next-linux-arm64");
        Tool.Result copy = await Tool.RunAsync("cp", ["-a", bundle.Bundle, next], TimeSpan.FromMinutes(2));
        Assert.True(copy.ExitCode == 0, copy.ToString());
        File.WriteAllText(Path.Combine(next, "VERSION"), Arm64BundleFixture.Version + ".2\n");

        Tool.Result upgrade = await rig.RunScriptAsync(Path.Combine(next, "deploy", "upgrade.sh"), ["--exec-wrapper", bundle.ExecWrapper], ScriptTimeout);
        output.WriteLine($"upgrade.sh (check-config under qemu, copying the release): {upgrade.Elapsed.TotalSeconds:0.0} s");

        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        Assert.Equal(Arm64BundleFixture.Version + ".2", rig.Link("current"));
        Assert.Equal(Arm64BundleFixture.Version, rig.Link("previous"));
        Assert.Equal([$"stop edgegateway @{Arm64BundleFixture.Version}", $"start edgegateway @{Arm64BundleFixture.Version}.2"], rig.TakeSystemctlCalls()[..2]);

        if (SystemdAnalyzeFactAttribute.Path is null)
        {
            output.WriteLine("systemd-analyze is not installed: the installed unit was not verified");
            return;
        }

        using var units = new SystemdUnitTests.ScratchRoot();
        await Tool.RunAsync("cp", ["-a", Path.Combine(units.Path, "usr"), rig.Root], TimeSpan.FromMinutes(1));
        Tool.Result verify = await SystemdUnitTests.VerifyAsync(rig.Root, "edgegateway.service");
        Assert.True(verify.ExitCode == 0 && verify.All.Trim().Length == 0, $"systemd-analyze verify of the installed unit:\n{verify.All}");
    }
}
