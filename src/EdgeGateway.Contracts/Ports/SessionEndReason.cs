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
    StoppedByUser,
    DisabledByOperator,
    Shutdown,

    /// <summary>
    /// The gateway went down (a crash, a power cut, a stop) with the session open and came back too late to resume it, or
    /// with resuming switched off: the session's energy is what was journalled last before the outage.
    /// </summary>
    PowerLoss,
}
