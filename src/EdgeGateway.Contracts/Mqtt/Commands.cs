using System.Text.Json.Serialization;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// The payload of a command on <c>edge/v1/{site}/{gw}/cmd/{name}</c>. Which fields a command needs is
/// checked by <see cref="ContractCommands.TryValidate"/>; the JSON is read by <see cref="ContractJson.TryDeserializeCommand"/>.
/// </summary>
public sealed record CommandRequest
{
    /// <summary>Contract version; optional in a request's JSON, and 1 when present.</summary>
    public int V { get; init; } = ContractTopics.ContractVersion;

    public string? Port { get; init; }

    /// <summary>Who asked (maintenance staff id or name).</summary>
    public string? Operator { get; init; }


    public string? Reason { get; init; }

    public string? AlarmId { get; init; }

    public string? Comment { get; init; }

    /// <summary>
    /// The command's id (a <see cref="ContractIds"/> id; the hub sends a GUID): a gateway applies a given id once and
    /// answers a replay with its first reply. Generic to every command (port orders included). Optional: added within v1.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>When the command was issued: a gateway whose clock is synchronised refuses one older than its window
    /// (<c>mqtt.commandMaxAgeSeconds</c>). Optional: added within v1.</summary>
    public DateTimeOffset? IssuedTs { get; init; }

    /// <summary>port_start: the platform's order (a <see cref="ContractIds"/> id); a start retried for an order whose session
    /// runs answers as the first start did. Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OrderId { get; init; }

    /// <summary>port_start: the card that pays (a <see cref="ContractIds"/> id). Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Card { get; init; }

    /// <summary>port_start: what the charge may use; the gateway ends it as <c>limit_reached</c> at the first limit reached. Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChargeLimit? Limit { get; init; }

    /// <summary>port_start: the price (needed by <see cref="ChargeLimit.AmountFen"/>). Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChargeTariff? Tariff { get; init; }

    /// <summary>upgrade: the version to install (the bundle's <c>edgegateway-VERSION-linux-arm64</c>). Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }

    /// <summary>upgrade: where the signed archive is downloaded from (https; http to a loopback host only). Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Url { get; init; }

    /// <summary>upgrade: the archive's SHA-256, 64 lowercase hex digits. Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; init; }

    /// <summary>upgrade: the archive's signature (sign-bundle.sh's <c>.sig</c>: ECDSA P-256 over SHA-256, DER), in base64. Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Signature { get; init; }
}

/// <summary>
/// The reply to a command, published to the request's MQTT 5 response topic with its correlation data.
/// Replies are not queued in the outbox and carry no <c>seq</c>.
/// </summary>
public sealed record CommandReply
{
    [JsonRequired]
    public int V { get; init; } = ContractTopics.ContractVersion;

    public required DateTimeOffset Ts { get; init; }

    /// <summary>The command name from the request topic.</summary>
    public required string Command { get; init; }

    /// <summary>True when the command was applied.</summary>
    public required bool Ok { get; init; }

    /// <summary>What was done, or why the command was refused.</summary>
    /// <summary>In English; readers that know <see cref="Reason"/> render that in their own language instead.</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>The message as a reason code with its parameters; null from gateways that predate it. Added within v1.</summary>
    public ContractReason? Reason { get; init; }

    /// <summary>The session a successful <c>port_start</c> opened (or, for an order already charging, is running). Optional: added within v1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SessionId { get; init; }

    public static CommandReply Applied(string command, DateTimeOffset ts, string message) => new() { Command = command, Ts = ts, Ok = true, Message = message };

    public static CommandReply Refused(string command, DateTimeOffset ts, string message) => new() { Command = command, Ts = ts, Ok = false, Message = message };

    /// <summary>An applied or refused reply saying <paramref name="reason"/>, with <paramref name="message"/> its English text.</summary>
    public static CommandReply Of(string command, DateTimeOffset ts, bool ok, ContractReason reason, string message) =>
        new() { Command = command, Ts = ts, Ok = ok, Message = message, Reason = reason };
}

/// <summary>The command names of contract v1 and the fields each one needs.</summary>
public static class ContractCommands
{
    /// <summary>Start a session on a port: needs <c>port</c>; <c>operator</c>, <c>order_id</c>, <c>card</c>, <c>limit</c> and <c>tariff</c> optional.</summary>
    public const string PortStart = "port_start";

