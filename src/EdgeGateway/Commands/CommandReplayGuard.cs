using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;

namespace EdgeGateway.Commands;

/// <summary>
/// Stops a command from being applied twice: one whose <c>issued_ts</c> is older than the window is refused, and one whose
/// <c>id</c> was applied already is answered with its first reply. The ids of the last <see cref="Capacity"/> commands are
/// kept, and with a journal file they survive a restart: each applied id is appended (one JSON line, flushed before the
/// reply goes out) and read back at start, so a replay that arrives after the gateway restarted within the window is
/// still answered with its first reply instead of being applied again. Commands are rare (an operator's click): a line
/// per command costs nothing, and the file is rewritten with the newest ids once it holds twice the capacity.
/// </summary>
public sealed class CommandReplayGuard
{
    public const int DefaultCapacity = 1024;

    /// <summary>The journal's name in the data directory.</summary>
    public const string FileName = "command-ids.jsonl";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, CommandReply> _replies = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly string? _journal;
    private int _journalLines;

    /// <param name="journal">Where applied ids are kept across restarts (null: in memory only). A journal that cannot be
    /// read is started afresh (a replay inside the window would then be applied again, as without one), never a reason
    /// not to start.</param>
    /// <param name="capacity">How many ids are remembered.</param>
    public CommandReplayGuard(string? journal = null, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _journal = journal;
        if (journal is not null)
        {
            Load(journal);
        }
    }

    public int Capacity { get; }

    /// <summary>What was wrong with the journal at start (a torn last line after a power cut is not wrong), or null.</summary>
    public string? JournalProblem { get; private set; }

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

    /// <summary>Remembers the reply to the command of this id (the oldest id is forgotten beyond <see cref="Capacity"/>), in the journal too.</summary>
    public void Remember(string? id, CommandReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (id is null)
        {
            return;
        }

        lock (_gate)
        {
            if (!Add(id, reply) || _journal is null)
            {
                return;
            }

            try
            {
                if (_journalLines >= 2 * Capacity)
                {
                    Rewrite(_journal);
                }
                else
                {
                    using var file = new FileStream(_journal, FileMode.Append, FileAccess.Write, FileShare.Read);
                    file.Write(Line(id, reply));
                    file.Flush(flushToDisk: true);
                    _journalLines++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The id is remembered in memory; only a restart within the window would forget it.
                JournalProblem = $"{_journal}: {ex.Message}";
            }
        }
    }

    private bool Add(string id, CommandReply reply)
    {
        if (!_replies.TryAdd(id, reply))
        {
            return false;
        }

        _order.Enqueue(id);
        while (_order.Count > Capacity)
        {
            _replies.Remove(_order.Dequeue());
        }

        return true;
    }

    private static byte[] Line(string id, CommandReply reply)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WritePropertyName("reply");
            json.WriteRawValue(ContractJson.Serialize(reply), skipInputValidation: true);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private void Load(string journal)
    {
        if (!File.Exists(journal))
        {
            return;
        }

        try
        {
            string text = File.ReadAllText(journal, Encoding.UTF8);
            string[] lines = text.Split('\n');
            int complete = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
            for (int i = 0; i < complete; i++)
            {
                if (TryRead(lines[i], out string? id, out CommandReply? reply))
                {
                    Add(id!, reply!);
                }
                else if (i < complete - 1 || text.EndsWith('\n'))
                {
                    // Only an unfinished last line is expected (a power cut while appending): anything else is worth saying.
                    JournalProblem ??= $"{journal}:{i + 1}: not an applied command id; skipped";
                }
            }

            _journalLines = complete;
            if (!text.EndsWith('\n') && text.Length > 0)
            {
                // The next line must not be appended to the torn one: start the file again from what was read.
                Rewrite(journal);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            JournalProblem = $"{journal}: {ex.Message}; starting without the ids applied before";
        }
    }

    private static bool TryRead(string line, out string? id, out CommandReply? reply)
    {
        id = null;
        reply = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("id", out JsonElement idElement) && idElement.GetString() is { Length: > 0 } readId
                && document.RootElement.TryGetProperty("reply", out JsonElement replyElement)
                && ContractJson.TryDeserialize(Encoding.UTF8.GetBytes(replyElement.GetRawText()), out reply, out _)
                && (id = readId) is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The newest <see cref="Capacity"/> ids, written to a new file that replaces the journal (a rename is atomic).</summary>
    private void Rewrite(string journal)
    {
        string next = journal + ".new";
        using (var file = new FileStream(next, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (string id in _order)
            {
                file.Write(Line(id, _replies[id]));
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(next, journal, overwrite: true);
        _journalLines = _order.Count;
    }
}
