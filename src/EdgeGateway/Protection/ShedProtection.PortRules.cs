using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Contracts.Reasons;

namespace EdgeGateway.Protection;

// The rules of one port, applied to each of its measurements: meter faults and implausible or stuck readings, a relay
// that does not obey, short circuit, overload, malicious load, maximum duration and the end of a charge.
public sealed partial class ShedProtection
{
    private void OnShortCircuit(ChargingPort port, in PortMeasurement measurement, ProtectionInstant now)
    {
        port.Last = measurement;
        double peak = measurement.PeakCurrentA;
        if (port.RelayClosed)
        {
            Trip(port, SessionEndReason.ShortCircuit, AlarmKind.PortShortCircuit, peak, port.Settings.ShortCircuitPeakA, "A",
                ReasonCatalogue.InstantaneousOverCurrent(peak, port.Settings.ShortCircuitPeakA), now);
            return;
        }

        // Fault current through a relay commanded open: the contacts are welded.
        RelayDidNotObey(port, peak, now);
    }

    private void OnMeterFault(ChargingPort port, string fault, ProtectionInstant now) => OnMeterFault(port, ReasonCatalogue.MeterFault(fault), now);

    private void OnMeterFault(ChargingPort port, ContractReason reason, ProtectionInstant now)
    {
        port.FaultCode = reason;
        port.HealthySince = null;
        port.ConsecutiveFaults++;
        if (port.ConsecutiveFaults >= port.Settings.SensorFaultReads)
        {
            EnterSensorFault(port, reason, now);
        }
    }

    private void EnterSensorFault(ChargingPort port, ContractReason reason, ProtectionInstant now)
    {
        port.FaultCode = reason;
        string fault = port.Fault!;
        port.HealthySince = null;
        if (port.Alarms.ContainsKey(AlarmKind.PortSensorFault))
        {
            return;
        }

        // A port that cannot be metered cannot be protected: it goes off until its meter reads again.
        OpenRelay(port, now);
        if (port.Session is not null)
        {
            EndSession(port, SessionEndReason.SensorFault, now);
        }

        if (port.State is not PortState.Disabled)
        {
            SetState(port, PortState.Fault, fault, now);
        }

        RaisePortAlarm(port, AlarmKind.PortSensorFault, null, null, null, reason, now);
    }

    private void OnMeasurement(ChargingPort port, in PortMeasurement m, ProtectionInstant now)
    {
        if (!IsPlausible(port, m, out ContractReason? implausible))
        {
            OnMeterFault(port, implausible, now);
            return;
        }

        if (IsStuck(port, m))
        {
            // StuckReadings identical readings are already the confirmation: no further count.
            EnterSensorFault(port, ReasonCatalogue.MeterStuck(port.Settings.StuckReadings, m.VoltageV, m.CurrentA), now);
            return;
        }

        port.Last = m;
        port.ConsecutiveFaults = 0;
        RecoverFromSensorFault(port, now);

        // No session means the relay is (or was commanded) open — including a relay whose open
        // command has not reached it yet (RelayOpenPending): current there is a relay fault.
        if (!port.RelayClosed || port.Session is null)
        {
            CheckRelayLeak(port, m, now);
            return;
        }

        port.RelayLeakReads = 0;
        OpenSession session = port.Session!;
        double watts = m.RealPowerW;
        Accumulate(port, session, watts, now);

        if (CheckOverload(port, watts, now) || CheckMaliciousLoad(port, m, watts, now) || CheckLimit(port, session, now))
        {
            return;
        }

        if (now.Elapsed - session.StartedElapsed >= port.Settings.MaxSession)
        {
            EndSessionAndIdle(port, SessionEndReason.MaxDuration, AlarmKind.PortMaxDuration, (now.Elapsed - session.StartedElapsed).TotalHours, port.Settings.MaxSession.TotalHours, "h",
                ReasonCatalogue.SessionMaxLength(port.Settings.MaxSession.TotalHours), now);
            return;
        }

        CheckEndOfCharge(port, session, watts, now);
    }