    /// <summary>End a port's session as <c>user_stop</c> (no lock-out, unlike port_disable): needs <c>port</c>.</summary>
    public const string PortStop = "port_stop";

    /// <summary>Enable a disabled port: needs <c>port</c> and <c>operator</c>.</summary>
    public const string PortEnable = "port_enable";

    /// <summary>Disable a port (ends its session): needs <c>port</c> and <c>operator</c>.</summary>
    public const string PortDisable = "port_disable";

    /// <summary>Reset a locked-out port: needs <c>port</c>, <c>operator</c> and <c>reason</c>.</summary>
    public const string PortReset = "port_reset";

    /// <summary>Acknowledge an alarm: needs <c>alarm_id</c> and <c>operator</c>.</summary>
    public const string AlarmAck = "alarm_ack";

    /// <summary>Republish status and every port's and bin's state and telemetry now.</summary>
    public const string Snapshot = "snapshot";

    /// <summary>Reload the site file.</summary>
    public const string ReloadConfig = "reload_config";

    /// <summary>Download, verify and install a signed bundle: needs <c>version</c>, <c>url</c>, <c>sha256</c> and <c>signature</c>.</summary>
    public const string Upgrade = "upgrade";

    public static IReadOnlyList<string> All { get; } = [PortStart, PortStop, PortEnable, PortDisable, PortReset, AlarmAck, Snapshot, ReloadConfig, Upgrade];

    public static bool IsKnown(string? name) => name is not null && All.Contains(name, StringComparer.Ordinal);

    /// <summary>Checks that <paramref name="request"/> has what command <paramref name="name"/> needs; <paramref name="error"/> says what is missing.</summary>
    public static bool TryValidate(string name, CommandRequest request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        error = name switch
        {
            _ when !IsKnown(name) => $"unknown command '{name}'",
            _ when request.Id is not null && !ContractIds.IsValid(request.Id) => "id must be 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit",
            PortStart => NeedPort(request) ?? ChargeOrderRules.Check(request),
            PortStop => NeedPort(request),
            PortEnable or PortDisable => NeedPort(request) ?? Need(request.Operator, "operator"),
            PortReset => NeedPort(request) ?? Need(request.Operator, "operator") ?? Need(request.Reason, "reason"),
            AlarmAck => Need(request.AlarmId, "alarm_id")
                ?? (ContractIds.IsValid(request.AlarmId) ? null : "alarm_id must be 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit")
                ?? Need(request.Operator, "operator"),
            Upgrade => UpgradeRules.Check(request),
            _ => null,
        };
        return error is null;
    }

    private static string? NeedPort(CommandRequest request) =>
        Need(request.Port, "port") ?? (ContractTopics.IsValidSegment(request.Port) ? null : "port must be 1 to 64 of A-Z a-z 0-9 _ -, starting with a letter or digit");

    private static string? Need(string? value, string field) => string.IsNullOrWhiteSpace(value) ? $"{field} is required" : null;
}

/// <summary>What an <c>upgrade</c> request must carry, and in which form.</summary>
public static partial class UpgradeRules
{
    /// <summary>A bundle version as build-bundle.sh names it (<c>edgegateway-VERSION-linux-arm64</c>).</summary>
    public static bool IsValidVersion(string? version) => version is not null && VersionPattern().IsMatch(version);

    /// <summary>Null when <paramref name="request"/> is a well-formed upgrade; otherwise what is wrong.</summary>
    public static string? Check(CommandRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsValidVersion(request.Version))
        {
            return "version is required: 1 to 64 of A-Z a-z 0-9 . _ + -, starting with a letter or digit";
        }

        // The signature, not the transport, is what the gateway trusts; https still keeps the archive private and
        // plain http is allowed only to the machine itself (tests, a hub on the same host).
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out Uri? url) || request.Url!.Length > 1024
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
        {
            return "url is required: an https URL (http only to a loopback host), at most 1024 characters";
        }

        if (request.Sha256 is null || !Sha256Pattern().IsMatch(request.Sha256))
        {
            return "sha256 is required: 64 lowercase hex digits";
        }

        // A DER ECDSA P-256 signature is at most 72 bytes: 96 characters of base64.
        if (request.Signature is null || request.Signature.Length > 128 || !Convert.TryFromBase64String(request.Signature, new byte[96], out _))
        {
            return "signature is required: the bundle's .sig in base64";
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex VersionPattern();

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{64}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Sha256Pattern();
}
