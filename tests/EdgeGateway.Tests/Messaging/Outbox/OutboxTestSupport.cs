using System.Text;
using EdgeGateway.Messaging.Outbox;

namespace EdgeGateway.Tests.Messaging.Outbox;

/// <summary>A temp directory per test, removed afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgegateway-outbox-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

internal static class Items
{
    /// <summary>An item whose payload is "<paramref name="text"/>#seq", so a test sees which seq it was rendered with.</summary>
    public static OutboxItem Of(MessageClass cls, string topic, string text, bool retain = false) =>
        new(topic, cls, retain, seq => Encoding.UTF8.GetBytes($"{text}#{seq}"));

    public static OutboxItem Telemetry(string topic, string text) => Of(MessageClass.Telemetry, topic, text);

    public static OutboxItem Alarm(string topic, string text) => Of(MessageClass.Alarm, topic, text);

    public static string Text(this OutboxRecord record) => Encoding.UTF8.GetString(record.Payload.Span);

    public static OutboxOptions Options(string path) => new() { Path = path };

    /// <summary>Everything pending, in drain order.</summary>
    public static IReadOnlyList<OutboxRecord> All(this DurableOutbox outbox) => outbox.PeekBatch(int.MaxValue);

    public static DurableOutbox Open(OutboxOptions options)
    {
        var outbox = DurableOutbox.Open(options, out string? recovery);
        Assert.Null(recovery);
        return outbox;
    }
}
