using System.Globalization;
using System.Net;
using System.Text;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Testing.Servers;

/// <summary>
/// A real InfluxDB 1.x (the Debian package's /usr/bin/influxd, 1.6.7) on free loopback ports, with its own
/// influxdb.conf, metadata, data and WAL in its own temporary directory. It speaks the v1 HTTP API only (/ping,
/// /write, /query: 1.6 has no /api/v2/write, that came with 1.8). It can be stopped (SIGTERM) and started again on
/// the same ports with the same data, or killed (SIGKILL: written points survive in the WAL). Disposing kills it and
/// removes the directory; a process-exit hook kills any server a test forgot.
/// </summary>
public sealed class InfluxDbServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/influxd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly ServerProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    // For queries that scan everything stored (a district soak's accounting: 14 million points after two hours took
    // longer than 30 s, and the run ended on the timeout without its report).
    private readonly HttpClient _longQueries = new() { Timeout = TimeSpan.FromMinutes(15) };

    private InfluxDbServer(string directory)
    {
        Directory = directory;
        _process = new ServerProcess("influxd", Executable, directory);
    }

    /// <summary>The server's temporary directory (influxdb.conf, meta, data, wal).</summary>
    public string Directory { get; }

    public string Host { get; } = "127.0.0.1";

    /// <summary>The HTTP API's port.</summary>
    public int Port { get; private set; }

    /// <summary>The RPC service's port (backup and restore; nothing in the tests uses it, but it must not collide).</summary>
    public int RpcPort { get; private set; }

    /// <summary>http://127.0.0.1:PORT, the v1 HTTP API.</summary>
    public Uri Uri => new($"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}");

    public string ConfigFile => Path.Combine(Directory, "influxdb.conf");

    public bool IsRunning => _process.IsRunning;

    /// <summary>The running influxd's process id, or null.</summary>
    public int? ProcessId => _process.ProcessId;

    /// <summary>How long the last start took until /ping answered 204.</summary>
    public TimeSpan LastStartDuration => _process.LastStartDuration;

    /// <summary>Everything influxd printed so far (all its starts; level warn and above), for diagnostics.</summary>
    public string Log => _process.Log;

    /// <summary>Prepares and starts a server; /ping answers 204 when this returns.</summary>
    public static async Task<InfluxDbServer> StartNewAsync(CancellationToken cancellationToken = default)
    {
        string directory = Path.Combine(Path.GetTempPath(), "edgegateway-influxdb-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new InfluxDbServer(directory);
        try
        {
            // Another process may take a free port between probing and influxd's bind: retry on new ones.
            for (int attempt = 1; ; attempt++)
            {
                server.Port = LoopbackPorts.Claim();
                server.RpcPort = LoopbackPorts.Claim();
                if (server.RpcPort == server.Port)
                {
                    continue;
                }

                await server.WriteConfigAsync();
                try
                {
                    await server.StartAsync(cancellationToken);
                    return server;
                }
                catch (ServerStartException) when (attempt < 3 && server._process.LogSaysAddressInUse)
                {
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (again) on the same ports with the same configuration and data.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) =>
        _process.StartAsync(["-config", ConfigFile], PingsAsync, StartTimeout, cancellationToken);

    /// <summary>Stops gracefully (SIGTERM) and waits for the process to exit.</summary>
    public Task StopAsync() => _process.StopAsync();

    /// <summary>Kills the server (SIGKILL: no shutdown, the next start replays the WAL) and waits for it to be gone.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>CREATE DATABASE (idempotent), with the default retention policy autogen (infinite).</summary>
    public async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        using var content = new FormUrlEncodedContent([new("q", $"CREATE DATABASE {QuoteIdentifier(database)}")]);
        using HttpResponseMessage response = await _http.PostAsync(Endpoint("/query", []), content, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        InfluxQueryResult.Parse(body, (int)response.StatusCode);
    }

    /// <summary>
    /// Runs InfluxQL (GET /query, epoch=ms: times are Unix milliseconds) and returns every series' rows; an error in
    /// the answer (HTTP, parse, or a statement's) throws <see cref="InfluxDbException"/> with InfluxDB's message.
    /// </summary>
    public Task<InfluxQueryResult> QueryAsync(string database, string influxQl, CancellationToken cancellationToken = default) =>
        QueryAsync(database, influxQl, longQuery: false, cancellationToken);

    /// <summary>As <see cref="QueryAsync(string, string, CancellationToken)"/>; a <paramref name="longQuery"/> may take up
    /// to 15 minutes instead of 30 s.</summary>
    public async Task<InfluxQueryResult> QueryAsync(string database, string influxQl, bool longQuery, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await (longQuery ? _longQueries : _http).GetAsync(
            Endpoint("/query", [("db", database), ("q", influxQl), ("epoch", "ms")]), cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        return InfluxQueryResult.Parse(body, (int)response.StatusCode);
    }

    /// <summary>SELECT count(field) FROM measurement: how many points hold the field (0 when there are none).</summary>
    public async Task<long> CountAsync(string database, string measurement, string field, CancellationToken cancellationToken = default)
    {
        InfluxQueryResult result = await QueryAsync(database,
            $"SELECT count({QuoteIdentifier(field)}) FROM {QuoteIdentifier(measurement)}", cancellationToken);
        return result.Rows.Count == 0 ? 0 : result.Rows[0]["count"].GetInt64();
    }

    /// <summary>POST /write with line protocol (one point a line); anything but 204 throws with InfluxDB's answer.</summary>
    public async Task WriteLinesAsync(string database, string lineProtocol, string precision = "ms", CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(lineProtocol, Encoding.UTF8, "text/plain");
        using HttpResponseMessage response = await _http.PostAsync(
            Endpoint("/write", [("db", database), ("precision", precision)]), content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InfluxDbException($"write to {database} answered {(int)response.StatusCode} {response.StatusCode}: {body}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _http.Dispose();
        _longQueries.Dispose();
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

    public override string ToString() => $"influxd {Uri} ({Directory})";

    /// <summary>An InfluxQL identifier in double quotes (database, measurement, field names).</summary>
    public static string QuoteIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private Uri Endpoint(string path, IReadOnlyList<(string Name, string Value)> query)
    {
        var builder = new StringBuilder(path);
        char separator = '?';
        foreach ((string name, string value) in query)
        {
            builder.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return new Uri(Uri, builder.ToString());
    }

    private async Task<bool> PingsAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(Endpoint("/ping", []), cts.Token);
            // The version header tells influxd apart from whatever else might answer on a port it failed to bind.
            return response.StatusCode == HttpStatusCode.NoContent && response.Headers.Contains("X-Influxdb-Version");
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task WriteConfigAsync()
    {
        string port = Port.ToString(CultureInfo.InvariantCulture);
        string rpcPort = RpcPort.ToString(CultureInfo.InvariantCulture);
        string meta = Path.Combine(Directory, "meta");
        string data = Path.Combine(Directory, "data");
        string wal = Path.Combine(Directory, "wal");
        // Every listener on loopback; everything that would run in the background of a test (usage reporting, the
        // _internal monitor database, continuous queries, retention enforcement, shard pre-creation, subscriptions,
        // the UDP/Graphite/collectd/OpenTSDB inputs) off, so the server does nothing but what a test asks.
        string conf = $"""
            # Written by EdgeGateway.Testing.Servers.InfluxDbServer for one test server.
            # No usage reporting: Debian's 1.6.7 names the key reporting-enabled (default false), upstream 1.x
            # reporting-disabled; influxd ignores keys it does not know, so both are set.
            reporting-enabled = false
            reporting-disabled = true
            # RPC service (backup/restore), loopback only.
            bind-address = "127.0.0.1:{rpcPort}"

            [meta]
              dir = "{meta}"
              retention-autocreate = true
              logging-enabled = false

            [data]
              dir = "{data}"
              wal-dir = "{wal}"
              # Every write is fsynced to the WAL before it is acknowledged: a SIGKILL loses nothing acknowledged.
              wal-fsync-delay = "0s"
              query-log-enabled = false

            [retention]
              enabled = false

            [shard-precreation]
              enabled = false

            [monitor]
              store-enabled = false

            [subscriber]
              enabled = false

            [http]
              enabled = true
              bind-address = "127.0.0.1:{port}"
              # No authentication: a throw-away test server, reachable only on loopback, holding test data only.
              auth-enabled = false
              log-enabled = false
              suppress-write-log = true
              pprof-enabled = false
              https-enabled = false
              unix-socket-enabled = false
              # max-body-size left at its default (25000000 bytes).

            [logging]
              level = "warn"
              suppress-logo = true

            [ifql]
              enabled = false

            [continuous_queries]
              enabled = false
              log-enabled = false

            [[graphite]]
              enabled = false

            [[collectd]]
              enabled = false

            [[opentsdb]]
              enabled = false

            [[udp]]
              enabled = false

            """;
        await File.WriteAllTextAsync(ConfigFile, conf);
    }
}

/// <summary>InfluxDB refused a write or a query; the message is InfluxDB's.</summary>
public sealed class InfluxDbException : Exception
{
    public InfluxDbException(string message)
        : base(message)
    {
    }

    public InfluxDbException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
