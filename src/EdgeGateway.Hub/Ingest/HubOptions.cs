using System.ComponentModel.DataAnnotations;
using System.Net;
using EdgeGateway.Hub.Broker;
using EdgeGateway.Hub.Storage;

namespace EdgeGateway.Hub.Ingest;

/// <summary>The hub's settings (section <c>Hub</c>): the broker it reads (<see cref="HubBrokerSettings"/>), the database it
/// writes, how it batches.</summary>
public sealed class HubOptions : HubBrokerSettings
{
    public const string Section = "Hub";

    /// <summary>MQTT 5 shared subscription group: instances with the same group share the messages
    /// (<c>$share/{group}/edge/v1/#</c>). Null: this instance takes every message.</summary>
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string? SharedGroup { get; set; }

    /// <summary>Where the hub keeps its state (the notification ledger).</summary>
    [Required]
    public string DataDirectory { get; set; } = "hub-data";

    [Required]
    public InfluxSettings Influx { get; set; } = new();

    [Required]
    public IngestOptions Ingest { get; set; } = new();

    /// <summary>How many ports and bins one gateway may name (<c>Hub:Limits</c>).</summary>
    [Required]
    public HubLimits Limits { get; set; } = new();

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

        problems.AddRange(FileProblems(Section));
        problems.AddRange(new[] { ("Hub:Influx:TokenFile", Influx.TokenFile), ("Hub:Influx:PasswordFile", Influx.PasswordFile) }
            .Select(file => ReadableFileProblem(file.Item1, file.Item2)).OfType<string>());

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

        problems.AddRange(Limits.Problems());
        return problems;
    }

    private static bool IsLocal(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out IPAddress? address) && IPAddress.IsLoopback(address));
}
