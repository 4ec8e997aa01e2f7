using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Testing.Servers;

/// <summary>
/// A real single-node VictoriaMetrics (the Debian package's /usr/bin/victoria-metrics, 1.79) on a free loopback
/// port, storing into its own temporary directory. It accepts InfluxDB line protocol on /write (v1) and
/// /api/v2/write (v2) and answers the Prometheus-style export and query APIs. It can be stopped (SIGTERM: everything
/// is saved) and started again on the same port with the same data, or killed (SIGKILL: VictoriaMetrics 1.79 keeps
/// the last seconds of ingested data in memory, see README.md). Disposing kills it and removes the directory; a
/// process-exit hook kills any server a test forgot.
/// </summary>
public sealed class VictoriaMetricsServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/victoria-metrics";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly ServerProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private VictoriaMetricsServer(string directory)
    {
        Directory = directory;
        _process = new ServerProcess("victoria-metrics", Executable, directory);
    }

    /// <summary>The server's temporary directory; the storage is <see cref="DataDirectory"/>.</summary>
    public string Directory { get; }

    /// <summary>-storageDataPath.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    public string Host { get; } = "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>http://127.0.0.1:PORT: /write, /api/v2/write, /api/v1/export, /api/v1/query, /health.</summary>
    public Uri Uri => new($"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The command line victoria-metrics runs with (README.md says why each flag).</summary>
    public IReadOnlyList<string> Arguments =>
    [
        $"-httpListenAddr={Host}:{Port.ToString(CultureInfo.InvariantCulture)}",
        $"-storageDataPath={DataDirectory}",
        // Test points carry fixed timestamps, some years back: nothing may fall out of retention (default 1 month).
        "-retentionPeriod=100y",
        "-loggerLevel=WARN",
        // A sample written twice (same series, same millisecond) is one sample, at query and export time and in merges.
        "-dedup.minScrapeInterval=1ms",
        // Queries see samples up to now, not only those older than 30 s.
        "-search.latencyOffset=0s",
        // No response cache, and no warning each time an old timestamp would have reset it.
        "-search.disableCache",
        "-search.disableAutoCacheReset",
    ];

    public bool IsRunning => _process.IsRunning;

    /// <summary>The running victoria-metrics' process id, or null.</summary>
    public int? ProcessId => _process.ProcessId;

    /// <summary>How long the last start took until /health answered 200.</summary>
    public TimeSpan LastStartDuration => _process.LastStartDuration;

    /// <summary>Everything victoria-metrics printed so far (all its starts; level WARN and above), for diagnostics.</summary>
    public string Log => _process.Log;

    /// <summary>Prepares and starts a server; /health answers 200 when this returns.</summary>
    public static async Task<VictoriaMetricsServer> StartNewAsync(CancellationToken cancellationToken = default)
    {
        string directory = Path.Combine(Path.GetTempPath(), "edgegateway-victoriametrics-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new VictoriaMetricsServer(directory);
        try
        {
            // Another process may take the free port between probing and the server's bind: retry on a new one.
            for (int attempt = 1; ; attempt++)
            {
                server.Port = LoopbackPorts.Claim();
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

    /// <summary>Starts (again) on the same port with the same data.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) =>
        _process.StartAsync(Arguments, IsHealthyAsync, StartTimeout, cancellationToken);

    /// <summary>Stops gracefully (SIGTERM: in-memory data is written to disk) and waits for the process to exit.</summary>
    public Task StopAsync() => _process.StopAsync();

    /// <summary>Kills the server (SIGKILL: data not yet written to disk, the last ~5 s, is lost) and waits for it to be gone.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>GET /internal/force_flush: everything ingested so far becomes searchable (not: is on disk).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await _http.GetAsync(Endpoint("/internal/force_flush", []), cancellationToken);
        await EnsureSuccessAsync(response, "/internal/force_flush", cancellationToken);
    }

    /// <summary>
    /// POST /api/v2/write?bucket=&amp;org=&amp;precision= with line protocol, as the hub's InfluxDB client sends it;
    /// anything but 204 throws. (VictoriaMetrics 1.79 ignores bucket and org: they become no label.)
    /// </summary>
    public async Task WriteLinesAsync(string lineProtocol, string precision = "ms", string bucket = "telemetry", string org = "edgegateway", CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(lineProtocol, Encoding.UTF8, "text/plain");
        using HttpResponseMessage response = await _http.PostAsync(
            Endpoint("/api/v2/write", [("bucket", bucket), ("org", org), ("precision", precision)]), content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new VictoriaMetricsException($"/api/v2/write answered {(int)response.StatusCode} {response.StatusCode}: {body}");
        }
    }

    /// <summary>
    /// Flushes (<see cref="FlushAsync"/>), then GET /api/v1/export?match[]=MATCH over all time: every matching series
    /// with all its raw samples (after deduplication), ordered by name and labels. MATCH is a series selector, e.g.
    /// <c>port_power_w</c>, <c>{__name__=~"port_.*",site="a"}</c>.
    /// </summary>
    public async Task<IReadOnlyList<VmSeries>> ExportAsync(string match, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        // An explicit end: by default the export ends at the current second, leaving out samples stamped later in it.
        string end = DateTimeOffset.UtcNow.AddDays(2).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using HttpResponseMessage response = await _http.GetAsync(
            Endpoint("/api/v1/export", [("match[]", match), ("start", "0"), ("end", end)]), cancellationToken);
        await EnsureSuccessAsync(response, "/api/v1/export", cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        var series = new List<VmSeries>();
        foreach (string line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            series.Add(VmSeries.ParseExportLine(line));
        }

        series.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return series;
    }

    /// <summary>How many samples the matching series hold (see <see cref="ExportAsync"/>).</summary>
    public async Task<long> CountSamplesAsync(string match, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<VmSeries> series = await ExportAsync(match, cancellationToken);
        return series.Sum(s => (long)s.Values.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _http.Dispose();
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

    public override string ToString() => $"victoria-metrics {Uri} ({Directory})";

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new VictoriaMetricsException($"{what} answered {(int)response.StatusCode} {response.StatusCode}: {body}");
        }
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

    private async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(Endpoint("/health", []), cts.Token);
            return response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadAsStringAsync(cts.Token)).Trim() == "OK";
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
}

/// <summary>
/// One exported series: metric name (__name__), the other labels, and its samples (values and Unix-millisecond
/// timestamps, index by index).
/// </summary>
public sealed record VmSeries(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<double> Values, IReadOnlyList<long> Timestamps)
{
    /// <summary>name{label="value",...} with labels in ordinal order.</summary>
    public override string ToString() =>
        Name + "{" + string.Join(",", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    /// <summary>
    /// One line of /api/v1/export. VictoriaMetrics writes non-finite values as the bare tokens +Inf, -Inf and NaN,
    /// which are not JSON, so the values array is read by hand.
    /// </summary>
    internal static VmSeries ParseExportLine(string line)
    {
        const string ValuesKey = "\"values\":[";
        // Label names and values are JSON strings, whose quotes are escaped: the key cannot occur inside them.
        int start = line.IndexOf(ValuesKey, StringComparison.Ordinal);
        int end = start < 0 ? -1 : line.IndexOf(']', start + ValuesKey.Length);
        if (start < 0 || end < 0)
        {
            throw new VictoriaMetricsException($"unexpected export line: {line}");
        }

        string valuesText = line[(start + ValuesKey.Length)..end];
        var values = new List<double>();
        foreach (string token in valuesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            values.Add(token switch
            {
                "+Inf" or "Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture),
            });
        }

        string rest = line[..(start + ValuesKey.Length)] + line[end..];
        using var document = JsonDocument.Parse(rest);
        JsonElement root = document.RootElement;
        string name = "";
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty label in root.GetProperty("metric").EnumerateObject())
        {
            if (label.Name == "__name__")
            {
                name = label.Value.GetString() ?? "";
            }
            else
            {
                labels[label.Name] = label.Value.GetString() ?? "";
            }
        }

        List<long> timestamps = [.. root.GetProperty("timestamps").EnumerateArray().Select(t => t.GetInt64())];
        return new VmSeries(name, labels, values, timestamps);
    }
}

/// <summary>VictoriaMetrics refused a request; the message carries its answer.</summary>
public sealed class VictoriaMetricsException(string message) : Exception(message);
