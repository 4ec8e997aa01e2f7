using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Testing.Mosquitto;

/// <summary>
/// A real Mosquitto broker (the Debian package's /usr/sbin/mosquitto) on a free loopback port, configured by
/// <see cref="MosquittoBrokerOptions"/> in its own temporary directory (mosquitto.conf, certificates, password
/// file, ACL, persistence data). It can be stopped (SIGTERM) and started again on the same port with the same
/// data, or killed (SIGKILL). Disposing kills it and removes the directory; a process-exit hook kills any broker
/// a test forgot, so no mosquitto outlives the test run.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60); // a hang bound: a loaded machine starts the broker slowly, not wrongly
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly MosquittoBrokerOptions _options;

    // stdbuf -oL (which execs mosquitto, same process id): mosquitto does not flush its stdout log, and a
    // block-buffered pipe would hold the log back until exit.
    private readonly ServerProcess _server;

    private MosquittoBroker(string directory, MosquittoBrokerOptions options)
    {
        Directory = directory;
        _options = options;
        _server = new ServerProcess("mosquitto", "stdbuf", directory, StopTimeout);
    }

    /// <summary>The broker's temporary directory (configuration, certificates, data).</summary>
    public string Directory { get; }

    public string Host { get; } = "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>mqtt://127.0.0.1:PORT or mqtts://127.0.0.1:PORT.</summary>
    public Uri Uri => new($"{(_options.Tls ? "mqtts" : "mqtt")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}");

    public bool Tls => _options.Tls;

    /// <summary>The test CA that signed the server certificate (TLS only).</summary>
    public TestCertificateAuthority? CertificateAuthority { get; private set; }

    /// <summary>The CA certificate file a client trusts (TLS only).</summary>
    public string? CaFile => CertificateAuthority?.CertificateFile;

    public string ConfigFile => Path.Combine(Directory, "mosquitto.conf");

    public string DataDirectory => Path.Combine(Directory, "data");

    public bool IsRunning => _server.IsRunning;

    /// <summary>The running broker's process id (for CPU and memory sampling), or null when stopped.</summary>
    public int? ProcessId => _server.ProcessId;

    /// <summary>Everything the broker logged so far (all its starts), for diagnostics and assertions.</summary>
    public string Log => _server.Log;

    /// <summary>Prepares and starts a broker; it accepts connections when this returns.</summary>
    public static async Task<MosquittoBroker> StartNewAsync(MosquittoBrokerOptions? options = null)
    {
        options ??= MosquittoBrokerOptions.Plain;
        string directory = Path.Combine(Path.GetTempPath(), "edgegateway-mosquitto-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var broker = new MosquittoBroker(directory, options);
        try
        {
            await broker.PrepareAsync();
            // Another process may take the free port between probing and mosquitto's bind: retry on a new one.
            for (int attempt = 1; ; attempt++)
            {
                broker.Port = LoopbackPorts.Claim();
                await broker.WriteConfigAsync();
                try
                {
                    await broker.StartAsync();
                    return broker;
                }
                catch (ServerStartException) when (attempt < 3 && broker._server.LogSaysAddressInUse)
                {
                }
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (again) on the same port with the same configuration and data directory; it accepts
    /// connections when this returns. Throws <see cref="ServerStartException"/> with the broker's log.</summary>
    public Task StartAsync() =>
        _server.StartAsync(["-oL", Executable, "-c", ConfigFile], _ => AcceptsConnectionsAsync(), StartTimeout, CancellationToken.None);

    /// <summary>Stops gracefully (SIGTERM: sessions are saved to the data directory) and waits for the process to exit.</summary>
    public Task StopAsync() => _server.StopAsync();

    /// <summary>Kills the broker (SIGKILL: nothing saved, no goodbye to clients) and waits for it to be gone.</summary>
    public Task KillAsync() => _server.KillAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public override string ToString() => $"mosquitto {Uri} ({Directory})";

    private async Task<bool> AcceptsConnectionsAsync()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), cts.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task PrepareAsync()
    {
        System.IO.Directory.CreateDirectory(DataDirectory);
        if (_options.Tls)
        {
            CertificateAuthority = await TestCertificateAuthority.CreateAsync(Path.Combine(Directory, "tls"), "broker");
            await CertificateAuthority.IssueServerAsync();
        }

        bool first = true;
        foreach ((string user, string password) in _options.Users)
        {
            // -b takes the password on the command line: fine for a test's throw-away password.
            await Tool.RunAsync("mosquitto_passwd", first
                ? ["-b", "-c", PasswordFile, user, password]
                : ["-b", PasswordFile, user, password]);
            first = false;
        }

        if (_options.Acl is not null)
        {
            await File.WriteAllTextAsync(AclFile, _options.Acl);
        }
    }

    private string PasswordFile => Path.Combine(Directory, "passwords");

    private string AclFile => Path.Combine(Directory, "acl");

    private async Task WriteConfigAsync()
    {
        var conf = new StringBuilder();
        conf.Append(CultureInfo.InvariantCulture, $"listener {Port} 127.0.0.1\n");
        if (_options.Tls)
        {
            conf.Append(CultureInfo.InvariantCulture, $"cafile {CertificateAuthority!.CertificateFile}\n");
            conf.Append(CultureInfo.InvariantCulture, $"certfile {Path.Combine(Directory, "tls", "broker-server.crt")}\n");
            conf.Append(CultureInfo.InvariantCulture, $"keyfile {Path.Combine(Directory, "tls", "broker-server.key")}\n");
            conf.Append(CultureInfo.InvariantCulture, $"require_certificate {(_options.RequireClientCertificate ? "true" : "false")}\n");
        }

        if (_options.Users.Count > 0)
        {
            conf.Append("allow_anonymous false\n");
            conf.Append(CultureInfo.InvariantCulture, $"password_file {PasswordFile}\n");
        }
        else
        {
            conf.Append("allow_anonymous true\n");
        }

        if (_options.Acl is not null)
        {
            conf.Append(CultureInfo.InvariantCulture, $"acl_file {AclFile}\n");
        }

        if (_options.Persistence)
        {
            conf.Append("persistence true\n");
            conf.Append(CultureInfo.InvariantCulture, $"persistence_location {DataDirectory}/\n");
        }
        else
        {
            conf.Append("persistence false\n");
        }

        foreach (string line in _options.ExtraConfiguration)
        {
            conf.Append(line).Append('\n');
        }

        conf.Append("log_dest stdout\n");
        if (_options.LogEveryPacket)
        {
            conf.Append("log_type all\n");
        }
        else
        {
            conf.Append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n");
        }

        conf.Append("connection_messages true\n");
        if (Environment.UserName == "root")
        {
            // Run as root, mosquitto would switch to the 'mosquitto' user, who cannot read this directory.
            conf.Append("user root\n");
        }

        await File.WriteAllTextAsync(ConfigFile, conf.ToString());
    }
}
