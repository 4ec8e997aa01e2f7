using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using static System.FormattableString;

namespace EdgeGateway.Protection;

// 断电续充: sessions that were open when the gateway went down, carried on after the restart or closed with the energy
// they had; and the clean stop that keeps them open for that.
public sealed partial class ShedProtection
{
    private bool _shedSensorsRead;
    private bool _suspended;
    private bool _sessionsAwaitClock;

    /// <summary>
    /// Takes over the sessions the journal held when the gateway went down. Call after
    /// <see cref="ApplyConfiguration"/> (every relay open, lockouts restored) and before sampling starts. A session
    /// resumes when resuming is on, its outage is known and within the window, its port exists, is not locked out,
    /// disabled or in fault: the port shows it charging again at once, with the relay still open, and the relay closes
    /// at the end of the first round in which the port's meter read plausibly through the open relay and the shed's
    /// sensors saw neither smoke nor over-temperature (<see cref="CloseResumedRelays"/>); the first measurement after
    /// that is checked for short circuit and overload like any other. Every other session is closed at once, with the
    /// energy and the end of its last journal write, as <see cref="SessionEndReason.Shutdown"/> when the gateway had
    /// stopped cleanly and <see cref="SessionEndReason.PowerLoss"/> otherwise.
    /// </summary>
    /// <param name="sessions">The journalled sessions, each with its outage (null when it cannot be measured).</param>
    /// <param name="outageAwaitsClock">
    /// The outages that cannot be measured are unknown only because the wall clock is not trusted yet (not synchronised, no
    /// RTC): such a session is held, relay open, until <see cref="WallClockTrusted"/> says how long the shed was off (then it
    /// resumes or ends as the window says) or the resume window passes on the monotonic clock (then it ends as power_loss).
    /// Switching a socket back on after an unknown gap is the unsafe choice; ending a five-minute outage's charges only
    /// because the Pi started before NTP is the needless one.
    /// </param>
    public void ResumeSessions(IEnumerable<(JournalledSession Session, TimeSpan? Outage)> sessions, bool outageAwaitsClock = false)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ProtectionInstant now = Now();
        foreach ((JournalledSession journalled, TimeSpan? outage) in sessions)
        {
            _byId.TryGetValue(journalled.PortId, out ChargingPort? port);
            bool awaitClock = outageAwaitsClock && outage is null;
            string? refusal = WhyNotResumed(journalled, awaitClock ? TimeSpan.Zero : outage, port);
            if (refusal is not null || port is null)
            {
                SessionEndReason reason = journalled.StoppedAt is null ? SessionEndReason.PowerLoss : SessionEndReason.Shutdown;
                DateTimeOffset ended = journalled.StoppedAt ?? journalled.WrittenAt;
                var closed = new ChargingSession(
                    journalled.Id, journalled.PortId, journalled.StartedAt, ended < journalled.StartedAt ? journalled.StartedAt : ended,
                    journalled.EnergyWh, journalled.PeakPowerW, reason);
                _events.Publish(new SessionClosed(now.Wall, WithOrder(closed, journalled.Order, closed.Duration)));
                continue;
            }

            // The session's length so far counts towards its maximum: it was charging from StartedAt to the last write.
            TimeSpan charged = journalled.WrittenAt - journalled.StartedAt;
            var session = new OpenSession(journalled.Id, journalled.StartedAt, now.Elapsed - (charged > TimeSpan.Zero ? charged : TimeSpan.Zero))
            {
                EnergyWh = journalled.EnergyWh,
                PeakPowerW = journalled.PeakPowerW,
                LastAt = now.Elapsed,
                Order = journalled.Order,
                Resuming = new ResumingSession(outage ?? TimeSpan.Zero, journalled.EnergyWh)
                {
                    AwaitingClock = awaitClock ? (now.Elapsed, journalled.WrittenAt) : null,
                },
            };
            port.Session = session;
            SetState(port, PortState.Charging, awaitClock
                ? "waiting for the wall clock to measure the outage: the relay stays open until then"
                : Invariant($"resuming after {outage!.Value.TotalSeconds:0} s offline: the relay closes once the meter reads"), now);
            if (awaitClock)
            {
                Volatile.Write(ref _sessionsAwaitClock, true);
            }
        }