    private static bool IsPlausible(ChargingPort port, in PortMeasurement m, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ContractReason? why)
    {
        double pf = m.PowerFactor ?? 1;
        if (m.RealPowerW < -port.Settings.NoLoadW * 4)
        {
            why = ReasonCatalogue.NegativePower(m.RealPowerW);
            return false;
        }

        if (port.IsAc && !m.VoltageEstimated && (m.VoltageV > 300 || m.VoltageV < 80))
        {
            why = ReasonCatalogue.ImpossibleVoltage(m.VoltageV);
            return false;
        }

        if (pf > 1.0001 || double.IsNaN(m.RealPowerW))
        {
            why = ReasonCatalogue.ImpossiblePowerFactor();
            return false;
        }

        why = null;
        return true;
    }

    /// <summary>Live readings always jitter; the same non-zero reading many times running is a frozen meter.</summary>
    private static bool IsStuck(ChargingPort port, in PortMeasurement m)
    {
        if (port.Last is { } last && m.CurrentA > 0 && last.CurrentA == m.CurrentA && last.VoltageV == m.VoltageV)
        {
            port.IdenticalReadings++;
        }
        else
        {
            port.IdenticalReadings = 0;
        }

        return port.IdenticalReadings + 1 >= port.Settings.StuckReadings;
    }

    private void RecoverFromSensorFault(ChargingPort port, ProtectionInstant now)
    {
        if (!port.Alarms.ContainsKey(AlarmKind.PortSensorFault))
        {
            port.FaultCode = null;
            return;
        }

        port.HealthySince ??= now.Elapsed;
        if (now.Elapsed - port.HealthySince < _shed.AlarmClearAfter)
        {
            return;
        }

        port.FaultCode = null;
        ClearPortAlarm(port, AlarmKind.PortSensorFault, ReasonCatalogue.MeterReadsAgain(), now);
        if (port.State == PortState.Fault)
        {
            SetState(port, PortState.Idle, "meter reads again", now);
        }
    }

    private void CheckRelayLeak(ChargingPort port, in PortMeasurement m, ProtectionInstant now)
    {
        // The relay releases within milliseconds; current in two measurements running means it did not.
        if (m.CurrentA > port.Settings.RelayFaultCurrentA)
        {
            port.RelayLeakReads++;
            if (port.RelayLeakReads >= 2)
            {
                RelayDidNotObey(port, m.CurrentA, now);
            }
        }
        else
        {
            port.RelayLeakReads = 0;
        }
    }

    private void RelayDidNotObey(ChargingPort port, double amps, ProtectionInstant now)
    {
        if (port.Alarms.ContainsKey(AlarmKind.RelayFault))
        {
            return;
        }

        // Keep commanding open: a sticking contact sometimes releases on a later attempt.
        OpenRelay(port, now);
        if (port.Session is not null)
        {
            EndSession(port, SessionEndReason.RelayFault, now);
        }

        port.Lockout = AlarmKind.RelayFault;
        SetState(port, PortState.Fault, "relay does not obey", now);
        RaisePortAlarm(port, AlarmKind.RelayFault, amps, port.Settings.RelayFaultCurrentA, "A",
            ReasonCatalogue.CurrentThroughOpenRelay(amps), now);
    }

