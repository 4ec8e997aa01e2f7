using System.CommandLine;
using EdgeGateway.Hub.Hosting;

namespace EdgeGateway.Hub.CommandLine;

/// <summary>The settings options of <c>run</c> and <c>check</c>: <c>--config</c>, and one option per configuration key.</summary>
internal sealed class HubSettingsOptions
{
    private readonly Option<FileInfo?> _config = new("--config") { Description = $"A JSON settings file (read after appsettings.json and {HubHost.InstalledSettings})" };
    private readonly (Option<string?> Option, string Key)[] _options =
    [
        (new Option<string?>("--broker") { Description = "MQTT broker: mqtt://host:port (this machine only) or mqtts://host:port" }, "Hub:Broker"),
        (new Option<string?>("--influx-url") { Description = "InfluxDB (or VictoriaMetrics) base URL, e.g. http://127.0.0.1:8086; none: no ingest (live console only)" }, "Hub:Influx:Url"),
        (new Option<string?>("--influx-api") { Description = "v2 (default: InfluxDB 1.8+, 2.x, 3.x, Cloud, VictoriaMetrics) or v1 (/write, InfluxDB before 1.8)" }, "Hub:Influx:Api"),
        (new Option<string?>("--influx-db") { Description = "The bucket (v2) or database (v1); default edge" }, "Hub:Influx:Database"),
        (new Option<string?>("--influx-org") { Description = "The organization (v2)" }, "Hub:Influx:Org"),
        (new Option<string?>("--influx-token") { Description = "API token (prefer Hub__Influx__Token or Hub:Influx:TokenFile: a command line is visible to other users)" }, "Hub:Influx:Token"),
        (new Option<string?>("--http") { Description = "Where the hub serves /healthz (and the console), e.g. http://127.0.0.1:8480" }, "Urls"),
        (new Option<string?>("--client-id") { Description = "This instance's MQTT client id (its persistent session); unique per instance" }, "Hub:ClientId"),
        (new Option<string?>("--shared-group") { Description = "Share the load with other instances in this MQTT 5 shared-subscription group" }, "Hub:SharedGroup"),
        (new Option<string?>("--data-dir") { Description = "State directory (notification ledger); default ./hub-data" }, "Hub:DataDirectory"),
    ];

    public HubSettingsOptions(Command command)
    {
        command.Options.Add(_config);
        foreach ((Option<string?> option, _) in _options)
        {
            command.Options.Add(option);
        }
    }

    public FileInfo? File(ParseResult parse) => parse.GetValue(_config);

    /// <summary>The configuration keys the command line sets.</summary>
    public Dictionary<string, string?> Overrides(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((Option<string?> option, string key) in _options)
        {
            if (parse.GetValue(option) is { } value)
            {
                if (key == "Hub:Influx:Url" && value == "none")
                {
                    overrides["Hub:Influx:Enabled"] = "false";
                    continue;
                }

                overrides[key] = key == "Hub:Influx:Api" ? value.ToUpperInvariant() : value;
            }
        }

        return overrides;
    }
}
