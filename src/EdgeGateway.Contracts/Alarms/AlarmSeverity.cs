namespace EdgeGateway.Contracts.Alarms;

/// <summary>How urgently a person must act. Ordered: a higher value is more severe.</summary>
public enum AlarmSeverity
{
    Info = 0,
    Warning = 1,
    Major = 2,
    Critical = 3,
}
