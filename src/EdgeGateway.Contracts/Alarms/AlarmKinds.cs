using System.Collections.Frozen;

namespace EdgeGateway.Contracts.Alarms;

/// <summary>Wire names, default severities and whether an alarm latches until an operator resets the port.</summary>
public static class AlarmKinds
{
    private static readonly FrozenDictionary<AlarmKind, string> Names = new Dictionary<AlarmKind, string>
    {
        [AlarmKind.PortOverload] = "port_overload",
        [AlarmKind.PortShortCircuit] = "port_short_circuit",
        [AlarmKind.ShedOverload] = "shed_overload",
        [AlarmKind.PortMaliciousLoad] = "port_malicious_load",
        [AlarmKind.PortMaxDuration] = "port_max_duration",
        [AlarmKind.PortNoLoad] = "port_no_load",
        [AlarmKind.PortSensorFault] = "port_sensor_fault",
        [AlarmKind.RelayFault] = "relay_fault",
        [AlarmKind.OverTemperature] = "over_temperature",
        [AlarmKind.Smoke] = "smoke",
        [AlarmKind.ShedSensorFault] = "shed_sensor_fault",
        [AlarmKind.BinNearlyFull] = "bin_nearly_full",
        [AlarmKind.BinOverflow] = "bin_overflow",
        [AlarmKind.BinFire] = "bin_fire",
        [AlarmKind.BinLidOpen] = "bin_lid_open",
        [AlarmKind.BinTamper] = "bin_tamper",
        [AlarmKind.BinSensorFault] = "bin_sensor_fault",
        [AlarmKind.UnmeteredLoad] = "unmetered_load",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, AlarmKind> ByName =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    public static string WireName(this AlarmKind kind) => Names[kind];

    public static bool TryParse(string wireName, out AlarmKind kind) => ByName.TryGetValue(wireName, out kind);

    public static AlarmSeverity DefaultSeverity(this AlarmKind kind) => kind switch
    {
        AlarmKind.PortShortCircuit or AlarmKind.RelayFault or AlarmKind.OverTemperature or AlarmKind.Smoke or AlarmKind.BinFire => AlarmSeverity.Critical,
        AlarmKind.PortOverload or AlarmKind.PortMaliciousLoad or AlarmKind.ShedOverload or AlarmKind.PortSensorFault or AlarmKind.ShedSensorFault
            or AlarmKind.UnmeteredLoad
            or AlarmKind.BinOverflow or AlarmKind.BinTamper or AlarmKind.BinSensorFault => AlarmSeverity.Major,
        AlarmKind.BinNearlyFull or AlarmKind.BinLidOpen => AlarmSeverity.Warning,
        _ => AlarmSeverity.Info,
    };

    /// <summary>
    /// A latched alarm stays raised until the port is reset by an operator (the port is locked out);
    /// the others clear by themselves when their condition has been gone for the hysteresis time.
    /// </summary>
    public static bool LatchesUntilReset(this AlarmKind kind) =>
        kind is AlarmKind.PortOverload or AlarmKind.PortShortCircuit or AlarmKind.PortMaliciousLoad or AlarmKind.RelayFault;
}
