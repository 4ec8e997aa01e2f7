using System.Globalization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Hub.Ingest;

/// <summary>How many ports and bins one gateway may name (section <c>Hub:Limits</c>). Every port and bin id is a series
/// in the database and a row on the console's board: a gateway account publishing forged ids must not be able to
/// exhaust the database's series limit for every other site.</summary>
public sealed class HubLimits
{
    /// <summary>Distinct port ids per gateway; a shipped shed has up to 20.</summary>
    public int MaxPortsPerGateway { get; set; } = 64;

    /// <summary>Distinct bin ids per gateway; a recycling station has a handful.</summary>
    public int MaxBinsPerGateway { get; set; } = 32;

    /// <summary>Problems with these limits, each naming its key; empty when they are usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxPortsPerGateway is < 1 or > 10_000)
        {
            yield return "Hub:Limits:MaxPortsPerGateway: 1 .. 10000";
        }

        if (MaxBinsPerGateway is < 1 or > 10_000)
        {
            yield return "Hub:Limits:MaxBinsPerGateway: 1 .. 10000";
        }
    }
}

/// <summary>
/// The port and bin ids each gateway has named since this process started, capped by <see cref="HubLimits"/>: a message
/// naming one id more than its gateway's cap allows is refused (the ids already known keep coming in). A port is named by
/// its telemetry, state, sessions and by alarms whose source is <c>port:{id}</c>; a bin likewise. Thread-safe.
/// </summary>
public sealed class GatewayInventory(HubLimits limits)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Site, string Gateway), KnownIds> _known = [];

    /// <summary>Null when <paramref name="message"/> names only ids within its gateway's caps (a new one within them is
    /// remembered); otherwise why it is refused.</summary>
    public string? Admit(ContractMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        (string? port, string? bin) = message switch
        {
            PortTelemetryMessage t => (t.Port, null),
            PortStateMessage s => (s.Port, null),
            SessionMessage s => (s.Port, null),
            SessionResumedMessage r => (r.Port, null),
            BinTelemetryMessage b => (null, b.Bin),
            BinStateMessage b => (null, b.Bin),
            AlarmMessage a when a.Source.StartsWith("port:", StringComparison.Ordinal) => (a.Source["port:".Length..], null),
            AlarmMessage a when a.Source.StartsWith("bin:", StringComparison.Ordinal) => ((string?)null, a.Source["bin:".Length..]),
            _ => (null, null),
        };
        if (port is null && bin is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (!_known.TryGetValue((message.Site, message.Gateway), out KnownIds? known))
            {
                known = new KnownIds();
                _known[(message.Site, message.Gateway)] = known;
            }

            return port is not null
                ? Add(known.Ports, port, limits.MaxPortsPerGateway, "port", "Hub:Limits:MaxPortsPerGateway")
                : Add(known.Bins, bin!, limits.MaxBinsPerGateway, "bin", "Hub:Limits:MaxBinsPerGateway");
        }
    }

    private static string? Add(HashSet<string> known, string id, int cap, string what, string key)
    {
        if (known.Contains(id))
        {
            return null;
        }

        if (known.Count >= cap)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{what} '{id}' would be this gateway's {what} number {cap + 1}; at most {cap} ({key})");
        }

        known.Add(id);
        return null;
    }

    private sealed class KnownIds
    {
        public HashSet<string> Ports { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Bins { get; } = new(StringComparer.Ordinal);
    }
}
