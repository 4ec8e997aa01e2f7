using System.Reflection;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>The JSON Schemas (draft 2020-12) of contract v1, embedded in this assembly.</summary>
public static class ContractSchemas
{
    private const string Prefix = "EdgeGateway.Contracts.Mqtt.Schemas.";
    private const string Suffix = ".schema.json";

    /// <summary>The schema names: status, port_telemetry, port_state, bin_telemetry, bin_state, alarm, session, session_resumed, command_request, command_reply, cards.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. typeof(ContractSchemas).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.Ordinal))
            .Select(name => name[Prefix.Length..^Suffix.Length])
            .Order(StringComparer.Ordinal)];

    /// <summary>The schema text for <paramref name="name"/> (<c>status</c> or <c>status.schema.json</c>).</summary>
    /// <exception cref="KeyNotFoundException">No schema has that name.</exception>
    public static string Text(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string bare = name.EndsWith(Suffix, StringComparison.Ordinal) ? name[..^Suffix.Length] : name;
        Assembly assembly = typeof(ContractSchemas).Assembly;
        using Stream stream = assembly.GetManifestResourceStream(Prefix + bare + Suffix)
            ?? throw new KeyNotFoundException($"No contract schema named '{name}'. Known: {string.Join(", ", Names)}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The schema that describes messages of type <typeparamref name="T"/>.</summary>
    public static string NameFor<T>() => typeof(T).Name switch
    {
        nameof(StatusMessage) => "status",
        nameof(PortTelemetryMessage) => "port_telemetry",
        nameof(PortStateMessage) => "port_state",
        nameof(BinTelemetryMessage) => "bin_telemetry",
        nameof(BinStateMessage) => "bin_state",
        nameof(AlarmMessage) => "alarm",
        nameof(SessionMessage) => "session",
        nameof(SessionResumedMessage) => "session_resumed",
        nameof(CommandRequest) => "command_request",
        nameof(CommandReply) => "command_reply",
        nameof(CardListMessage) => "cards",
        _ => throw new NotSupportedException($"{typeof(T).Name} is not a contract v1 message."),
    };
}
