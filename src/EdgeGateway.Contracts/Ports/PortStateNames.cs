using EdgeGateway.Contracts.Alarms;

namespace EdgeGateway.Contracts.Ports;

/// <summary>snake_case wire names for port states and session end reasons.</summary>
public static class PortStateNames
{
    public static string WireName(this PortState state) => state switch
    {
        PortState.Idle => "idle",
        PortState.Charging => "charging",
        PortState.Complete => "complete",
        PortState.Fault => "fault",
        PortState.Disabled => "disabled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string WireName(this SessionEndReason reason) => reason switch
    {
        SessionEndReason.Complete => "complete",
        SessionEndReason.NoLoad => "no_load",
        SessionEndReason.MaxDuration => "max_duration",
        SessionEndReason.Overload => "overload",
        SessionEndReason.ShortCircuit => "short_circuit",
        SessionEndReason.MaliciousLoad => "malicious_load",
        SessionEndReason.ShedOverload => "shed_overload",
        SessionEndReason.OverTemperature => "over_temperature",
        SessionEndReason.Smoke => "smoke",
        SessionEndReason.SensorFault => "sensor_fault",
        SessionEndReason.RelayFault => "relay_fault",
        SessionEndReason.StoppedByUser => "stopped_by_user",
        SessionEndReason.DisabledByOperator => "disabled_by_operator",
        SessionEndReason.Shutdown => "shutdown",
        SessionEndReason.PowerLoss => "power_loss",
        SessionEndReason.LimitReached => "limit_reached",
        SessionEndReason.UserStop => "user_stop",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>The alarm a protective session end raises, if any.</summary>
    public static AlarmKind? Alarm(this SessionEndReason reason) => reason switch
    {
        SessionEndReason.NoLoad => AlarmKind.PortNoLoad,
        SessionEndReason.MaxDuration => AlarmKind.PortMaxDuration,
        SessionEndReason.Overload => AlarmKind.PortOverload,
        SessionEndReason.ShortCircuit => AlarmKind.PortShortCircuit,
        SessionEndReason.MaliciousLoad => AlarmKind.PortMaliciousLoad,
        SessionEndReason.SensorFault => AlarmKind.PortSensorFault,
        SessionEndReason.RelayFault => AlarmKind.RelayFault,
        _ => null,
    };
}
