using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hardware.Metering;

namespace EdgeGateway.Protection;

/// <summary>The protection state of one port. Owned by <see cref="ShedProtection"/>; touched only on the sampling thread.</summary>
internal sealed class ChargingPort(int index, PortProtectionPlan plan)
{
    public int Index { get; } = index;

    public string Id { get; } = plan.Id;

    /// <summary>The port's thresholds; replaced (on the sampling thread) when the site file is reloaded.</summary>
    public PortProtectionSettings Settings { get; set; } = plan.Settings;

    public bool IsAc { get; } = plan.IsAc;

    public bool StartDisabled { get; } = plan.StartDisabled;

    public string Source { get; } = "port:" + plan.Id;

    public PortState State { get; set; }

    /// <summary>Why a Disabled port is disabled: the latched alarm that locked it out, or null when an operator disabled it.</summary>
    public AlarmKind? Lockout { get; set; }

    public bool RelayClosed { get; set; }

    /// <summary>The relay was commanded open but the bus write failed: retried on every measurement until it succeeds.</summary>
    public bool RelayOpenPending { get; set; }

    public OpenSession? Session { get; set; }

    public double LifetimeEnergyWh { get; set; }

    public PortMeasurement? Last { get; set; }

    public DateTimeOffset? LastMeasuredAt { get; set; }

    /// <summary>The port's fault as a reason code (published as <c>fault_code</c>); <see cref="Fault"/> is its English text.</summary>
    public ContractReason? FaultCode
    {
        get;
        set
        {
            field = value;
            Fault = value is null ? null : ReasonText.Detail(value);
        }
    }

    public string? Fault { get; private set; }

    public int ConsecutiveFaults { get; set; }

    /// <summary>Monotonic (<see cref="ProtectionInstant.Elapsed"/>), as every "since" here.</summary>
    public TimeSpan? HealthySince { get; set; }

    public TimeSpan? OverloadSince { get; set; }

    /// <summary>
    /// Set while the overload debounce was started by the meter's fast RMS current rather than by power: power readings
    /// before this instant may still describe the load before the crossing (a BL0942's WATT is refreshed every 400 ms),
    /// so they neither clear the debounce nor decide it.
    /// </summary>
    public TimeSpan? OverloadPowerFreshAt { get; set; }

    /// <summary>
    /// A debounce started by the fast current was refuted by power (current above the limit's equivalent, real power
    /// below it: a power factor under 1). The current starts no new one until it has fallen back below that equivalent.
    /// </summary>
    public bool OverloadCurrentRefuted { get; set; }

    /// <summary>
    /// Forgets any overload under way — its debounce, the fast current's start of it, a refuted current — when the
    /// relay is switched (a session starts, resumes, pauses, or the port trips): the next load is judged afresh.
    /// </summary>
    public void ResetOverload()
    {
        OverloadSince = null;
        OverloadPowerFreshAt = null;
        OverloadCurrentRefuted = false;
    }

    public MaliciousLoadWindow Malicious { get; } = new();

    public int RelayLeakReads { get; set; }

    /// <summary>Since when (monotonic) the relay's contact feedback has disagreed with its command, if it does.</summary>
    public TimeSpan? FeedbackDisagreesSince { get; set; }

    public int IdenticalReadings { get; set; }

    public Dictionary<AlarmKind, Events.Alarm> Alarms { get; } = [];

    public double PowerW => RelayClosed && Last is { } m ? m.RealPowerW : 0;
}

/// <summary>An open session's running totals.</summary>
internal sealed class OpenSession(string id, DateTimeOffset startedAt, TimeSpan startedElapsed)
{
    public string Id { get; } = id;

    /// <summary>The wall-clock start, as reported.</summary>
    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>The monotonic start, which the session's length is measured from.</summary>
    public TimeSpan StartedElapsed { get; } = startedElapsed;

    /// <summary>When energy was last added (monotonic): the integral's step is measured from here.</summary>
    public TimeSpan LastAt { get; set; } = startedElapsed;

