namespace EdgeGateway.Contracts.Ports;

/// <summary>The state of one charging port as users see it.</summary>
public enum PortState
{
    /// <summary>Relay open, waiting for a user to start a session.</summary>
    Idle,

    /// <summary>Relay closed, a session is open.</summary>
    Charging,

    /// <summary>The last session ended because the battery was full (充满自停); relay open.</summary>
    Complete,

    /// <summary>The port's meter or relay failed; relay open; an alarm is raised.</summary>
    Fault,

    /// <summary>Locked out by protection or disabled by an operator; relay open until reset or enabled.</summary>
    Disabled,
}
