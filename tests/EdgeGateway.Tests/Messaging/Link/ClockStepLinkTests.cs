using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Timekeeping;
using MQTTnet;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>The link reports its clock: <c>clock_synced</c> in every status, and a status with <c>clock_step</c> when the stamp clock steps.</summary>
[Trait("Category", "Servers")]
public sealed class ClockStepLinkTests
{
    [Fact]
    public async Task A_step_of_the_stamp_clock_is_reported_in_a_status_message()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("edge/+/+/+/status");
        var stamps = new StampClock();
        await using LinkRig rig = await LinkRig.StartAsync(broker, outboxOptions: o => o with { StampClock = stamps, BootId = "boot-link" }, clock: ClockSync.Fixed(false));

        JsonNode first = await NextStatusAsync(probe, _ => true);
        Assert.False((bool)first["clock_synced"]!);
        Assert.Null(first["clock_step"]);

        stamps.WallOffset = TimeSpan.FromHours(-3);
        JsonNode stepped = await NextStatusAsync(probe, s => s["clock_step"] is not null);
        JsonNode step = stepped["clock_step"]!;
        Assert.InRange((long)step["step_ms"]!, -3 * 3_600_000 - 1000, -3 * 3_600_000 + 1000);
        Assert.NotNull((string?)step["detected_ts"]);
    }

    private static async Task<JsonNode> NextStatusAsync(ProbeClient probe, Func<JsonNode, bool> wanted)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(60); // bounds a failing run only
        while (DateTime.UtcNow < until)
        {
            MqttApplicationMessage? message = await probe.TryNextAsync(TimeSpan.FromSeconds(1));
            if (message is not null && JsonNode.Parse(Encoding.UTF8.GetString(message.Payload.ToArray())) is { } status && wanted(status))
            {
                return status;
            }
        }

        throw new Xunit.Sdk.XunitException("no such status message arrived");
    }

    /// <summary>The system clocks with a wall clock that can be stepped.</summary>
    private sealed class StampClock : TimeProvider
    {
        public TimeSpan WallOffset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + WallOffset;
    }
}