    public double EnergyWh { get; set; }

    public double PeakPowerW { get; set; }

    /// <summary>The order, card, limit and tariff the start carried, if any (see ShedProtection.Limits.cs).</summary>
    public Events.ChargeOrder? Order { get; init; }

    /// <summary>The cost so far (fen) at the order's tariff, as of the last energy added; null without a tariff.</summary>
    public long? CostFen => Order?.CostFen(EnergyWh, LastAt - StartedElapsed);

    /// <summary>When power first fell below the completion floor (the charger's tail), if it has.</summary>
    public TimeSpan? LowSince { get; set; }

    /// <summary>The session drew at least the completion floor before its tail began: it came down through a taper.</summary>
    public bool TailFromAbove { get; set; }

    /// <summary>The tail's power smoothed over readings above no-load level, and when it was last updated (monotonic).</summary>
    public double TailSmoothedW { get; set; }

    public TimeSpan TailLastAt { get; set; }

    /// <summary>The highest the tail's smoothed power was: where the taper entered the tail.</summary>
    public double TailEntryW { get; set; }

    /// <summary>When power fell to no-load level, if it has.</summary>
    public TimeSpan? NearZeroSince { get; set; }

    /// <summary>Decided at the first no-load reading: whether that drop ended a tail the way a charger's cut-off does.</summary>
    public bool DropLooksLikeCutoff { get; set; }

    /// <summary>
    /// Set for a session taken over from before a restart whose relay is still open: the relay closes at the end of a
    /// round in which the port's meter read plausibly through the open relay (see ShedProtection.Resume.cs).
    /// </summary>
    public ResumingSession? Resuming { get; set; }
}

/// <summary>What a session resumed after a restart, or paused by a shed alarm, still waits for, and what its <c>session_resumed</c> reports.</summary>
internal sealed class ResumingSession(TimeSpan offline, double energyAtResumeWh)
{
    public TimeSpan Offline { get; } = offline;

    /// <summary>For a session paused by smoke or over-temperature: the alarm that cut it, and when (monotonic and wall clock).</summary>
    public (SessionEndReason Reason, TimeSpan Elapsed, DateTimeOffset Wall)? PausedBy { get; init; }

    public double EnergyAtResumeWh { get; } = energyAtResumeWh;

    /// <summary>
    /// For a session journalled in another boot while the wall clock could not measure the outage (not synchronised, no
    /// RTC): since when (monotonic) it waits for the clock, and when the journal last wrote it. Its relay stays open until
    /// the clock says how long the shed was off, or the resume window passes without it.
    /// </summary>
    public (TimeSpan Since, DateTimeOffset WrittenAt)? AwaitingClock { get; init; }

    /// <summary>The port's last reading this round was a plausible one, with the relay open and nothing flowing.</summary>
    public bool ReadOpenRelayPlausibly { get; set; }
}

/// <summary>
/// Tracks how flat and how resistive a port's draw has been. A heater or kettle has a power factor
/// near 1 and a steady draw; a switch-mode charger without PFC has a power factor of 0.5–0.7.
/// </summary>
internal sealed class MaliciousLoadWindow
{
    /// <summary>When the window opened (monotonic).</summary>
    public TimeSpan? Since { get; private set; }

    public double MinW { get; private set; }

    public double MaxW { get; private set; }

    private double _sumW;
    private int _count;

    public double MeanW => _count == 0 ? 0 : _sumW / _count;

    public double Variation => MeanW <= 0 ? double.PositiveInfinity : (MaxW - MinW) / MeanW;

    public void Add(TimeSpan at, double watts)
    {
        if (Since is null)
        {
            Since = at;
            MinW = watts;
            MaxW = watts;
            _sumW = 0;
            _count = 0;
        }

        MinW = Math.Min(MinW, watts);
        MaxW = Math.Max(MaxW, watts);
        _sumW += watts;
        _count++;
    }

    public void Reset()
    {
        Since = null;
        _count = 0;
        _sumW = 0;
    }
}
