using System.ComponentModel.DataAnnotations;
using System.Net;
using EdgeGateway.Hub.Ingest;

namespace EdgeGateway.Hub.Hosting;

/// <summary>Which InfluxDB write API the hub uses.</summary>
public enum InfluxApi
{
    /// <summary><c>/api/v2/write</c> through InfluxDB.Client: InfluxDB 1.8+, 2.x, 3.x, Cloud, VictoriaMetrics.</summary>
    V2,

    /// <summary><c>/write</c>: InfluxDB servers older than 1.8.</summary>
    V1,
}

/// <summary>The hub's settings (section <c>Hub</c>): the broker it reads, the database it writes, how it batches.</summary>
public sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary><c>mqtt://host:port</c> or <c>mqtts://host:port</c>; plain MQTT only on this machine.</summary>
    [Required]
    public Uri Broker { get; set; } = new("mqtt://127.0.0.1:1883");

    /// <summary>The MQTT client id, and the hub instance's name. Stable per instance: the broker keeps the instance's
    /// persistent session (and its unacknowledged messages) under it. Give each instance its own.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string ClientId { get; set; } = "edge-hub";

    /// <summary>MQTT 5 shared subscription group: instances with the same group share the messages
    /// (<c>$share/{group}/edge/v1/#</c>). Null: this instance takes every message.</summary>
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string? SharedGroup { get; set; }

    public string? Username { get; set; }

    public string? PasswordFile { get; set; }

    public string? PasswordEnvironmentVariable { get; set; }

    public string? CaFile { get; set; }

    public string? ClientCertificateFile { get; set; }

    public string? ClientKeyFile { get; set; }

    /// <summary>How long the broker keeps the hub's session while it is away (messages queue for it meanwhile).</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Where the hub keeps its state (the notification ledger).</summary>
    [Required]
    public string DataDirectory { get; set; } = "hub-data";

    [Required]
    public InfluxSettings Influx { get; set; } = new();

    [Required]
    public IngestOptions Ingest { get; set; } = new();

    /// <summary>Problems with these settings, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Broker.Scheme is not ("mqtt" or "mqtts"))
        {
            problems.Add($"Hub:Broker: '{Broker}' must be mqtt://host:port or mqtts://host:port");
        }
        else if (Broker.Scheme == "mqtt" && !IsLocal(Broker))
        {
            problems.Add($"Hub:Broker: plain MQTT to {Broker.Host} would send credentials and alarms in clear text; use mqtts:// (TLS) off this machine");
        }

        if (Broker.Scheme == "mqtts" && string.IsNullOrEmpty(CaFile))
        {
            problems.Add("Hub:CaFile: mqtts needs the CA certificate the broker's certificate chains to");
        }

        if (!IsLocal(Broker) && string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(ClientCertificateFile))
        {
            problems.Add("Hub:Username: a broker off this machine needs credentials (Username with PasswordFile, or a client certificate)");
        }

        if (!Influx.Url.IsAbsoluteUri || Influx.Url.Scheme is not ("http" or "https"))
        {
            problems.Add($"Hub:Influx:Url: '{Influx.Url}' must be http:// or https://");
        }
        else if (Influx.Url.Scheme == "http" && !IsLocal(Influx.Url))
        {
            problems.Add($"Hub:Influx:Url: plain HTTP to {Influx.Url.Host} would send the token in clear text; use https:// off this machine");
        }

        if (string.IsNullOrWhiteSpace(Influx.Database))
        {
            problems.Add("Hub:Influx:Database: the bucket (v2) or database (v1) is required");
        }

        if (Ingest.QueueCapacity is < 1 or > 65535)
        {
            problems.Add("Hub:Ingest:QueueCapacity: 1 .. 65535 (it is also the MQTT Receive Maximum)");
        }

        if (Ingest.MaxBatchPoints < 1)
        {
            problems.Add("Hub:Ingest:MaxBatchPoints: at least 1");
        }

        if (Ingest.WriteConcurrency is < 1 or > 64)
        {
            problems.Add("Hub:Ingest:WriteConcurrency: 1 .. 64");
        }

        if (Ingest.InitialRetryDelay <= TimeSpan.Zero || Ingest.MaxRetryDelay < Ingest.InitialRetryDelay)
        {
            problems.Add("Hub:Ingest:InitialRetryDelay/MaxRetryDelay: positive, and the maximum at least the initial delay");
        }

        if (Ingest.SeqGapGrace <= TimeSpan.Zero || Ingest.SeqGapCheckInterval <= TimeSpan.Zero)
        {
            problems.Add("Hub:Ingest:SeqGapGrace/SeqGapCheckInterval: positive");
        }

        return problems;
    }

    private static bool IsLocal(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out IPAddress? address) && IPAddress.IsLoopback(address));
}

/// <summary>Where points go (section <c>Hub:Influx</c>). Secrets: <see cref="Token"/> is best given by environment
/// (<c>Hub__Influx__Token</c>) or <see cref="TokenFile"/>; it is never logged.</summary>
public sealed class InfluxSettings
{
    /// <summary>False (<c>--influx-url none</c>): no ingest at all — the demo without a database; the console still shows
    /// the live board, and the trends say what they need.</summary>
    public bool Enabled { get; set; } = true;

    public Uri Url { get; set; } = new("http://127.0.0.1:8086");

    public InfluxApi Api { get; set; } = InfluxApi.V2;

    /// <summary>The bucket (v2) or database (v1).</summary>
    public string Database { get; set; } = "edge";

    /// <summary>The organization (v2; InfluxDB 1.8 and VictoriaMetrics ignore it).</summary>
    public string Org { get; set; } = "edge";

    public string? Token { get; set; }

    /// <summary>A file whose first line is the token (preferred to <see cref="Token"/>: not in the process's environment).</summary>
    public string? TokenFile { get; set; }

    /// <summary>InfluxDB 1.x authentication (v1 API).</summary>
    public string? Username { get; set; }

    public string? PasswordFile { get; set; }

    /// <summary>v1: the retention policy to write into; null for the database's default.</summary>
    public string? RetentionPolicy { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    internal string? ResolveToken() => ReadFirstLine(TokenFile) ?? Token;

    internal string? ResolvePassword() => ReadFirstLine(PasswordFile);

    private static string? ReadFirstLine(string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        string text = File.ReadAllText(file);
        int end = text.IndexOfAny(['\r', '\n']);
        return end >= 0 ? text[..end] : text;
    }
}
