using System.Text.Json.Serialization;
using EdgeGateway.Events;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Hosting;

namespace EdgeGateway.Protection;

/// <summary>
/// One open session as the journal last wrote it. <see cref="WrittenAt"/> is the shed's wall clock at the write;
/// <see cref="BootId"/> and <see cref="UptimeMs"/> are the machine's boot and its monotonic clock at the same moment,
/// which measure an outage within one boot (a crash, <c>systemctl restart</c>) whatever the wall clock does.
/// <see cref="StoppedAt"/> is set when the gateway stopped cleanly with the session open.
/// </summary>
public sealed record JournalledSession(
    string Id,
    string PortId,
    DateTimeOffset StartedAt,
    double EnergyWh,
    double PeakPowerW,
    DateTimeOffset WrittenAt,
    string? BootId,
    long? UptimeMs,
    DateTimeOffset? StoppedAt = null)
{
    /// <summary>The order, card, limit and tariff the session was started with: a resumed session keeps its limit.</summary>
    public ChargeOrder? Order { get; init; }
}

/// <summary>
/// The machine the gateway runs on: which boot this is (<c>/proc/sys/kernel/random/boot_id</c>) and its monotonic
/// clock in milliseconds since that boot. A simulated shed has no boot of its own (<see cref="None"/>): its outages
/// are measured on its own wall clock.
/// </summary>
public sealed record BootClock(string? Id, Func<long> UptimeMs)
{
    public static BootClock None { get; } = new(null, () => 0);

    /// <summary>This Linux machine's boot; <see cref="None"/> where the kernel does not say.</summary>
    public static BootClock OfThisMachine() =>
        BootId.Read(BootId.KernelPath) is { } id ? new BootClock(id, () => Environment.TickCount64) : None;
}

/// <summary>
/// Keeps the open charging sessions in the data directory (断电续充), so a session open when the gateway goes down — a
/// crash, a watchdog restart, a power cut, an upgrade — can be carried on when it comes back, or else closed with the
/// energy it had. Written atomically (temp file, fsync, rename) when a session starts, ends, resumes or is suspended at
/// a clean stop, and every <see cref="EnergyPeriod"/> of shed time while one is open (its energy and peak, from the
/// protection snapshot). It learns everything from the event stream and the snapshot, off the sampling path: the
/// sampling thread never waits on this disk.
/// </summary>
/// <remarks>
/// It is registered before the MQTT link, so a closed session leaves the journal before its report enters the outbox:
/// a crash between the two loses that one report rather than resuming a session the hub was told had ended.
/// </remarks>
public sealed class SessionJournal : BackgroundService, IGatewayEventSubscriber
{
    public const string FileName = "sessions.json";

    /// <summary>How often (shed time) the energy of open sessions is written: the most a crash can lose.</summary>
    public static readonly TimeSpan EnergyPeriod = TimeSpan.FromSeconds(30);

    private readonly string _path;
    private readonly Dictionary<string, JournalledSession> _open;
    private readonly TimeProvider _time;
    private readonly BootClock _boot;
    private readonly Func<ShedSnapshot> _snapshot;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private long _lastWrite;

    public SessionJournal(string dataDirectory, IEnumerable<JournalledSession> restored, TimeProvider time, BootClock boot, Func<ShedSnapshot> snapshot)
    {
        _path = Path.Combine(dataDirectory, FileName);
        _open = restored.ToDictionary(s => s.Id, StringComparer.Ordinal);
        _time = time;
        _boot = boot;
        _snapshot = snapshot;
        _lastWrite = time.GetTimestamp();
    }

    /// <summary>The sessions the journal holds now (for tests and diagnostics).</summary>
    public IReadOnlyList<JournalledSession> Open
    {
        get
        {
            lock (_open)
            {
                return [.. _open.Values];
            }
        }
    }

    /// <summary>
    /// Reads the sessions saved in <paramref name="dataDirectory"/>. A file that cannot be read is moved aside (kept for
    /// inspection) and reported in <paramref name="problem"/>; the gateway then starts with nothing to resume.
    /// </summary>
    public static IReadOnlyList<JournalledSession> Load(string dataDirectory, out string? problem)
    {
        JournalledSession[] sessions = JournalFile.Load(
            Path.Combine(dataDirectory, FileName),
            SessionJournalJsonContext.Default.JournalledSessionArray,
            s => s is null || s.Any(x => x is null || string.IsNullOrEmpty(x.Id) || string.IsNullOrEmpty(x.PortId)) ? "a session without an id or port" : null,
            out problem);
        problem = problem is null ? null : problem + "; no session resumes";
        return sessions;
    }

