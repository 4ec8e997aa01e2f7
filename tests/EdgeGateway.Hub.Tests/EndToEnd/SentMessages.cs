using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>
/// What a gateway sent, as seen by an independent persistent subscriber on the broker: every message with a
/// <c>seq</c>, by number. The reference the stored points are compared with.
/// </summary>
internal sealed class SentMessages : IAsyncDisposable
{
    private readonly ProbeClient _probe;
    private readonly Dictionary<long, (string Topic, JsonElement Body)> _bySeq = [];

    private SentMessages(ProbeClient probe) => _probe = probe;

    public IReadOnlyDictionary<long, (string Topic, JsonElement Body)> BySeq => _bySeq;

    public static async Task<SentMessages> SubscribeAsync(MosquittoBroker broker, string site, string gateway)
    {
        ProbeClient probe = await ProbeClient.ConnectAsync(broker, clientId: "reference-" + Guid.NewGuid().ToString("N")[..6]);
        await probe.SubscribeAsync($"edge/v1/{site}/{gateway}/#");
        return new SentMessages(probe);
    }

    /// <summary>Reads until the broker has had nothing more for <paramref name="quiet"/>.</summary>
    public async Task DrainAsync(TimeSpan quiet)
    {
        while (await _probe.TryNextAsync(quiet) is { } message)
        {
            if (message.Topic.Contains("/cmd/", StringComparison.Ordinal))
            {
                continue;
            }

            JsonElement body = JsonSerializer.Deserialize<JsonElement>(Encoding.UTF8.GetString(message.Payload.ToArray()));
            if (body.TryGetProperty("seq", out JsonElement seq) && seq.GetInt64() > 0)
            {
                _bySeq[seq.GetInt64()] = (message.Topic, body);
            }
        }
    }

    public IEnumerable<JsonElement> On(string topicSuffix) =>
        _bySeq.Values.Where(m => m.Topic.EndsWith(topicSuffix, StringComparison.Ordinal)).Select(m => m.Body);

    public ValueTask DisposeAsync() => _probe.DisposeAsync();
}
