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
}
