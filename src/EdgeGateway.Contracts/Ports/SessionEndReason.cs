namespace EdgeGateway.Contracts.Ports;

/// <summary>Why a charging session ended.</summary>
public enum SessionEndReason
{
    Complete,
    NoLoad,
    MaxDuration,
    Overload,
    ShortCircuit,
    MaliciousLoad,
    ShedOverload,
    OverTemperature,
    Smoke,
    SensorFault,
    RelayFault,
    /// <summary>Stopped by the user on gateways before <c>port_stop</c>; now <see cref="UserStop"/>.</summary>
    StoppedByUser,
    DisabledByOperator,
    Shutdown,

    /// <summary>
    /// The gateway went down (a crash, a power cut, a stop) with the session open and came back too late to resume it, or
    /// with resuming switched off: the session's energy is what was journalled last before the outage.
    /// </summary>
    PowerLoss,

    /// <summary>The session used up its order's limit (energy, duration or prepaid amount); no lock-out.</summary>
    LimitReached,

    /// <summary>Ended by <c>cmd/port_stop</c> (the user, through the platform or the shed): no lock-out.</summary>
    UserStop,
}