        PublishSnapshot(now);
    }

    /// <summary>Whether any session is held until the wall clock is trusted (<see cref="WallClockTrusted"/>). Any thread.</summary>
    public bool SessionsAwaitClock => Volatile.Read(ref _sessionsAwaitClock);

    /// <summary>
    /// Tells protection, from any thread, that the wall clock is now synchronised: on the sampling thread, each session held
    /// for the clock is measured — the wall time since its last journal write is the whole time its socket was off — and
    /// resumes within the resume window or ends as power_loss at that write.
    /// </summary>
    public void WallClockTrusted() => _settingsUpdates.Enqueue(() =>
    {
        ProtectionInstant now = Now();
        foreach (ChargingPort port in _ports)
        {
            if (port.Session is not { Resuming: { AwaitingClock: { } awaiting } resuming } session)
            {
                continue;
            }

            TimeSpan off = now.Wall - awaiting.WrittenAt;
            if (off < TimeSpan.Zero || off > _shed.ResumeWindow)
            {
                EndSessionHeldForClock(port, session, awaiting.WrittenAt, off < TimeSpan.Zero ? "the synchronised clock is earlier than the journal's last write" : "offline longer than the resume window", now);
                continue;
            }

            session.Resuming = new ResumingSession(off, resuming.EnergyAtResumeWh);
            SetState(port, PortState.Charging, Invariant($"resuming after {off.TotalSeconds:0} s offline (measured once the clock synchronised): the relay closes once the meter reads"), now);
        }

        Volatile.Write(ref _sessionsAwaitClock, false);
        PublishSnapshot(now);
    });

    /// <summary>Ends the sessions held for the clock longer than the resume window: however long the outage was, the socket has been off longer than that.</summary>
    private void EndSessionsHeldTooLongForClock(ProtectionInstant now)
    {
        foreach (ChargingPort port in _ports)
        {
            if (port.Session is { Resuming.AwaitingClock: { } awaiting } session && now.Elapsed - awaiting.Since > _shed.ResumeWindow)
            {
                EndSessionHeldForClock(port, session, awaiting.WrittenAt, Invariant($"the wall clock did not synchronise within {_shed.ResumeWindow.TotalMinutes:0} min"), now);
            }
        }
    }

    private void EndSessionHeldForClock(ChargingPort port, OpenSession session, DateTimeOffset writtenAt, string why, ProtectionInstant now)
    {
        port.Session = null;
        DateTimeOffset ended = writtenAt < session.StartedAt ? session.StartedAt : writtenAt;
        var closed = new ChargingSession(session.Id, port.Id, session.StartedAt, ended, session.EnergyWh, session.PeakPowerW, SessionEndReason.PowerLoss);
        _events.Publish(new SessionClosed(now.Wall, WithOrder(closed, session.Order, closed.Duration)));
        SetState(port, PortState.Idle, $"power_loss: not resumed ({why})", now);
    }

    /// <summary>
    /// The clean stop (service stop or restart, an upgrade): every relay opens, but open sessions are not closed — each
    /// is reported as <see cref="SessionSuspended"/> for the journal, so a restart within the resume window carries it
    /// on and the hub, told of it only when it really ends, never counts it twice.
    /// </summary>
    public void SuspendAll()
    {
        ProtectionInstant now = Now();
        foreach (ChargingPort port in _ports)
        {
            OpenRelay(port, now);
            if (port.Session is { } session && !_suspended)
            {
                _events.Publish(new SessionSuspended(now.Wall, session.Id, port.Id, session.StartedAt, session.EnergyWh, session.PeakPowerW));
            }
        }

        _suspended = true;
        PublishSnapshot(now);
    }

    private string? WhyNotResumed(JournalledSession journalled, TimeSpan? outage, ChargingPort? port)
    {
        if (!_shed.ResumeAfterRestart)
        {
            return "resuming is off";
        }

        if (outage is not { } offline)
        {
            return "the outage cannot be measured";
        }

        if (offline > _shed.ResumeWindow)
        {
            return "offline longer than the resume window";
        }

        if (port is null)
        {
            return "no such port";
        }

        if (port.Lockout is not null || port.State is PortState.Disabled or PortState.Fault || port.Session is not null)
        {
            return "port locked out, disabled or in fault";
        }

        return ShedLockedOut ? "shed locked out" : null;
    }

    /// <summary>
    /// Pauses a session cut by smoke or over-temperature that the site offers back: the relay is already open; the session
    /// is suspended for the journal (a restart during the alarm finds it as after a clean stop) and waits, the port
    /// still showing it, for the alarm to clear — then its relay closes as a restarted session's does.
    /// </summary>
    private void PauseForShedAlarm(ChargingPort port, OpenSession session, SessionEndReason reason, ProtectionInstant now)
    {
        if (session.Resuming is null)
        {
            _events.Publish(new SessionSuspended(now.Wall, session.Id, port.Id, session.StartedAt, session.EnergyWh, session.PeakPowerW));
        }

        session.Resuming = new ResumingSession(TimeSpan.Zero, session.EnergyWh) { PausedBy = (reason, now.Elapsed, now.Wall) };
        port.ResetOverload();
        port.Malicious.Reset();
    }

    /// <summary>Ends the paused sessions whose alarm outlasted the window, as cut by that alarm when it cut them.</summary>
    private void EndSessionsPausedTooLong(ProtectionInstant now)
    {
        foreach (ChargingPort port in _ports)
        {
            if (port.Session is not { Resuming.PausedBy: { } paused } session || now.Elapsed - paused.Elapsed <= _shed.ResumeAfterShedAlarmWindow)
            {
                continue;
            }

            port.Session = null;
            var closed = new ChargingSession(session.Id, port.Id, session.StartedAt, paused.Wall, session.EnergyWh, session.PeakPowerW, paused.Reason);
            _events.Publish(new SessionClosed(now.Wall, WithOrder(closed, session.Order, paused.Elapsed - session.StartedElapsed)));
            SetState(port, PortState.Idle, Invariant($"{paused.Reason.WireName()}: not resumed within {_shed.ResumeAfterShedAlarmWindow.TotalMinutes:0} min"), now);
        }
    }

    /// <summary>After each port's rules: did a resuming port just read plausibly through its open relay?</summary>
    private static void NoteResumeReading(ChargingPort port, MeterReadStatus status)
    {
        if (port.Session?.Resuming is not { } resuming)
        {
            return;
        }

        resuming.ReadOpenRelayPlausibly = status == MeterReadStatus.Ok
            && !port.RelayClosed
            && port.Fault is null
            && port.ConsecutiveFaults == 0
            && port.RelayLeakReads == 0
            && port.State == PortState.Charging;
    }

    /// <summary>At the end of a round: closes the relays of resuming ports whose meters read plausibly, if the shed is safe.</summary>
    private void CloseResumedRelays(ProtectionInstant now)
    {
        // The shed's sensors are read after the ports in a round: until a round has read them, smoke or heat is unknown.
        if (!_shedSensorsRead || _suspended || ShedLockedOut || _smoke || _temperatureC >= _shed.OverTemperatureC)
        {
            return;
        }

        foreach (ChargingPort port in _ports)
        {
            // Never a port that went into fault or was locked out meanwhile (those end their session anyway).
            if (port.Session is not { Resuming: { ReadOpenRelayPlausibly: true, AwaitingClock: null } resuming } session || port.Lockout is not null || port.State != PortState.Charging)
            {
                continue;
            }

            session.Resuming = null;
            if (!_relays.TrySetClosed(port.Index, true, out string? error))
            {
                port.RelayOpenPending = true;
                port.Lockout = AlarmKind.RelayFault;
                EndSession(port, SessionEndReason.RelayFault, now);
                SetState(port, PortState.Fault, "relay write failed", now);
                RaisePortAlarm(port, AlarmKind.RelayFault, null, null, null, ReasonCatalogue.RelayResumeFailed(error ?? ""), now);
                continue;
            }

            port.RelayClosed = true;
            port.RelayLeakReads = 0;
            port.ResetOverload();
            port.Malicious.Reset();

            // The integral starts again here: nothing was drawn through the open relay.
            session.LastAt = now.Elapsed;
            TimeSpan offline = resuming.PausedBy is { } paused ? now.Elapsed - paused.Elapsed : resuming.Offline;
            _events.Publish(new SessionResumed(now.Wall, session.Id, port.Id, session.StartedAt, offline, resuming.EnergyAtResumeWh, session.PeakPowerW));
        }
    }
}
