using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using Xunit;

namespace EdgeGateway.Testing.Processes;

/// <summary>The built hub (EdgeGateway.Hub.dll) as its own process, with its /healthz on a free loopback port.</summary>
public sealed class HubProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) }; // a hang bound, generous for a loaded machine
    private readonly IReadOnlyList<string> _args;
    private readonly Dictionary<string, string> _environment;
    private readonly List<string> _outputs = [];
    private ProductProcess _process;

    private HubProcess(IReadOnlyList<string> args, Dictionary<string, string> environment, int httpPort, string clientId, ProductProcess process)
    {
        _args = args;
        _environment = environment;
        HttpPort = httpPort;
        ClientId = clientId;
        _process = process;
    }

    public int HttpPort { get; }

    public string ClientId { get; }

    public ProductProcess Process => _process;

    public static async Task<HubProcess> StartAsync(
        MosquittoBroker broker,
        Uri influx,
        string api,
        string database,
        string dataDirectory,
        string clientId = "edge-hub",
        string? sharedGroup = null,
        string? settingsFile = null,
        IReadOnlyDictionary<string, string>? environment = null,
        IEnumerable<string>? extraArgs = null,
        int? httpPort = null)
    {
        int port = httpPort ?? LoopbackPorts.Claim();
        var args = new List<string>
        {
            "run", "--broker", broker.Uri.ToString(), "--influx-url", influx.ToString(), "--influx-api", api,
            "--influx-db", database, "--influx-org", "edge", "--http", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--client-id", clientId, "--data-dir", dataDirectory,
        };
        if (sharedGroup is not null)
        {
            args.AddRange(["--shared-group", sharedGroup]);
        }

        if (settingsFile is not null)
        {
            args.AddRange(["--config", settingsFile]);
        }

        args.AddRange(extraArgs ?? []);
        Dictionary<string, string> env = Environment();
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        var hub = new HubProcess(args, env, port, clientId, ProductProcess.Start("EdgeGateway.Hub", args, env));
        await hub.WaitIngestingAsync();
        return hub;
    }

    /// <summary>Starts the same instance again (same client id, so the broker resumes its session; same data directory).</summary>
    public async Task RestartAsync()
    {
        await _process.DisposeAsync();
        _outputs.Add(_process.Output);
        _process = ProductProcess.Start("EdgeGateway.Hub", _args, _environment);
        await WaitIngestingAsync();
    }

    public Task KillAsync() => _process.KillAsync();

    public async Task<JsonElement> HealthAsync() =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri($"http://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}/healthz"));

    /// <summary>Fails when the hub logged an error or a crash (the console formatter's <c>fail:</c> and <c>crit:</c> lines)
    /// or an unhandled exception, in any of its lives.</summary>
    public void AssertNoErrorsLogged()
    {
        IReadOnlyList<string> bad = ErrorLines();
        Assert.True(bad.Count == 0, $"{ClientId} logged errors:\n{string.Join('\n', bad)}\n---\n{_process.Output}");
    }

    /// <summary>The error, crash and unhandled-exception lines the hub wrote, in any of its lives.</summary>
    public IReadOnlyList<string> ErrorLines() =>
        [.. OutputLines().Where(line => line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal) || line.Contains("Unhandled exception", StringComparison.Ordinal))];

    /// <summary>Every line the hub wrote, in all its lives, in order.</summary>
    public IEnumerable<string> OutputLines() => _outputs.Append(_process.Output).SelectMany(o => o.Split('\n'));

    public async ValueTask DisposeAsync() => await _process.DisposeAsync();

    /// <summary>Ready means all: the web server listens (Kestrel's "Now listening on") and both ingest connections (the
    /// telemetry one and the alarm one) have subscribed.</summary>
    private async Task WaitIngestingAsync()
    {
        await _process.WaitForLineAsync("Now listening on", TimeSpan.FromSeconds(120));
        await _process.WaitForLineAsync($"Hub {ClientId} ingesting telemetry", TimeSpan.FromSeconds(120));
        await _process.WaitForLineAsync($"Hub {ClientId} ingesting alarms", TimeSpan.FromSeconds(120));
    }


    // Fast retries so that a test's outage ends in seconds, not the production back-off's half minute.
    private static Dictionary<string, string> Environment() => new()
    {
        ["Hub__Ingest__InitialRetryDelay"] = "00:00:00.200",
        ["Hub__Ingest__MaxRetryDelay"] = "00:00:01",
        ["Hub__Ingest__SeqGapGrace"] = "00:00:20",
        ["Hub__Ingest__SeqGapCheckInterval"] = "00:00:01",
    };
}
