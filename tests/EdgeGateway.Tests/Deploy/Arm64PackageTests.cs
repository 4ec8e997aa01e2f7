using Xunit.Abstractions;

namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// deploy/package/build-deb.sh gateway on the bundle <see cref="Arm64BundleFixture"/> built (no second publish): the
/// edgegateway package's contents and control files, lintian, and its maintainer scripts run by dpkg into a throwaway
/// root (<see cref="DpkgRoot"/>), where the postinst runs the arm64 check-config under qemu
/// (EDGEGATEWAY_EXEC_WRAPPER) and enables the unit only for a valid site file.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(Arm64BundleShared.Name)]
[Trait("Category", "Servers")]
public sealed class Arm64PackageTests(Arm64BundleFixture bundle, ITestOutputHelper output)
{
    private const string Enabled = "etc/systemd/system/multi-user.target.wants/edgegateway.service";

    [Fact]
    public async Task Gateway_package_of_the_bundle_holds_the_build_the_unit_and_one_conffile_and_is_lintian_clean()
    {
        string deb = await BuildAsync();
        Tool.Result contents = await Tool.RunAsync("dpkg-deb", ["--contents", deb], TimeSpan.FromMinutes(2));
        Assert.True(contents.ExitCode == 0, contents.ToString());
        string[] paths = [.. contents.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5..]).Select(fields => string.Join(' ', fields))];

        Assert.Equal("arm64", await HubPackageTests.FieldAsync(deb, "Architecture"));
        Assert.Equal("0.0.0+test.arm64-1", await HubPackageTests.FieldAsync(deb, "Version"));
        Assert.Contains("./usr/lib/edgegateway/EdgeGateway", paths);
        Assert.Contains("./usr/lib/edgegateway/VERSION", paths);
        Assert.Contains("./usr/bin/edgegateway -> ../lib/edgegateway/EdgeGateway", paths);
        Assert.Contains("./usr/lib/systemd/system/edgegateway.service", paths);
        Assert.Contains("./usr/lib/udev/rules.d/99-edgegateway.rules", paths);
        Assert.Contains("./usr/share/doc/edgegateway/copyright", paths);
        Assert.Contains("./usr/share/doc/edgegateway/changelog.Debian.gz", paths);
        Assert.DoesNotContain(paths, path => path.Contains("/deploy/", StringComparison.Ordinal) || path.StartsWith("./opt", StringComparison.Ordinal));
        HashSet<string> packaged = paths.ToHashSet(StringComparer.Ordinal);
        string[] missing = [.. Directory.EnumerateFiles(bundle.Bundle, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(bundle.Bundle, file))
            .Where(file => !file.StartsWith("deploy/", StringComparison.Ordinal) && !packaged.Contains("./usr/lib/edgegateway/" + file))];
        Assert.True(missing.Length == 0, $"files of the bundle not in the package: {string.Join(", ", missing.Take(10))}");

        string control = Path.Combine(bundle.NewDirectory("gateway-deb-control"), "DEBIAN");
        Tool.Result extract = await Tool.RunAsync("dpkg-deb", ["--control", deb, control], TimeSpan.FromMinutes(2));
        Assert.True(extract.ExitCode == 0, extract.ToString());
        Assert.Equal(["/etc/edgegateway/gateway.json"], File.ReadAllLines(Path.Combine(control, "conffiles")));
        Assert.Contains("usr/lib/edgegateway/EdgeGateway", File.ReadAllText(Path.Combine(control, "md5sums")), StringComparison.Ordinal);
        foreach (string script in new[] { "postinst", "prerm", "postrm" })
        {
            Assert.True((File.GetUnixFileMode(Path.Combine(control, script)) & UnixFileMode.UserExecute) != 0, $"{script} is executable");
        }

        Tool.Result lintian = await HubPackageTests.LintianAsync(deb);
        output.WriteLine($"lintian on the gateway package: {lintian.Elapsed.TotalSeconds:0.0} s");
        Assert.True(lintian.ExitCode == 0, lintian.ToString());
    }

    [Fact]
    public async Task Gateway_package_enables_the_service_only_once_its_site_file_passes_check_config_and_purges_its_data()
    {
        string deb = await BuildAsync();
        using var root = new DpkgRoot();
        // The scripts run check-config of the arm64 build under qemu (fakeroot's preload is x86-64: not for the guest).
        var environment = new Dictionary<string, string?> { ["EDGEGATEWAY_EXEC_WRAPPER"] = $"{bundle.ExecWrapper} -U LD_PRELOAD" };

        Tool.Result bare = await root.DpkgAsync(["-i", deb], environment);

        Assert.True(bare.ExitCode == 0, bare.ToString());
        Assert.Contains("edgegateway: no site file at /etc/edgegateway/site.yaml: the gateway is not started", bare.Output, StringComparison.Ordinal);
        Assert.False(DpkgRoot.IsLink(root.In(Enabled)), "not enabled without a site file");
        string uid = root.IdOf("passwd", "edgegateway") ?? throw new Xunit.Sdk.XunitException($"no edgegateway user:\n{bare}");
        string gid = root.IdOf("group", "edgegateway")!;
        Assert.Equal($"{uid}:{gid} 750", await root.OwnerAndModeAsync("var/lib/edgegateway"));
        foreach (string group in new[] { "gpio", "i2c", "spi" })
        {
            Assert.Contains(File.ReadAllLines(root.In("etc/group")), line => line.StartsWith(group + ":", StringComparison.Ordinal) && line.EndsWith(":edgegateway", StringComparison.Ordinal));
        }

        string demo = File.ReadAllText(Tool.InRepository("firmware-config", "sites", "demo.yaml"));
        File.WriteAllText(root.In("etc/edgegateway/site.yaml"), demo.Replace("gateway: gw-01", "gateway: GW 01", StringComparison.Ordinal));

        Tool.Result invalid = await root.DpkgAsync(["-i", deb], environment);

        Assert.True(invalid.ExitCode == 0, invalid.ToString());
        Assert.Contains($"{root.In("etc/edgegateway/site.yaml")}:7: site.gateway: 'GW 01' is not valid", invalid.All, StringComparison.Ordinal);
        Assert.Contains("edgegateway: /etc/edgegateway/site.yaml is invalid (above): the gateway is not started", invalid.Output, StringComparison.Ordinal);
        Assert.False(DpkgRoot.IsLink(root.In(Enabled)), "not enabled with an invalid site file");

        File.WriteAllText(root.In("etc/edgegateway/site.yaml"), demo);
        File.WriteAllText(root.In("etc/edgegateway/mqtt-password"), "secret\n");
        File.WriteAllText(root.In("var/lib/edgegateway/outbox.db"), "queued\n");

        Tool.Result valid = await root.DpkgAsync(["-i", deb], environment);
        output.WriteLine($"dpkg -i with check-config under qemu: {valid.Elapsed.TotalSeconds:0.0} s");

        Assert.True(valid.ExitCode == 0, valid.ToString());
        Assert.Contains("ok — site linzi-demo-001", valid.Output, StringComparison.Ordinal);
        Assert.True(DpkgRoot.IsLink(root.In(Enabled)), $"enabled with a valid site file:\n{valid}");
        Assert.Equal($"{uid}:{gid} 600", await root.OwnerAndModeAsync("etc/edgegateway/mqtt-password"));

        Tool.Result remove = await root.DpkgAsync(["-r", "edgegateway"]);

        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.False(DpkgRoot.IsLink(root.In(Enabled)), "removal disables the unit");
        Assert.True(File.Exists(root.In("var/lib/edgegateway/outbox.db")), "removal keeps the outbox");
        Assert.True(File.Exists(root.In("etc/edgegateway/site.yaml")), "removal keeps the site file");

        Tool.Result purge = await root.DpkgAsync(["-P", "edgegateway"]);

        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(Directory.Exists(root.In("var/lib/edgegateway")), "purge removes the outbox and the journals");
        Assert.False(File.Exists(root.In("etc/edgegateway/site.yaml")), "purge removes the site file");
        Assert.False(File.Exists(root.In("etc/edgegateway/gateway.json")), "purge removes the conffile");
        Assert.Equal(uid, root.IdOf("passwd", "edgegateway"));
    }

    /// <summary>The package of the fixture's bundle, built once for both tests (the collection runs them one after the other).</summary>
    private static (string Bundle, string Deb)? _built;

    private async Task<string> BuildAsync()
    {
        if (_built is { } built && built.Bundle == bundle.Bundle)
        {
            return built.Deb;
        }

        string packages = bundle.NewDirectory("gateway-deb");
        Tool.Result build = await Tool.RunAsync("bash", [Tool.InRepository("deploy", "package", "build-deb.sh"), "gateway", "--bundle", bundle.Bundle, "--output", packages, "--compression", "gzip"], TimeSpan.FromMinutes(10));
        output.WriteLine($"build-deb.sh gateway: {build.Elapsed.TotalSeconds:0.0} s");
        Assert.True(build.ExitCode == 0, build.ToString());
        string deb = build.Output.Trim();
        Assert.Equal(Path.Combine(packages, "edgegateway_0.0.0+test.arm64-1_arm64.deb"), deb);
        _built = (bundle.Bundle, deb);
        return deb;
    }
}