    /// <summary>
    /// How long the gateway was down after <paramref name="session"/> was last written, or null when that cannot be
    /// told. Within one boot the machine's monotonic clock says it exactly. Across boots only the wall clock can, and a
    /// wall clock earlier than the last write (a Pi without a real-time clock boots with the time fake-hwclock saved,
    /// before the outage; or the clock was set back) measures nothing: such a session is not resumed. Nor does a wall
    /// clock that is not <paramref name="wallClockTrusted"/> (not synchronised and no RTC behind it): fake-hwclock's saved
    /// time plus the boot can land anywhere after the last write, and a made-up outage of a few minutes must not switch a
    /// socket back on after hours or days in which anyone may have plugged anything into it.
    /// </summary>
    public static TimeSpan? OutageOf(JournalledSession session, DateTimeOffset now, BootClock boot, bool wallClockTrusted = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(boot);
        if (boot.Id is { } id && session.BootId == id && session.UptimeMs is { } then && boot.UptimeMs() >= then)
        {
            return TimeSpan.FromMilliseconds(boot.UptimeMs() - then);
        }

        if (!wallClockTrusted)
        {
            return null;
        }

        TimeSpan wall = now - session.WrittenAt;
        return wall >= TimeSpan.Zero ? wall : null;
    }

    public async ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        bool changed;
        lock (_open)
        {
            changed = gatewayEvent switch
            {
                SessionStarted s => _open.TryAdd(s.SessionId, Stamp(new JournalledSession(s.SessionId, s.PortId, s.At, 0, 0, default, null, null) { Order = s.Order })),
                SessionClosed { Session: var s } => _open.Remove(s.Id),
                SessionResumed s => Replace(new JournalledSession(s.SessionId, s.PortId, s.StartedAt, s.EnergyWh, s.PeakPowerW, default, null, null)),
                SessionSuspended s => Replace(new JournalledSession(s.SessionId, s.PortId, s.StartedAt, s.EnergyWh, s.PeakPowerW, default, null, null, s.At)),
                _ => false,
            };
        }

        if (changed)
        {
            await SaveAsync(cancellationToken);
        }
    }

    /// <summary>Writes the open sessions' energy and peak as the protection snapshot has them (a no-op with none open).</summary>
    public async Task WriteEnergyAsync(CancellationToken cancellationToken)
    {
        ShedSnapshot snapshot = _snapshot();
        lock (_open)
        {
            if (_open.Count == 0)
            {
                return;
            }

            foreach (Events.PortSnapshot port in snapshot.Ports)
            {
                // Only the session the journal knows on that port: a snapshot never brings back a session whose end the
                // journal has already handled, and a suspended session keeps the energy it was stopped with.
                if (port.SessionId is { } id && _open.TryGetValue(id, out JournalledSession? known) && known.StoppedAt is null && port.SessionEnergyWh >= known.EnergyWh)
                {
                    _open[id] = Stamp(known with { EnergyWh = port.SessionEnergyWh, PeakPowerW = Math.Max(known.PeakPowerW, port.SessionPeakPowerW) });
                }
            }
        }

        await SaveAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time paces the checks; shed time (which a simulation runs faster) decides when a write is due.
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken))
            {
                if (_time.GetElapsedTime(Interlocked.Read(ref _lastWrite)) >= EnergyPeriod)
                {
                    await WriteEnergyAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the stop itself is journalled through the event stream (SessionSuspended).
        }
    }

    public override void Dispose()
    {
        _writing.Dispose();
        base.Dispose();
    }

    private bool Replace(JournalledSession session)
    {
        // A resume or a suspension knows the session's energy, not its order: the order it was started with stays.
        if (session.Order is null && _open.TryGetValue(session.Id, out JournalledSession? known))
        {
            session = session with { Order = known.Order };
        }

        _open[session.Id] = Stamp(session);
        return true;
    }

    private JournalledSession Stamp(JournalledSession session) =>
        session with { WrittenAt = _time.GetUtcNow(), BootId = _boot.Id, UptimeMs = _boot.Id is null ? null : _boot.UptimeMs() };

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            JournalledSession[] sessions;
            lock (_open)
            {
                sessions = [.. _open.Values];
            }

            await JournalFile.SaveAsync(_path, sessions, SessionJournalJsonContext.Default.JournalledSessionArray, cancellationToken);
            Interlocked.Exchange(ref _lastWrite, _time.GetTimestamp());
        }
        finally
        {
            _writing.Release();
        }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JournalledSession[]))]
internal sealed partial class SessionJournalJsonContext : JsonSerializerContext;
