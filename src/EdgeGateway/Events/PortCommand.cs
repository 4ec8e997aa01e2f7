namespace EdgeGateway.Events;

/// <summary>What can be asked of a port: by a user's start request (card or payment platform), or by maintenance staff.</summary>
public enum PortCommandKind
{
    Start,
    Stop,
    Enable,
    Disable,
    Reset,
}

/// <summary>A request to a port. <see cref="By"/> names who asked; resets also need a reason.</summary>
public sealed record PortCommand(PortCommandKind Kind, string PortId, string By, string? Reason = null);

/// <summary>The outcome of a command: applied, or refused with the reason.</summary>
public sealed record CommandResult(bool Accepted, string Message)
{
    public static CommandResult Applied(string message) => new(true, message);

    public static CommandResult Refused(string message) => new(false, message);
}
