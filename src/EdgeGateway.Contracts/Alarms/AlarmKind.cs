namespace EdgeGateway.Contracts.Alarms;

/// <summary>
/// What an alarm is about. The wire name (snake_case) is the vocabulary the MQTT contract carries;
/// <see cref="AlarmKinds.WireName"/> maps between the two.
/// </summary>
public enum AlarmKind
{
    /// <summary>Port power above its limit for longer than the debounce; port locked out.</summary>
    PortOverload,

    /// <summary>Instantaneous current far beyond the port limit; relay opened on the same sample.</summary>
    PortShortCircuit,

    /// <summary>Total shed power above the shed limit; newest sessions cut.</summary>
    ShedOverload,

    /// <summary>A non-charger load (heater, kettle): resistive, flat draw; port locked out.</summary>
    PortMaliciousLoad,

    /// <summary>A session reached the maximum session length and was ended.</summary>
    PortMaxDuration,

    /// <summary>No charger drew power after start, or the charger was pulled out.</summary>
    PortNoLoad,

    /// <summary>A port's meter failed: bus error, stuck or impossible readings.</summary>
    PortSensorFault,

    /// <summary>Current flows through a relay commanded open.</summary>
    RelayFault,

    /// <summary>Cabinet temperature above the limit; every port off.</summary>
    OverTemperature,

    /// <summary>The smoke detector input is active; every port off.</summary>
    Smoke,

    /// <summary>A shed-wide sensor (voltage transformer, thermometer, smoke input) failed.</summary>
    ShedSensorFault,

    /// <summary>A bin is above its nearly-full threshold (LwM2M 3435 High Threshold Percentage).</summary>
    BinNearlyFull,

    /// <summary>A bin is full or overflowing (LwM2M 3435 Container Full).</summary>
    BinOverflow,

    /// <summary>Fire in a bin: temperature above the limit, or rising fast (smouldering).</summary>
    BinFire,

    /// <summary>A bin's lid or door has been left open.</summary>
    BinLidOpen,

    /// <summary>A bin was tipped or moved (tilt switch).</summary>
    BinTamper,

    /// <summary>A bin's fill, weight or temperature sensor failed or reads implausibly.</summary>
    BinSensorFault,

    /// <summary>
    /// The supply meter reads more than the ports' meters add up to, beyond the site's tolerance, for the debounce time:
    /// something draws before the port meters (a tapped wire, a leaking cable).
    /// </summary>
    UnmeteredLoad,
}
