using Xunit.Abstractions;

namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// deploy/package/build-deb.sh hub: the edgegateway-hub packages for amd64 and arm64 are lintian-clean, and the amd64
/// one, made around the real hub, installs into a throwaway root (<see cref="DpkgRoot"/>) with its maintainer scripts;
/// the installed hub runs and checks its packaged hub.json (<c>check</c>), the package keeps an edited hub.json on
/// upgrade, and is removed and purged. The hub installed is a framework-dependent publish of this build
/// (<c>dotnet publish --no-build</c>, seconds), not the self-contained one a release packages (minutes of CPU, and the
/// gateway's bundle already pays one in the suite): what differs is only the runtime beside it. The lintian test keeps a
/// stand-in publish (a script named EdgeGateway.Hub): a portable publish carries every platform's native libraries
/// (runtimes/*), which a release's linux-x64 publish does not; lintian on a real release build is in deploy/README.md.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait("Category", "Servers")]
public sealed class HubPackageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgegateway-hub-deb-");

    [Fact]
    public async Task Hub_packages_are_lintian_clean_for_amd64_and_arm64()
    {
        string amd64 = await BuildAsync("1.0.0", "amd64");
        string arm64 = await BuildAsync("1.0.0", "arm64");

        Assert.Equal("amd64", await FieldAsync(amd64, "Architecture"));
        Assert.Equal("arm64", await FieldAsync(arm64, "Architecture"));
        Assert.Equal("1.0.0-1", await FieldAsync(amd64, "Version"));
        Tool.Result lintian = await LintianAsync(amd64, arm64);
        output.WriteLine($"lintian: {lintian.Elapsed.TotalSeconds:0.0} s");
        Assert.True(lintian.ExitCode == 0, lintian.ToString());
    }

    [Fact]
    public async Task Hub_package_of_the_real_hub_installs_checks_its_packaged_settings_keeps_an_edited_hub_json_on_upgrade_and_purges_its_data()
    {
        string publish = await PublishHubAsync();
        string first = await BuildAsync("1.0.0", "amd64", publish);
        string second = await BuildAsync("1.0.1", "amd64", publish);
        using var root = new DpkgRoot();

        Tool.Result install = await root.DpkgAsync(["-i", first]);

        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("add-user admin --role admin", install.Output, StringComparison.Ordinal);
        string uid = root.IdOf("passwd", "edgegateway-hub") ?? throw new Xunit.Sdk.XunitException($"no edgegateway-hub user:\n{install}");
        string gid = root.IdOf("group", "edgegateway-hub") ?? throw new Xunit.Sdk.XunitException("no edgegateway-hub group");
        Assert.Equal("1.0.0-1", await InstalledVersionAsync(root));
        Assert.Equal(File.ReadAllBytes(Path.Combine(publish, "EdgeGateway.Hub.dll")), File.ReadAllBytes(root.In("usr/lib/edgegateway-hub/EdgeGateway.Hub.dll")));
        Assert.Equal($"{uid}:{gid} 700", await root.OwnerAndModeAsync("var/lib/edgegateway-hub"));
        Assert.Equal($"0:{gid} 640", await root.OwnerAndModeAsync("etc/edgegateway/hub.json"));
        Assert.Equal($"0:{gid} 750", await root.OwnerAndModeAsync("etc/edgegateway"));
        Assert.Equal("0:0 755", await root.OwnerAndModeAsync("usr/lib/edgegateway-hub/EdgeGateway.Hub"));
        Assert.Equal("0:0 644", await root.OwnerAndModeAsync("usr/lib/edgegateway-hub/EdgeGateway.Hub.dll"));
        Assert.True(DpkgRoot.IsLink(root.In("etc/systemd/system/multi-user.target.wants/edgegateway-hub.service")), "the unit is enabled");
        string unit = File.ReadAllText(root.In("usr/lib/systemd/system/edgegateway-hub.service"));
        Assert.Contains("ExecStart=/usr/lib/edgegateway-hub/EdgeGateway.Hub run", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("/opt/", unit, StringComparison.Ordinal);

        // The installed hub, run as the unit runs it, checks the packaged settings: the secrets they name are not there
        // until the administrator makes them (deploy/mosquitto/make-credentials.sh, deploy/influxdb/provision-v1.sh).
        Tool.Result noSecrets = await RunInstalledHubAsync(root, ["check"]);
        Assert.True(noSecrets.ExitCode == 2, noSecrets.ToString());
        string[] secrets = ["mqtt-ca.pem", "mqtt-password", "influx-hub-password"];
        foreach (string secret in secrets)
        {
            Assert.Contains($"{root.In("etc/edgegateway/" + secret)} does not exist", noSecrets.Error, StringComparison.Ordinal);
            File.WriteAllText(root.In("etc/edgegateway/" + secret), secret + "\n");
        }

        // Made, all is valid but the console's users file, which postinst leaves to the administrator; made with the
        // installed hub as postinst says, they pass.
        Tool.Result before = await RunInstalledHubAsync(root, ["check"]);
        Assert.True(before.ExitCode == 2, before.ToString());
        Assert.Equal(
            [$"Console:UsersFile: {root.In("etc/edgegateway/hub-users.json")} does not exist; create it with `EdgeGateway.Hub add-user NAME --role admin --users-file {root.In("etc/edgegateway/hub-users.json")}`", "the hub's settings are invalid"],
            before.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Tool.Result user = await RunInstalledHubAsync(root, ["add-user", "admin", "--role", "admin", "--users-file", root.In("etc/edgegateway/hub-users.json")], password: "正确 horse battery");
        Assert.True(user.ExitCode == 0, user.ToString());
        Tool.Result check = await RunInstalledHubAsync(root, ["check"]);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Matches(@"^EdgeGateway\.Hub [0-9][^ ]*: the settings are valid \(read: .*etc/edgegateway/hub\.json\)$", check.Output.Trim());
        output.WriteLine($"hub check {before.Elapsed.TotalSeconds:0.0} s and {check.Elapsed.TotalSeconds:0.0} s, add-user {user.Elapsed.TotalSeconds:0.0} s");
        File.Delete(root.In("etc/edgegateway/hub-users.json"));

        // The administrator's settings, and a file of the hub's data.
        string edited = File.ReadAllText(root.In("etc/edgegateway/hub.json")).Replace("mqtt.example.cn", "mqtt.district-7.example", StringComparison.Ordinal);
        Assert.Contains("mqtt.district-7.example", edited, StringComparison.Ordinal);
        File.WriteAllText(root.In("etc/edgegateway/hub.json"), edited);
        File.WriteAllText(root.In("var/lib/edgegateway-hub/ledger"), "sent\n");

        Tool.Result upgrade = await root.DpkgAsync(["-i", second]);

        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        Assert.Equal("1.0.1-1", await InstalledVersionAsync(root));
        Assert.Equal(edited, File.ReadAllText(root.In("etc/edgegateway/hub.json")));
        Assert.Equal($"0:{gid} 640", await root.OwnerAndModeAsync("etc/edgegateway/hub.json"));
        Assert.Equal([uid], File.ReadAllLines(root.In("etc/passwd")).Where(line => line.StartsWith("edgegateway-hub:", StringComparison.Ordinal)).Select(line => line.Split(':')[2]));

        Tool.Result remove = await root.DpkgAsync(["-r", "edgegateway-hub"]);

        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.False(File.Exists(root.In("usr/lib/edgegateway-hub/EdgeGateway.Hub")), "the program is removed");
        Assert.False(DpkgRoot.IsLink(root.In("etc/systemd/system/multi-user.target.wants/edgegateway-hub.service")), "the unit is disabled");
        Assert.Equal(edited, File.ReadAllText(root.In("etc/edgegateway/hub.json")));
        Assert.True(File.Exists(root.In("var/lib/edgegateway-hub/ledger")), "removal keeps the data");

        Tool.Result purge = await root.DpkgAsync(["-P", "edgegateway-hub"]);

        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(File.Exists(root.In("etc/edgegateway/hub.json")), "purge removes the settings");
        Assert.False(Directory.Exists(root.In("var/lib/edgegateway-hub")), "purge removes the data");
    }

    [Theory]
    [InlineData("gateway/postinst")]
    [InlineData("gateway/prerm")]
    [InlineData("gateway/postrm")]
    [InlineData("hub/postinst")]
    [InlineData("hub/prerm")]
    [InlineData("hub/postrm")]
    public async Task Maintainer_script_is_posix_sh_that_passes_shellcheck(string script)
    {
        string path = Tool.InRepository("deploy", "package", script);
        string shellcheck = Tool.Find("shellcheck") ?? throw new InvalidOperationException("shellcheck is not installed: apt-get install shellcheck (./test.sh does)");

        Tool.Result result = await Tool.RunAsync(shellcheck, ["--format=gcc", path], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, $"shellcheck {script}:\n{result.All}");
        Assert.Equal("#!/bin/sh", File.ReadLines(path).First());
        Assert.True((File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0, $"{script} is executable");
    }

    /// <summary>Builds the hub package around <paramref name="publish"/>, or a stand-in publish whose EdgeGateway.Hub names its version.</summary>
    private async Task<string> BuildAsync(string version, string arch, string? publish = null)
    {
        if (publish is null)
        {
            publish = Path.Combine(_directory.FullName, $"publish-{version}-{arch}");
            Directory.CreateDirectory(publish);
            string program = Path.Combine(publish, "EdgeGateway.Hub");
            File.WriteAllText(program, $"#!/bin/sh\necho {version}\n");
            File.SetUnixFileMode(program, (UnixFileMode)0b111_101_101);
            File.WriteAllText(Path.Combine(publish, "EdgeGateway.Hub.dll"), "stand-in\n");
        }

        string packages = Path.Combine(_directory.FullName, "packages");
        Tool.Result build = await Tool.RunAsync(
            "bash", [Tool.InRepository("deploy", "package", "build-deb.sh"), "hub", "--output", packages, "--arch", arch, "--publish", publish, "--version", version, "--compression", "gzip"], BuildTimeout);

        Assert.True(build.ExitCode == 0, build.ToString());
        string deb = Path.Combine(packages, $"edgegateway-hub_{version}-1_{arch}.deb");
        Assert.Equal(deb, build.Output.Trim());
        output.WriteLine($"build-deb.sh hub {version} {arch}: {build.Elapsed.TotalSeconds:0.0} s");
        return deb;
    }

    /// <summary>
    /// The hub of this build, published framework-dependent without building again (the configuration the tests were
    /// built with: tests/EdgeGateway.Tests/bin/{configuration}/{tfm}; the test project references the hub so that it is built).
    /// </summary>
    private async Task<string> PublishHubAsync()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string publish = Path.Combine(_directory.FullName, "publish-hub");
        Tool.Result result = await Tool.RunAsync(
            "dotnet", ["publish", Tool.InRepository("src", "EdgeGateway.Hub"), "--no-build", "-c", configuration, "-o", publish, "-p:PublishDocumentationFiles=false", "-nologo", "-v", "q"],
            BuildTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        output.WriteLine($"dotnet publish --no-build -c {configuration}: {result.Elapsed.TotalSeconds:0.0} s");
        return publish;
    }

    /// <summary>
    /// Runs the hub installed in <paramref name="root"/> as its unit does (working directory and --data-dir its state
    /// directory, the packaged settings), with the root's paths for the files those name in /etc; standard input gives
    /// <paramref name="password"/> when there is one. The hub runs on this machine's .NET (DOTNET_ROOT: the runtime of
    /// this test), the publish being framework-dependent.
    /// </summary>
    private static async Task<Tool.Result> RunInstalledHubAsync(DpkgRoot root, string[] command, string? password = null)
    {
        string program = root.In("usr/lib/edgegateway-hub/EdgeGateway.Hub");
        string[] args = command[0] == "check"
            ? [.. command, "--config", root.In("etc/edgegateway/hub.json"), "--data-dir", root.In("var/lib/edgegateway-hub")]
            : command;
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")),
            ["Console__UsersFile"] = root.In("etc/edgegateway/hub-users.json"),

            // The packaged hub.json's secret files, in the throwaway root.
            ["Hub__CaFile"] = root.In("etc/edgegateway/mqtt-ca.pem"),
            ["Hub__PasswordFile"] = root.In("etc/edgegateway/mqtt-password"),
            ["Hub__Influx__PasswordFile"] = root.In("etc/edgegateway/influx-hub-password"),
            ["DOTNET_NOLOGO"] = "1",
        };
        return password is null
            ? await Tool.RunAsync(program, args, TimeSpan.FromMinutes(2), environment, root.In("var/lib/edgegateway-hub"))
            : await Tool.RunAsync("sh", ["-c", "printf '%s\\n' \"$PASSWORD\" | \"$0\" \"$@\"", program, .. args], TimeSpan.FromMinutes(2),
                new Dictionary<string, string?>(environment) { ["PASSWORD"] = password }, root.In("var/lib/edgegateway-hub"));
    }

    /// <summary>The version of edgegateway-hub dpkg has installed in <paramref name="root"/>.</summary>
    private static async Task<string> InstalledVersionAsync(DpkgRoot root)
    {
        Tool.Result query = await Tool.RunAsync("dpkg-query", [$"--admindir={root.In("var/lib/dpkg")}", "--showformat=${Version}", "--show", "edgegateway-hub"], TimeSpan.FromMinutes(1));
        Assert.True(query.ExitCode == 0, query.ToString());
        return query.Output.Trim();
    }

    internal static async Task<string> FieldAsync(string deb, string field)
    {
        Tool.Result read = await Tool.RunAsync("dpkg-deb", ["--field", deb, field], TimeSpan.FromMinutes(1));
        Assert.True(read.ExitCode == 0, read.ToString());
        return read.Output.Trim();
    }

    /// <summary>Debian's lintian on packages: no error and no warning (info and pedantic tags are not verdicts).</summary>
    internal static async Task<Tool.Result> LintianAsync(params string[] debs)
    {
        string lintian = Tool.Find("lintian") ?? throw new InvalidOperationException("lintian is not installed: apt-get install lintian (./test.sh does)");
        return await Tool.RunAsync(lintian, ["--fail-on", "error,warning", "--no-tag-display-limit", .. debs], TimeSpan.FromMinutes(15));
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
