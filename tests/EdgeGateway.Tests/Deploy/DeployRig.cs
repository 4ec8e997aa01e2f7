namespace EdgeGateway.Tests.Deploy;

/// <summary>
/// A scratch board for the deploy scripts: a root directory (with a Raspberry Pi OS config.txt and cmdline.txt), a
/// stand-in for systemctl that records each call with the version `current` pointed at when it came and "runs" the
/// current release (a release holding FAIL_START fails to start; one holding FAIL_SETTLE stops right after READY; a
/// site file containing "fail-start" fails every start), and bundles built by the real build-bundle.sh around a
/// stand-in EdgeGateway (check-config refuses when its release holds FAIL_CHECK or the site file says "invalid").
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class DeployRig : IDisposable
{
    public const string OriginalConfigTxt = "# Raspberry Pi OS\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\ndtoverlay=vc4-kms-v3d\n\n[cm4]\notg_mode=1\n\n[all]\n";
    public const string OriginalCmdline = "console=serial0,115200 console=tty1 root=PARTUUID=0c8a0d5e-02 rootfstype=ext4 fsck.repair=yes rootwait\n";

    private const string FakeSystemctl = """
        #!/bin/bash
        root=${FAKE_ROOT:?}
        state=$root/service-state
        current=$(readlink "$root/opt/edgegateway/current" 2>/dev/null)
        echo "$* @${current#releases/}" >> "$root/systemctl.log"
        case "$1" in
          start)
            if [ -e "$root/opt/edgegateway/current/FAIL_START" ] || grep -qs fail-start "$root/etc/edgegateway/site.yaml"; then
              echo failed > "$state"; exit 1
            fi
            if [ -e "$root/opt/edgegateway/current/FAIL_SETTLE" ]; then echo failed > "$state"; exit 0; fi
            echo active > "$state" ;;
          stop) echo inactive > "$state" ;;
          is-active) s=$(cat "$state" 2>/dev/null || echo inactive); [ "$s" = active ] ;;
          show) echo 0 ;;
          *) ;;
        esac
        """;

    private const string StubGateway = """
        #!/bin/bash
        here=$(dirname "$0")
        case "$1" in
          check-config)
            if [ -e "$here/FAIL_CHECK" ] || grep -qs invalid "$2"; then echo "$2:1: refused by the stand-in" >&2; exit 2; fi
            echo "$2: ok (stand-in $(cat "$here/VERSION"))" ;;
          pin-map)
            printf '[all]\ndtoverlay=\ndtparam=i2c_arm=on\ndtparam=watchdog=on\n'
            if grep -qs uart "$3"; then printf 'enable_uart=0\n'; fi
            printf 'gpio=5,6=op,dl\n' ;;
          relays-off) echo "relays open" ;;
          *) exit 64 ;;
        esac
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgegateway-deploy-");

    public DeployRig()
    {
        Root = Path.Combine(_directory.FullName, "root");
        Directory.CreateDirectory(Path.Combine(Root, "boot", "firmware"));
        File.WriteAllText(ConfigTxt, OriginalConfigTxt);
        File.WriteAllText(Cmdline, OriginalCmdline);
        Systemctl = WriteExecutable(Path.Combine(_directory.FullName, "systemctl"), FakeSystemctl);
        Site = Path.Combine(_directory.FullName, "shed.yaml");
        File.WriteAllText(Site, "site: { id: test, gateway: gw-01 }\n");
    }

    public string Root { get; }

    public string Systemctl { get; }

    /// <summary>A site file the stand-in accepts.</summary>
    public string Site { get; }

    public string ConfigTxt => Path.Combine(Root, "boot", "firmware", "config.txt");

    public string Cmdline => Path.Combine(Root, "boot", "firmware", "cmdline.txt");

    public string Opt => Path.Combine(Root, "opt", "edgegateway");

    public string InstalledSite => Path.Combine(Root, "etc", "edgegateway", "site.yaml");

    public string Unit => Path.Combine(Root, "etc", "systemd", "system", "edgegateway.service");

    public string RebootMark => Path.Combine(Root, "run", "edgegateway-reboot-required");

    /// <summary>Where `current` / `previous` point (the version), or null.</summary>
    public string? Link(string name)
    {
        var link = new FileInfo(Path.Combine(Opt, name));
        return link.LinkTarget is { } target ? Path.GetFileName(target) : null;
    }

    public string[] Releases() =>
        Directory.Exists(Path.Combine(Opt, "releases"))
            ? [.. Directory.GetDirectories(Path.Combine(Opt, "releases")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!]
            : [];

    /// <summary>The systemctl calls since the last <see cref="TakeSystemctlCalls"/>, as "verb args @version".</summary>
    public string[] TakeSystemctlCalls()
    {
        string log = Path.Combine(Root, "systemctl.log");
        if (!File.Exists(log))
        {
            return [];
        }

        string[] calls = File.ReadAllLines(log);
        File.Delete(log);
        return calls;
    }

    /// <summary>A bundle around the stand-in EdgeGateway, built by deploy/gateway/build-bundle.sh; markers: FAIL_CHECK, FAIL_START, FAIL_SETTLE.</summary>
    public async Task<string> StubBundleAsync(string version, params string[] markers)
    {
        string publish = Path.Combine(_directory.FullName, "publish-" + version);
        Directory.CreateDirectory(publish);
        WriteExecutable(Path.Combine(publish, "EdgeGateway"), StubGateway);
        foreach (string marker in markers)
        {
            File.WriteAllText(Path.Combine(publish, marker), "");
        }

        string output = Path.Combine(_directory.FullName, "bundles");
        Tool.Result build = await Tool.RunAsync("bash", [Tool.InRepository("deploy", "gateway", "build-bundle.sh"), "--output", output, "--version", version, "--publish-dir", publish], TimeSpan.FromMinutes(4));
        Assert.True(build.ExitCode == 0, build.ToString());
        return Path.Combine(output, $"edgegateway-{version}-linux-arm64");
    }

    /// <summary>Runs BUNDLE/deploy/SCRIPT against the scratch root with the systemctl stand-in (no settle wait).</summary>
    public Task<Tool.Result> RunAsync(string bundle, string script, params string[] args) =>
        RunScriptAsync(Path.Combine(bundle, "deploy", script), [.. args]);

    public Task<Tool.Result> RunScriptAsync(string script, string[] args, TimeSpan? timeout = null) =>
        Tool.RunAsync(
            "bash",
            [script, "--root", Root, "--systemctl", Systemctl, "--settle", "1", .. args],
            timeout ?? TimeSpan.FromMinutes(1),
            new Dictionary<string, string?> { ["FAKE_ROOT"] = Root });

    /// <summary>What a reboot does to the scratch root: /run is empty again.</summary>
    public void Reboot() => File.Delete(RebootMark);

    public string NewFile(string name, string text)
    {
        string path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static string WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }
}
