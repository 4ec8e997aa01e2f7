using System.Text.Json.Serialization;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;

namespace EdgeGateway.Protection;

/// <summary>
/// Keeps the latched port alarms (the lockouts: overload, short circuit, malicious load, relay
/// fault) in the data directory, so a port locked out before a restart, a crash or a power cut is
/// still locked out after it — only an operator's port_reset brings it back. It learns them from the
/// event stream, off the sampling path, and writes the file atomically (<see cref="JournalFile"/>).
/// </summary>
public sealed class LockoutJournal : IGatewayEventSubscriber
{
    public const string FileName = "lockouts.json";

    private readonly string _path;
    private readonly Dictionary<string, Alarm> _latched;

    public LockoutJournal(string dataDirectory, IEnumerable<Alarm> restored)
    {
        _path = Path.Combine(dataDirectory, FileName);
        _latched = restored.ToDictionary(a => a.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads the lockouts saved in <paramref name="dataDirectory"/>. A file that cannot be read is
    /// moved aside (kept for inspection) and reported in <paramref name="problem"/>; the gateway then
    /// starts with no lockouts rather than not at all.
    /// </summary>
    public static IReadOnlyList<Alarm> Load(string dataDirectory, out string? problem) =>
        [.. JournalFile.Load(Path.Combine(dataDirectory, FileName), LockoutJsonContext.Default.AlarmArray, _ => null, out problem).Where(a => a.Kind.LatchesUntilReset())];

    public async ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        bool changed = gatewayEvent switch
        {
            AlarmRaised { Alarm: var a } when a.Kind.LatchesUntilReset() && a.Source.StartsWith("port:", StringComparison.Ordinal) => _latched.TryAdd(a.Id, a),
            AlarmCleared { Alarm: var a } => _latched.Remove(a.Id),
            _ => false,
        };

        if (changed)
        {
            await SaveAsync(cancellationToken);
        }
    }

    private Task SaveAsync(CancellationToken cancellationToken) =>
        JournalFile.SaveAsync(_path, [.. _latched.Values], LockoutJsonContext.Default.AlarmArray, cancellationToken);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Alarm[]))]
internal sealed partial class LockoutJsonContext : JsonSerializerContext;
