namespace EdgeGateway.Protection;

/// <summary>The port relays, by port index. The only way protection acts on the world.</summary>
public interface IRelayBank
{
    /// <summary>Drives port <paramref name="port"/>'s relay; false with the reason (<paramref name="failure"/>) when the bus write failed.</summary>
    bool TrySetClosed(int port, bool closed, out string? failure);
}
