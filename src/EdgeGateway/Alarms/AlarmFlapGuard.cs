using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using static System.FormattableString;

namespace EdgeGateway.Alarms;

/// <summary>What to publish when an alarm's condition goes away.</summary>
public enum FlapVerdict
{
    /// <summary>Publish the clear as usual.</summary>
    Publish,

    /// <summary>The alarm flaps: publish it again, raised and marked flapping (same id), instead of the clear.</summary>
    StartedFlapping,

    /// <summary>The alarm is flapping and stays raised: publish nothing.</summary>
    Suppressed,
}

/// <summary>
/// Flap detection for alarms, as pure code on monotonic time the caller passes in: an alarm (kind and source) that was
/// raised and cleared more than <see cref="AlarmFlapPolicy.MaxCycles"/> times within <see cref="AlarmFlapPolicy.Window"/>
/// is not cleared; it is published once more, raised and <see cref="Alarm.Flapping"/>, and held raised — its condition
/// coming and going publishes nothing — until the condition has stayed away for <see cref="AlarmFlapPolicy.Hold"/>
/// (<see cref="Settle"/>), when one clear says it was flapping. One alarm, one notice, not thirty. An alarm raised again
/// within the window after that clear is raised flapping at once: the same storm, resumed.
/// </summary>
/// <remarks>
/// The guard decides what is published, never what protection does: callers keep acting on the condition itself (a
/// flapping smoke alarm whose detector reads clear no longer locks the shed out), and show <see cref="Held"/> beside the
/// alarms whose condition is present. An operator's clear (<see cref="Release"/>) is not flapping and always goes out.
/// </remarks>
public sealed class AlarmFlapGuard(Func<AlarmKind, AlarmFlapPolicy>? policy = null)
{
    private readonly Func<AlarmKind, AlarmFlapPolicy> _policy = policy ?? (_ => AlarmFlapPolicy.Default);
    private readonly Dictionary<(AlarmKind Kind, string Source), Track> _tracks = [];
    private int _held;

    /// <summary>The flapping alarms held raised.</summary>
    public IEnumerable<Alarm> Held => _held == 0 ? [] : _tracks.Values.Where(t => t.Held is not null).Select(t => t.Held!);

    /// <summary>True while the alarm of <paramref name="kind"/> at <paramref name="source"/> is held raised as flapping.</summary>
    public bool IsFlapping(AlarmKind kind, string source) => _tracks.TryGetValue((kind, source), out Track? t) && t.Held is not null;

    /// <summary>
    /// The condition of <paramref name="candidate"/>'s kind and source is present. Returns the alarm that stands for it:
    /// <paramref name="candidate"/>, to publish as raised (<paramref name="publish"/> true), or the flapping alarm still
    /// held raised, with nothing to publish. When the alarm flaps from its raise, <paramref name="flapping"/> is the
    /// update to publish right after the raise (a raise marked flapping always updates an alarm already raised).
    /// </summary>
    public Alarm OnRaised(Alarm candidate, TimeSpan now, out bool publish, out Alarm? flapping)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        flapping = null;
        (AlarmKind, string) key = (candidate.Kind, candidate.Source);
        if (!_tracks.TryGetValue(key, out Track? track))
        {
            _tracks[key] = track = new Track();
        }

        if (track.Held is { } held)
        {
            track.AbsentSince = null;
            track.Cycles++;
            publish = false;
            return held;
        }

        publish = true;
        AlarmFlapPolicy p = _policy(candidate.Kind);
        if (track.SettledAt is { } settled && now - settled <= p.Window)
        {
            // Back within the window after a flapping alarm cleared: the storm goes on, so this alarm flaps from its
            // raise rather than after three more cycles.
            track.SettledAt = null;
            track.Cycles = 1;
            track.Held = flapping = candidate with
            {
                Flapping = true,
                Detail = Invariant($"{candidate.Detail}; flapping: back within {AlarmFlapPolicy.Minutes(p.Window)} of a flapping alarm's clear, kept raised until clear for {AlarmFlapPolicy.Minutes(p.Hold)}"),
            };
            _held++;
            return flapping;
        }

