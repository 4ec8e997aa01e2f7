namespace EdgeGateway.Contracts.Mqtt;

/// <summary>What a contract topic carries.</summary>
public enum ContractTopicKind
{
    Status,
    PortTelemetry,
    PortState,
    BinTelemetry,
    BinState,
    Alarms,
    Sessions,
    Command,

    /// <summary><c>sessions/resumed</c>: a session carried on after a restart.</summary>
    SessionResumed,

    /// <summary><c>cards</c>: the hub's retained list of the prepaid cards a gateway's card terminal accepts.</summary>
    Cards,
}

/// <summary>A parsed contract topic. <see cref="Port"/>, <see cref="Bin"/> and <see cref="CommandName"/> are set only for the kinds that have them.</summary>
public readonly record struct ContractTopic(
    string Site,
    string Gateway,
    ContractTopicKind Kind,
    string? Port = null,
    string? Bin = null,
    string? CommandName = null);

/// <summary>
/// The topics of MQTT contract v1: <c>edge/v1/{site}/{gw}/...</c>. Every segment (site, gateway, port, bin,
/// command name) is a <see cref="ContractIds"/> id (1 to 64 of <c>[A-Za-z0-9_-]</c>, starting with a letter or digit), so
/// wildcards, empty and overlong segments never build or parse.
/// </summary>
public static class ContractTopics
{
    /// <summary>The contract version carried in every payload's <c>v</c> and in the topic root.</summary>
    public const int ContractVersion = 1;

    /// <summary>The root every v1 topic starts with.</summary>
    public const string Root = "edge/v1";

    public static string Status(string site, string gw) => Gateway(site, gw) + "/status";

    public static string PortTelemetry(string site, string gw, string port) => Gateway(site, gw) + "/ports/" + Segment(port, nameof(port)) + "/telemetry";

    public static string PortState(string site, string gw, string port) => Gateway(site, gw) + "/ports/" + Segment(port, nameof(port)) + "/state";

    public static string BinTelemetry(string site, string gw, string bin) => Gateway(site, gw) + "/bins/" + Segment(bin, nameof(bin)) + "/telemetry";

    public static string BinState(string site, string gw, string bin) => Gateway(site, gw) + "/bins/" + Segment(bin, nameof(bin)) + "/state";

    public static string Alarms(string site, string gw) => Gateway(site, gw) + "/alarms";

    public static string Sessions(string site, string gw) => Gateway(site, gw) + "/sessions";

    public static string SessionsResumed(string site, string gw) => Gateway(site, gw) + "/sessions/resumed";

    /// <summary><c>edge/v1/{site}/{gw}/cards</c>: written by the hub, retained; see <see cref="CardListMessage"/>.</summary>
    public static string Cards(string site, string gw) => Gateway(site, gw) + "/cards";

    public static string Command(string site, string gw, string name) => Gateway(site, gw) + "/cmd/" + Segment(name, nameof(name));

    /// <summary>The subscription a gateway makes for its commands: <c>edge/v1/{site}/{gw}/cmd/+</c>.</summary>
    public static string CommandFilter(string site, string gw) => Gateway(site, gw) + "/cmd/+";

    /// <summary>Everything one gateway publishes and receives: <c>edge/v1/{site}/{gw}/#</c>.</summary>
    public static string GatewayFilter(string site, string gw) => Gateway(site, gw) + "/#";

    /// <summary>True when <paramref name="segment"/> is a valid topic segment: a <see cref="ContractIds"/> id (one to 64 of
    /// <c>[A-Za-z0-9_-]</c>, starting with a letter or digit).</summary>
    public static bool IsValidSegment(string? segment) => ContractIds.IsValid(segment);

    /// <summary>Parses a v1 topic. Returns false for anything else: another root or version, bad segments, wildcards, extra or missing levels.</summary>
    public static bool TryParse(string? topic, out ContractTopic parsed)
    {
        parsed = default;
        if (string.IsNullOrEmpty(topic) || !topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return false;
        }

        string[] parts = topic[(Root.Length + 1)..].Split('/');
        if (parts.Length < 3 || !parts.All(IsValidSegment))
        {
            return false;
        }

        string site = parts[0];
        string gw = parts[1];
        switch (parts.Length)
        {
            case 3:
                ContractTopicKind? kind = parts[2] switch
                {
                    "status" => ContractTopicKind.Status,
                    "alarms" => ContractTopicKind.Alarms,
                    "sessions" => ContractTopicKind.Sessions,
                    "cards" => ContractTopicKind.Cards,
                    _ => null,
                };
                if (kind is null)
                {
                    return false;
                }

                parsed = new ContractTopic(site, gw, kind.Value);
                return true;

            case 4 when parts[2] == "sessions" && parts[3] == "resumed":
                parsed = new ContractTopic(site, gw, ContractTopicKind.SessionResumed);
                return true;

            case 4 when parts[2] == "cmd":
                parsed = new ContractTopic(site, gw, ContractTopicKind.Command, CommandName: parts[3]);
                return true;

            case 5 when parts[2] == "ports":
                if (parts[4] is not ("telemetry" or "state"))
                {
                    return false;
                }

                parsed = new ContractTopic(site, gw, parts[4] == "telemetry" ? ContractTopicKind.PortTelemetry : ContractTopicKind.PortState, Port: parts[3]);
                return true;

            case 5 when parts[2] == "bins":
                if (parts[4] is not ("telemetry" or "state"))
                {
                    return false;
                }

                parsed = new ContractTopic(site, gw, parts[4] == "telemetry" ? ContractTopicKind.BinTelemetry : ContractTopicKind.BinState, Bin: parts[3]);
                return true;

            default:
                return false;
        }
    }

    private static string Gateway(string site, string gw) => Root + "/" + Segment(site, nameof(site)) + "/" + Segment(gw, nameof(gw));

    private static string Segment(string value, string name) =>
        IsValidSegment(value) ? value : throw new ArgumentException($"'{value}' is not a valid topic segment: use 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit.", name);
}
