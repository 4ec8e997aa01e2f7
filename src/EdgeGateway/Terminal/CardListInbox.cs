using System.Collections.Concurrent;

namespace EdgeGateway.Terminal;

/// <summary>
/// Card lists as they arrive on the gateway's <c>cards</c> topic (retained, written by the hub), handed from the MQTT
/// link's thread to the terminal's loop, which validates and applies them (<see cref="CardWallet.Offer"/>).
/// </summary>
public sealed class CardListInbox
{
    private readonly ConcurrentQueue<byte[]> _payloads = new();

    public void Receive(ReadOnlySpan<byte> payload) => _payloads.Enqueue(payload.ToArray());

    public bool TryTake(out byte[] payload) => _payloads.TryDequeue(out payload!);
}
