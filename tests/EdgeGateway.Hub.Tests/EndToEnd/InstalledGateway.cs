using System.Globalization;
using EdgeGateway.Hub.Tests.Deploy;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// A gateway installed as deploy/gateway/install.sh lays it out, in a scratch root (<c>--root</c>): releases/VERSION,
/// <c>current</c> and <c>previous</c>, /etc/edgegateway/site.yaml. The service is the real EdgeGateway of the current
/// release, run (<c>run --simulate</c>, the test's arguments) by a stand-in for systemctl: <c>start</c> returns once the
/// gateway samples (systemd's Type=notify start returns at READY=1, just before), <c>stop</c> is SIGTERM and the wait
/// for the exit, <c>is-active</c> whether the process still runs. The runner stands in for
/// <c>systemd-run --unit edgegateway-upgrade</c>: it starts the apply script in a session of its own, which outlives
/// the gateway it stops, against this root. What is not a Pi here: no sd_notify, no watchdog, no relays-off after the
/// stop (ExecStopPost), and the release is this machine's framework-dependent build, not the arm64 bundle.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class InstalledGateway : IAsyncDisposable
{
    private const string StandInSystemctl = """
        #!/bin/bash
        # systemctl for the scratch root: the service is the current release's EdgeGateway with the test's arguments.
        root=${FAKE_ROOT:?}
        pid_file=$root/run/edgegateway.pid
        echo "$* @$(basename "$(readlink "$root/opt/edgegateway/current")")" >> "$root/systemctl.log"
        # A process that ended is gone or a zombie (nothing here need reap it).
        running() {
          local pid
          pid=$(cat "$pid_file" 2>/dev/null) || return 1
          [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && ! grep -q '^State:.*Z' "/proc/$pid/status"
        }
        case "$1" in
          start)
            release=$(readlink -f "$root/opt/edgegateway/current")
            log=$root/gateway-$(head -n 1 "$release/VERSION").log
            # The shed's simulated clock starts at the scenario's start: now, as a real shed's clock is.
            sed -i "s/^start: .*/start: \"$(TZ=Asia/Shanghai date +%Y-%m-%dT%H:%M:%S+08:00)\"/" "$root/scenario.yaml"
            mapfile -t args < "$root/run-args"
            before=$(stat -c %s "$log" 2>/dev/null || echo 0)
            # 9>&-: not the deploy scripts' lock (upgrade.sh holds it on fd 9), which a service started by systemd never has.
            (cd "$release" && exec ./EdgeGateway "${args[@]}") >> "$log" 2>&1 < /dev/null 9>&- &
            echo $! > "$pid_file"
            for _ in $(seq 1 600); do
              running || exit 1
              tail -c "+$((before + 1))" "$log" | grep -q "Sampling site" && exit 0
              sleep 0.2
            done
            exit 1 ;;
          stop)
            if running; then
              pid=$(cat "$pid_file")
              kill -TERM "$pid"
              while running; do sleep 0.2; done
            fi ;;
          is-active) running ;;
          show) echo 0 ;;
          *) ;;
        esac
        """;

    private InstalledGateway(string root)
    {
        Root = root;
    }

    /// <summary>The scratch root (as / on a Pi).</summary>
    public string Root { get; }

    public string Opt => Path.Combine(Root, "opt", "edgegateway");

    /// <summary>What the gateway's <c>Upgrade:Runner</c> is set to.</summary>
    public string Runner => Path.Combine(Root, "runner.sh");

    /// <summary>What the gateway's <c>Upgrade:ApplyScript</c> is set to: the installed release's, as on a Pi.</summary>
    public string ApplyScript => Path.Combine(Opt, "current", "deploy", "apply-signed-bundle.sh");

    /// <summary>What the runs of apply-signed-bundle.sh printed.</summary>
    public string ApplyLog => File.Exists(Path.Combine(Root, "apply.log")) ? File.ReadAllText(Path.Combine(Root, "apply.log")) : "";

    /// <summary>Where <c>current</c> / <c>previous</c> point (the version), or null.</summary>
    public string? Link(string name) => new FileInfo(Path.Combine(Opt, name)).LinkTarget is { } target ? Path.GetFileName(target) : null;

    /// <summary>What the gateway of <paramref name="version"/> printed while the stand-in systemctl ran it.</summary>
    public string GatewayLog(string version) => File.Exists(Path.Combine(Root, $"gateway-{version}.log")) ? File.ReadAllText(Path.Combine(Root, $"gateway-{version}.log")) : "";

    /// <summary>
    /// Lays out <paramref name="root"/> with <paramref name="version"/> installed and current (the release holds only
    /// its VERSION and deploy/ scripts: the running gateway is started by the test and handed over with
    /// <see cref="RunsAs"/>), <paramref name="site"/> as the installed site file, and the arguments the service runs the
    /// gateway with (<c>--config</c> the installed site file, <c>--scenario</c> a copy of <paramref name="scenario"/>).
    /// </summary>
    public static InstalledGateway Create(string root, string version, string site, string scenario, IEnumerable<string> runArgs)
    {
        var installed = new InstalledGateway(root);
        string release = Directory.CreateDirectory(Path.Combine(installed.Opt, "releases", version)).FullName;
        File.WriteAllText(Path.Combine(release, "VERSION"), version + "\n");
        string deploy = Directory.CreateDirectory(Path.Combine(release, "deploy")).FullName;
        foreach (string file in new[] { "apply-signed-bundle.sh", "edgegateway.service" })
        {
            File.Copy(DeployScripts.PathOf(Path.Combine("deploy", "gateway", file)), Path.Combine(deploy, file));
        }

        File.CreateSymbolicLink(Path.Combine(installed.Opt, "current"), Path.Combine("releases", version));
        File.Copy(site, Directory.CreateDirectory(Path.Combine(root, "etc", "edgegateway")).FullName + "/site.yaml");
        Directory.CreateDirectory(Path.Combine(root, "run"));
        File.Copy(scenario, Path.Combine(root, "scenario.yaml"));
        File.WriteAllLines(Path.Combine(root, "run-args"),
            ["run", "--simulate", "--config", Path.Combine(root, "etc", "edgegateway", "site.yaml"), "--scenario", Path.Combine(root, "scenario.yaml"), .. runArgs]);
        string systemctl = Executable(Path.Combine(root, "systemctl"), StandInSystemctl);
        Executable(installed.Runner, $"""
            #!/bin/sh
            # systemd-run --unit edgegateway-upgrade: the apply script in a session of its own, outliving the gateway.
            FAKE_ROOT='{root}' setsid bash "$@" --root '{root}' --systemctl '{systemctl}' --settle 2 >> '{root}/apply.log' 2>&1 < /dev/null &
            """);
        return installed;
    }

    /// <summary>The installed arguments, for the test's own first start of the gateway.</summary>
    public string[] RunArgs => File.ReadAllLines(Path.Combine(Root, "run-args"));

    /// <summary>The service is the process <paramref name="processId"/> (the first version, started by the test).</summary>
    public void RunsAs(int processId) => File.WriteAllText(Path.Combine(Root, "run", "edgegateway.pid"), processId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Stops whatever gateway the stand-in started (SIGKILL: the test is over).</summary>
    public async ValueTask DisposeAsync()
    {
        string pidFile = Path.Combine(Root, "run", "edgegateway.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture, out int pid))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                // Gone already (or not ours to wait for: it was never this process's child).
            }
        }
    }

    private static string Executable(string path, string text)
    {
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