        track.Raises.Enqueue(now);
        return candidate;
    }

    /// <summary>
    /// The condition of <paramref name="alarm"/> went away (<paramref name="reason"/>). Says whether to publish the clear,
    /// to publish <paramref name="flapping"/> (the same alarm, raised and marked flapping) instead, or nothing.
    /// </summary>
    public FlapVerdict OnCleared(Alarm alarm, string reason, TimeSpan now, out Alarm? flapping)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        flapping = null;
        if (!_tracks.TryGetValue((alarm.Kind, alarm.Source), out Track? track))
        {
            return FlapVerdict.Publish;
        }

        if (track.Held is not null)
        {
            track.AbsentSince ??= now;
            track.LastReason = reason;
            return FlapVerdict.Suppressed;
        }

        AlarmFlapPolicy p = _policy(alarm.Kind);
        while (track.Raises.Count > 0 && now - track.Raises.Peek() > p.Window)
        {
            track.Raises.Dequeue();
        }

        if (track.Raises.Count <= p.MaxCycles)
        {
            return FlapVerdict.Publish;
        }

        track.Cycles = track.Raises.Count;
        track.Raises.Clear();
        track.AbsentSince = now;
        track.LastReason = reason;
        track.Held = flapping = alarm with
        {
            Flapping = true,
            Detail = Invariant($"{alarm.Detail}; flapping: {p.Describe(track.Cycles)}, kept raised until clear for {AlarmFlapPolicy.Minutes(p.Hold)}"),
        };
        _held++;
        return FlapVerdict.StartedFlapping;
    }

    /// <summary>The flapping alarms whose condition has now stayed away for the hold time, each with its clear reason; they are no longer held.</summary>
    public IReadOnlyList<(Alarm Alarm, string Reason)> Settle(TimeSpan now)
    {
        if (_held == 0)
        {
            return [];
        }

        List<(Alarm, string)>? settled = null;
        foreach (((AlarmKind kind, string source), Track track) in _tracks)
        {
            AlarmFlapPolicy p = _policy(kind);
            if (track.Held is { } held && track.AbsentSince is { } since && now - since >= p.Hold)
            {
                string raised = track.Cycles == 1 ? "once" : Invariant($"{track.Cycles} times");
                (settled ??= []).Add((held, Invariant($"{track.LastReason} (was flapping: raised {raised}, then clear for {AlarmFlapPolicy.Minutes(p.Hold)})")));
            }
        }

        foreach ((Alarm alarm, string _) in settled ?? [])
        {
            // Remembered for a window: a raise soon after is the same storm (OnRaised).
            Track track = _tracks[(alarm.Kind, alarm.Source)];
            track.Held = null;
            track.AbsentSince = null;
            track.Cycles = 0;
            track.SettledAt = now;
            _held--;
        }

        return settled ?? [];
    }

    /// <summary>
    /// Raises <paramref name="candidate"/> through the guard and publishes what <see cref="OnRaised"/> decided, stamped
    /// <paramref name="wall"/>; returns the alarm that stands for the condition (the caller keeps it as raised).
    /// </summary>
    public Alarm Raise(Alarm candidate, TimeSpan now, DateTimeOffset wall, IGatewayEventSink events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Alarm standing = OnRaised(candidate, now, out bool publish, out Alarm? flapping);
        if (publish)
        {
            events.Publish(new AlarmRaised(wall, candidate));
        }

        if (flapping is not null)
        {
            events.Publish(new AlarmRaised(wall, flapping));
        }

        return standing;
    }

    /// <summary>Clears <paramref name="alarm"/> through the guard: publishes the clear, or the alarm raised again as flapping, or nothing while it flaps.</summary>
    public void Clear(Alarm alarm, ContractReason reason, TimeSpan now, DateTimeOffset wall, IGatewayEventSink events)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(reason);
        string text = ReasonText.Detail(reason);
        switch (OnCleared(alarm, text, now, out Alarm? flapping))
        {
            case FlapVerdict.Publish:
                events.Publish(new AlarmCleared(wall, alarm, text) { Code = reason });
                break;
            case FlapVerdict.StartedFlapping:
                _tracks[(alarm.Kind, alarm.Source)].LastCode = reason;
                events.Publish(new AlarmRaised(wall, flapping!));
                break;
            case FlapVerdict.Suppressed:
                _tracks[(alarm.Kind, alarm.Source)].LastCode = reason;
                break;
        }
    }

    /// <summary>Publishes the clear of each flapping alarm whose condition has stayed away for the hold time (<see cref="Settle"/>).</summary>
    public void PublishSettled(TimeSpan now, DateTimeOffset wall, IGatewayEventSink events)
    {
        ArgumentNullException.ThrowIfNull(events);
        // The code of the condition's own clear: the English text adds that the alarm was flapping, which a reader of
        // the code sees from the alarm's flapping mark.
        Dictionary<(AlarmKind, string), ContractReason?> codes = _tracks.Where(t => t.Value.Held is not null).ToDictionary(t => t.Key, t => t.Value.LastCode);
        foreach ((Alarm alarm, string reason) in Settle(now))
        {
            events.Publish(new AlarmCleared(wall, alarm, reason) { Code = codes.GetValueOrDefault((alarm.Kind, alarm.Source)) });
        }
    }

    /// <summary>An operator cleared the alarm: forget its history; returns the flapping alarm that was held, if any, to clear it.</summary>
    public Alarm? Release(AlarmKind kind, string source)
    {
        if (!_tracks.Remove((kind, source), out Track? track) || track.Held is not { } held)
        {
            return null;
        }

        _held--;
        return held;
    }

    /// <summary><see cref="Release"/> for every kind at <paramref name="source"/>.</summary>
    public IReadOnlyList<Alarm> ReleaseAll(string source)
    {
        (AlarmKind Kind, string Source)[] keys = [.. _tracks.Keys.Where(k => k.Source == source)];
        var held = new List<Alarm>();
        foreach ((AlarmKind kind, string s) in keys)
        {
            if (Release(kind, s) is { } alarm)
            {
                held.Add(alarm);
            }
        }

        return held;
    }

    private sealed class Track
    {
        /// <summary>Monotonic times of the raises within the window (while not flapping).</summary>
        public Queue<TimeSpan> Raises { get; } = new();

        public Alarm? Held { get; set; }

        public TimeSpan? AbsentSince { get; set; }

        public int Cycles { get; set; }

        public string? LastReason { get; set; }

        /// <summary>The code of <see cref="LastReason"/>, when the clear came with one.</summary>
        public ContractReason? LastCode { get; set; }

        /// <summary>When the last flapping alarm of this kind and source cleared.</summary>
        public TimeSpan? SettledAt { get; set; }
    }
}
