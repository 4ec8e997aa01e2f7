namespace EdgeGateway.Hardware.Clock;

/// <summary>A battery-backed real-time clock chip, kept in UTC (as Linux's hwclock keeps one by default).</summary>
public interface IRealTimeClock
{
    /// <summary>Reads the time; false with the reason when the chip cannot be read or says its time was lost.</summary>
    bool TryRead(out DateTimeOffset utc, out string? problem);

    /// <summary>Sets the time (whole seconds) and marks it valid again; false with the reason when the chip cannot be written.</summary>
    bool TrySet(DateTimeOffset utc, out string? problem);
}
