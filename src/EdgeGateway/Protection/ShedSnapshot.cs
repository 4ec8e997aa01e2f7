using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;

namespace EdgeGateway.Protection;

/// <summary>A consistent picture of the shed for the live view and telemetry.</summary>
public sealed record ShedSnapshot(
    DateTimeOffset At,
    IReadOnlyList<PortSnapshot> Ports,
    double TotalPowerW,
    double? CabinetTemperatureC,
    bool Smoke,
    IReadOnlyList<Alarm> ActiveAlarms,
    long Rounds)
{
    public static ShedSnapshot Empty { get; } = new(default, [], 0, null, false, [], 0);

    /// <summary>How many ports are in the fault state (their meter failed): the status figures and the
    /// <c>/metrics</c> gauge both report it.</summary>
    public int FaultedPorts => Ports.Count(p => p.State == PortState.Fault);

    /// <summary>The supply meter's last reading, null without one (no supply meter, or it is faulted).</summary>
    public SupplySnapshot? Supply { get; init; }
}

/// <summary>Shed-wide sensor readings handed to protection once per round.</summary>
public readonly record struct ShedSensorReadings(
    double? MaxTemperatureC,
    IReadOnlyList<(string Id, string Fault)> ThermometerFaults,
    bool? Smoke,
    string? SmokeFault,
    string? VoltageFault);
