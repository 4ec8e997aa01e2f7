using System.Globalization;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Commands;

/// <summary>
/// Stops a command from being applied twice: one whose <c>issued_ts</c> is older than the window is refused, and one whose
/// <c>id</c> was applied already is answered with its first reply. The ids of the last <see cref="Capacity"/> commands are
/// kept in memory: a replay must arrive within the window to be more than refused as expired, and the window (minutes)
/// holds far fewer commands than that. After a restart the ids are gone; a replay inside the window is then applied
/// again (docs/security.md).
/// </summary>
public sealed class CommandReplayGuard(int capacity = CommandReplayGuard.DefaultCapacity)
{
    public const int DefaultCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, CommandReply> _replies = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Capacity => capacity;

    /// <summary>
    /// Why <paramref name="request"/> is too old (or too far ahead) to apply, or null. Judged only on a synchronised wall
    /// clock (<paramref name="clockSynchronized"/> true): a gateway still on the time it booted with cannot tell a command's
    /// age, so it applies it (the id still stops a replay). A request without <c>issued_ts</c> is not judged.
    /// </summary>
    public static string? Expired(CommandRequest request, DateTimeOffset now, TimeSpan maxAge, bool? clockSynchronized)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (clockSynchronized != true || request.IssuedTs is not { } issued)
        {
            return null;
        }

        TimeSpan age = now - issued;
        return age > maxAge || -age > maxAge
            ? string.Create(CultureInfo.InvariantCulture,
                $"expired: issued at {ContractTime.Format(issued)}, {age.TotalSeconds:0} s from this gateway's clock; the window is {maxAge.TotalSeconds:0} s (mqtt.commandMaxAgeSeconds)")
            : null;
    }

    /// <summary>The first reply to the command of this id, when it was applied already.</summary>
    public bool TryGetReply(string? id, out CommandReply? reply)
    {
        reply = null;
        if (id is null)
        {
            return false;
        }

        lock (_gate)
        {
            return _replies.TryGetValue(id, out reply);
        }
    }

    /// <summary>Remembers the reply to the command of this id (the oldest id is forgotten beyond <see cref="Capacity"/>).</summary>
    public void Remember(string? id, CommandReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (id is null)
        {
            return;
        }

        lock (_gate)
        {
            if (!_replies.TryAdd(id, reply))
            {
                return;
            }

            _order.Enqueue(id);
            while (_order.Count > capacity)
            {
                _replies.Remove(_order.Dequeue());
            }
        }
    }
}
