using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.Deploy;

/// <summary>
/// The production broker as deploy/mosquitto installs it, in a temporary directory: make-credentials.sh makes the CA,
/// the server certificate and the accounts (two gateways, a hub, a reader, with client certificates), install.sh
/// renders edgegateway.conf and edgegateway.mtls.conf with loopback listeners and the temporary paths, and
/// /usr/sbin/mosquitto runs them included from a main file like Debian's (persistence location, log, include_dir).
/// </summary>
public sealed class ProductionBroker : IAsyncLifetime
{
    public const string SiteA = "linzi-a";
    public const string GatewayA = "gw-01";
    public const string SiteB = "zibo-b";
    public const string GatewayB = "gw-02";
    public const string Hub = "edge-hub";
    public const string Reader = "telegraf";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("edgegateway-deploy-mosquitto-").FullName;

    public string Credentials => Path.Combine(Directory, "creds");

    public string CaFile => Path.Combine(Credentials, "ca.crt");

    public int Port { get; private set; }

    public int MtlsPort { get; private set; }

    public static string UserOf(string site, string gateway) => $"gw-{site}-{gateway}";

    public string Account(string user, string file) => Path.Combine(Credentials, "accounts", user, file);

    public string Password(string user) => File.ReadAllText(Account(user, "mqtt-password")).Trim();

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        (await MakeCredentialsAsync()).AssertSucceeded("make-credentials.sh");
        Port = LoopbackPorts.Claim();
        MtlsPort = LoopbackPorts.Claim();
        (await DeployScripts.RunAsync("deploy/mosquitto/install.sh",
        [
            "--dir", Credentials, "--conf-dir", Path.Combine(Directory, "conf.d"),
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--mtls-port", MtlsPort.ToString(CultureInfo.InvariantCulture), "--no-apt", "--no-service",
        ], TimeSpan.FromSeconds(60))).AssertSucceeded("install.sh");

        // Debian's /etc/mosquitto/mosquitto.conf, with this directory for its paths.
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "data"));
        StringBuilder main = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"persistence_location {Path.Combine(Directory, "data")}/\n")
            .Append("log_dest stdout\n")
            .Append("connection_messages true\n")
            .Append(CultureInfo.InvariantCulture, $"include_dir {Path.Combine(Directory, "conf.d")}\n");
        if (Environment.UserName == "root")
        {
            // As root, mosquitto would switch to the mosquitto user, who cannot enter this test's directory.
            main.Append("user root\n");
        }

        await File.WriteAllTextAsync(Path.Combine(Directory, "mosquitto.conf"), main.ToString());
        await StartAsync();
    }

    /// <summary>make-credentials.sh with the test's accounts (idempotent: the same call again changes nothing).</summary>
    public Task<ScriptResult> MakeCredentialsAsync() => DeployScripts.RunAsync("deploy/mosquitto/make-credentials.sh",
    [
        "--dir", Credentials, "--server-name", "localhost", "--hub", Hub, "--reader", Reader,
        "--gateway", $"{SiteA}/{GatewayA}", "--gateway", $"{SiteB}/{GatewayB}", "--mtls",
        "--broker-url", "mqtts://mqtt.example.cn:8883",
    ], TimeSpan.FromSeconds(60));

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("stdbuf")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (string arg in new[] { "-oL", "/usr/sbin/mosquitto", "-c", Path.Combine(Directory, "mosquitto.conf") })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await DeployScripts.WaitUntilAsync(
            () => Task.FromResult(_process.HasExited || (DeployScripts.Listening(Port) && DeployScripts.Listening(MtlsPort))),
            TimeSpan.FromSeconds(10), () => "mosquitto did not listen:\n" + Log);
        Assert.False(_process.HasExited, "mosquitto exited with the production configuration:\n" + Log);
    }

    /// <summary>SIGTERM, as systemctl stop: mosquitto saves its sessions and queues to the persistence file.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(cts.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Append(line).Append('\n');
        }
    }
}