    // A relay's contacts follow its coil within milliseconds (operate time ≤ 10 ms, release ≤ 5 ms for the common
    // 10 A PCB relays, e.g. Omron G5LE, plus a few ms of bounce). A feedback input that disagrees with the command for
    // longer than this is a relay that did not obey; one read straight after the command may still see the old state.
    private static readonly TimeSpan RelayOperateTime = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A port's relay contact-feedback input (where one is fitted), read just before its measurement: contacts open
    /// while the relay is commanded closed (a dead coil, a burnt or broken contact) or closed while it is commanded open
    /// (welded contacts) raise <c>relay_fault</c> as soon as the disagreement outlasts the relay's operate time — the
    /// next read. Without feedback a relay that never closes is seen only as a port that draws nothing (no_load).
    /// </summary>
    public void OnRelayFeedback(int index, bool contactClosed)
    {
        ProtectionInstant now = Now();
        ChargingPort port = _ports[index];
        bool commandedClosed = port.RelayClosed && !port.RelayOpenPending;
        if (contactClosed == commandedClosed || port.Alarms.ContainsKey(AlarmKind.RelayFault))
        {
            port.FeedbackDisagreesSince = null;
            return;
        }

        port.FeedbackDisagreesSince ??= now.Elapsed;
        if (now.Elapsed - port.FeedbackDisagreesSince < RelayOperateTime)
        {
            return;
        }

        port.FeedbackDisagreesSince = null;

        // Command it open either way: a coil that sometimes fails to pull in must not close later by itself.
        OpenRelay(port, now);
        if (port.Session is not null)
        {
            EndSession(port, SessionEndReason.RelayFault, now);
        }

        port.Lockout = AlarmKind.RelayFault;
        SetState(port, PortState.Fault, commandedClosed ? "relay does not close" : "relay does not open", now);
        RaisePortAlarm(port, AlarmKind.RelayFault, null, null, null, commandedClosed ? ReasonCatalogue.RelayFeedbackOpen() : ReasonCatalogue.RelayFeedbackClosed(), now);
    }

    private static void Accumulate(ChargingPort port, OpenSession session, double watts, ProtectionInstant now)
    {
        double hours = (now.Elapsed - session.LastAt).TotalHours;
        double wh = Math.Max(watts, 0) * hours;
        session.EnergyWh += wh;
        port.LifetimeEnergyWh += wh;
        session.PeakPowerW = Math.Max(session.PeakPowerW, watts);
        session.LastAt = now.Elapsed;
    }

    private bool CheckOverload(ChargingPort port, double watts, ProtectionInstant now)
    {
        if (watts <= port.Settings.MaxPowerW)
        {
            if (port.OverloadSince is not null && port.OverloadPowerFreshAt is { } freshAt)
            {
                if (now.Elapsed < freshAt)
                {
                    // Power from before the fast current's crossing: it says nothing about the load since.
                    return false;
                }

                // Current above the limit's equivalent, real power below the limit: a power factor under 1, not an overload.
                port.OverloadCurrentRefuted = true;
            }

            port.OverloadSince = null;
            port.OverloadPowerFreshAt = null;
            return false;
        }

        if (port.OverloadSince is null)
        {
            port.OverloadSince = now.Elapsed;
            port.OverloadPowerFreshAt = null;
        }

        if (now.Elapsed - port.OverloadSince < port.Settings.OverloadDebounce
            || (port.OverloadPowerFreshAt is { } fresh && now.Elapsed < fresh))
        {
            return false;
        }

        Trip(port, SessionEndReason.Overload, AlarmKind.PortOverload, watts, port.Settings.MaxPowerW, "W",
            ReasonCatalogue.PowerOverLimit(watts, port.Settings.MaxPowerW, (now.Elapsed - port.OverloadSince.Value).TotalMilliseconds), now);
        return true;
    }

    /// <summary>
    /// A fast RMS current of a charging port (a BL0942's I_FAST_RMS, over half a mains cycle, refreshed every half cycle
    /// with I_FAST_RMS_CYC = 0: datasheet V1.06, 3.2), read between its power readings. Past the current equivalent of
    /// the port's limit (<see cref="OverloadCurrentA"/>) it starts the overload debounce there and then; the trip is
    /// still decided on real power, by the first power reading at or after the debounce's end that is newer than
    /// <paramref name="powerLag"/> after the crossing (the meter's power refresh) and above the limit. A power reading
    /// that is that new and at or below the limit ends the debounce: a charger with a power factor of 0.6 draws 1.67
    /// times the current of its real power, so current past the equivalent is not power past the limit. Back below the
    /// equivalent, the current ends a debounce it started (real power ≤ V·I is then under the limit).
    /// </summary>
    public void OnFastCurrent(int index, double amps, TimeSpan powerLag)
    {
        ChargingPort port = _ports[index];
        if (!port.RelayClosed || port.Session is null || double.IsNaN(amps))
        {
            return;
        }

        ProtectionInstant now = Now();
        if (amps <= OverloadCurrentA(port))
        {
            port.OverloadCurrentRefuted = false;
            if (port.OverloadPowerFreshAt is not null)
            {
                port.OverloadSince = null;
                port.OverloadPowerFreshAt = null;
            }

            return;
        }

        if (port.OverloadSince is null && !port.OverloadCurrentRefuted)
        {
            port.OverloadSince = now.Elapsed;
            port.OverloadPowerFreshAt = now.Elapsed + powerLag;
        }
    }

    private bool CheckMaliciousLoad(ChargingPort port, in PortMeasurement m, double watts, ProtectionInstant now)
    {
        PortProtectionSettings s = port.Settings;
        if (!port.IsAc || m.PowerFactor is not { } pf || pf < s.MaliciousMinPowerFactor || watts < s.MaliciousMinPowerW)
        {
            port.Malicious.Reset();
            return false;
        }

        // A resistance copies the supply's waveform, flat top included; a PFC front end draws its own sinusoid with a
        // cusp at the zero crossings and switching ripple, however close to 1 its power factor. A meter that cannot
        // tell the shape leaves the decision to the power factor and flatness alone.
        if (m.ShapeResidual is { } residual && residual > s.MaliciousMaxShapeResidual)
        {
            port.Malicious.Reset();
            return false;
        }

        port.Malicious.Add(now.Elapsed, watts);
        if (port.Malicious.Variation > s.MaliciousMaxVariation)
        {
            // Not flat: start the window again from this reading.
            port.Malicious.Reset();
            port.Malicious.Add(now.Elapsed, watts);
            return false;
        }

        if (now.Elapsed - port.Malicious.Since < s.MaliciousWindow)
        {
            return false;
        }

        ContractReason reason = m.ShapeResidual is { } r
            ? ReasonCatalogue.ResistiveLoadByShape(pf, r * 100, port.Malicious.MeanW, port.Malicious.Variation * 100, s.MaliciousWindow.TotalSeconds)
            : ReasonCatalogue.ResistiveLoad(pf, port.Malicious.MeanW, port.Malicious.Variation * 100, s.MaliciousWindow.TotalSeconds);
        Trip(port, SessionEndReason.MaliciousLoad, AlarmKind.PortMaliciousLoad, pf, s.MaliciousMinPowerFactor, null, reason, now);
        return true;
    }

    // How a charge ends, from the physics of the chargers (EBikeCharger, and real CC/CV chargers). A lithium charger's
    // constant-voltage stage tapers: its current decays towards the termination current (C/10–C/20), so its power comes
    // down through the completion floor and keeps falling for minutes before it switches off and drops to standby
    // (~1 W) in one step. A lead-acid charger tapers into float and then sits steady at a few watts for as long as it is
    // plugged in; a float charger on a full battery sits steady from the start. A drop to no-load level therefore ends the
    // session as complete only when (a) it was sustained for CutoffConfirm (one noisy reading of a 5.5 W float at or below
    // 5 W is not a cut-off) and (b) it ended a tail that looks like that taper: the session drew at least the floor before
    // the tail (it came down through it), the tail lasted MinimumTaper, its smoothed power fell at least TaperFallShare
    // below where it entered, and it dropped from the lower half of the tail band, where termination puts it. Anything
    // else that falls to no-load level ends as no_load ("charger pulled out") after NoLoadTimeout, and a float that never
    // drops runs to CompleteHold.
    // What the meter cannot see: a 1.2 W standby is about 10 mA, under one code of a 30 A CT on a 12-bit ADC (24 mA),
    // so an unplug at the very bottom of a taper reads exactly like a cut-off, and is recorded complete — the battery
    // is within a percent or two of full by then either way. An unplug anywhere else in a tail is no_load.
    private static readonly TimeSpan MinimumTaper = TimeSpan.FromMinutes(1);
    private const double TaperFallShare = 0.15;
    private const double TailSmoothingSeconds = 20;

    private void CheckEndOfCharge(ChargingPort port, OpenSession session, double watts, ProtectionInstant now)
    {
        PortProtectionSettings s = port.Settings;
        if (watts <= s.NoLoadW)
        {
            if (session.NearZeroSince is null)
            {
                session.NearZeroSince = now.Elapsed;
                session.DropLooksLikeCutoff = session.LowSince is { } tailSince && LooksLikeCutoff(session, now.Elapsed - tailSince, s);
            }

            TimeSpan nearZero = now.Elapsed - session.NearZeroSince.Value;
            if (session.DropLooksLikeCutoff)
            {
                if (nearZero >= s.CutoffConfirm)
                {
                    // The charger tapered through its tail and then switched off: a full battery (充满自停).
                    EndSessionComplete(port, now);
                }

                return;
            }

            if (nearZero >= s.NoLoadTimeout)
            {
                EndSessionAndIdle(port, SessionEndReason.NoLoad, AlarmKind.PortNoLoad, watts, s.NoLoadW, "W",
                    session.PeakPowerW > s.CompleteFloorW
                        ? ReasonCatalogue.ChargerPulledOut(watts, s.NoLoadTimeout.TotalSeconds)
                        : ReasonCatalogue.NoChargerDrewPower(s.NoLoadTimeout.TotalSeconds), now);
            }

            return;
        }

        session.NearZeroSince = null;
        session.DropLooksLikeCutoff = false;
        if (watts < s.CompleteFloorW)
        {
            TrackTail(session, watts, s, now.Elapsed);
            if (now.Elapsed - session.LowSince >= s.CompleteHold)
            {
                EndSessionComplete(port, now);
            }

            return;
        }

        session.LowSince = null;
    }

    /// <summary>Follows a tail's power (smoothed over about <see cref="TailSmoothingSeconds"/>) and the highest it was.</summary>
    private static void TrackTail(OpenSession session, double watts, PortProtectionSettings s, TimeSpan now)
    {
        if (session.LowSince is null)
        {
            session.LowSince = now;

            // The reading that starts the tail is below the floor: a peak at or above it was drawn before.
            session.TailFromAbove = session.PeakPowerW >= s.CompleteFloorW;
            session.TailSmoothedW = watts;
            session.TailEntryW = watts;
            session.TailLastAt = now;
            return;
        }

        double alpha = 1 - Math.Exp(-(now - session.TailLastAt).TotalSeconds / TailSmoothingSeconds);
        session.TailSmoothedW += (watts - session.TailSmoothedW) * alpha;
        session.TailEntryW = Math.Max(session.TailEntryW, session.TailSmoothedW);
        session.TailLastAt = now;
    }

    /// <summary>Whether a drop to no-load level ends a tail the way a CC/CV charger's cut-off does (see above).</summary>
    private static bool LooksLikeCutoff(OpenSession session, TimeSpan tailAge, PortProtectionSettings s) =>
        session.TailFromAbove
        && tailAge >= MinimumTaper
        && session.TailSmoothedW <= session.TailEntryW * (1 - TaperFallShare)
        && session.TailSmoothedW <= (s.NoLoadW + s.CompleteFloorW) / 2;

    private void EndSessionComplete(ChargingPort port, ProtectionInstant now)
    {
        OpenRelay(port, now);
        EndSession(port, SessionEndReason.Complete, now);
        SetState(port, PortState.Complete, "charge complete (充满自停)", now);
    }

    private void EndSessionAndIdle(ChargingPort port, SessionEndReason reason, AlarmKind kind, double? value, double? threshold, string? unit, ContractReason detail, ProtectionInstant now)
    {
        OpenRelay(port, now);
        EndSession(port, reason, now);
        SetState(port, PortState.Idle, reason.WireName(), now);
        RaisePortAlarm(port, kind, value, threshold, unit, detail, now);
    }

    /// <summary>Opens the relay, ends the session, locks the port out and raises the latched alarm — in that order.</summary>
    private void Trip(ChargingPort port, SessionEndReason reason, AlarmKind kind, double value, double threshold, string? unit, ContractReason detail, ProtectionInstant now)
    {
        OpenRelay(port, now);
        port.ResetOverload();
        port.Malicious.Reset();
        if (port.Session is not null)
        {
            EndSession(port, reason, now);
        }

        port.Lockout = kind;
        SetState(port, PortState.Disabled, $"locked out: {kind.WireName()}", now);
        RaisePortAlarm(port, kind, value, threshold, unit, detail, now);
    }
}
