using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Commands;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Timekeeping;

namespace EdgeGateway.Tests.Messaging.Link;

/// <summary>
/// A replayed command is not applied again: the gateway applies a command id once and answers a replay with its first
/// reply, and refuses a command issued longer ago than <c>mqtt.commandMaxAgeSeconds</c> (300 s) — judged only while its
/// wall clock is synchronised. Through real Mosquitto.
/// </summary>
[Trait("Category", "Servers")]
public sealed class CommandReplayTests
{
    private static async Task<JsonNode> CommandAsync(LinkRig rig, ProbeClient probe, string name, CommandRequest request)
    {
        await probe.PublishAsync(ContractTopics.Command("test-site", "gw-test", name), ContractJson.SerializeToString(request), responseTopic: "replies/replay", correlationData: [5]);
        Task<MQTTnet.MqttApplicationMessage> reply = probe.NextAsync(TimeSpan.FromSeconds(120));
        while (!reply.IsCompleted)
        {
            rig.Shed.Round();
            await Task.Delay(20);
        }

        return JsonNode.Parse(Encoding.UTF8.GetString((await reply).Payload.ToArray()))!;
    }

    private static async Task<(LinkRig Rig, ProbeClient Probe)> StartAsync(MosquittoBroker broker, bool clockSynchronized)
    {
        LinkRig rig = await LinkRig.StartAsync(broker, clock: ClockSync.Fixed(clockSynchronized));
        ProbeClient probe = await ProbeClient.ConnectAsync(broker);
        await probe.SubscribeAsync("replies/#");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!rig.Connection.IsConnected)
        {
            Assert.False(deadline.IsCancellationRequested, "the link did not connect");
            await Task.Delay(50);
        }

        return (rig, probe);
    }

    [Fact]
    public async Task A_replayed_command_id_gets_its_first_reply_and_is_not_applied_again_and_an_expired_one_is_refused()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        (LinkRig rig, ProbeClient probe) = await StartAsync(broker, clockSynchronized: true);
        await using LinkRig _ = rig;
        await using ProbeClient __ = probe;
        DateTimeOffset now = rig.Shed.Runtime.Time.GetUtcNow();
        var disable = new CommandRequest { Port = "P3", Operator = "wang", Id = "cmd-disable-1", IssuedTs = now };

        JsonNode first = await CommandAsync(rig, probe, ContractCommands.PortDisable, disable);
        Assert.True((bool)first["ok"]!);
        Assert.Equal(PortState.Disabled, rig.Shed.Port("P3").State);
        Assert.True((bool)(await CommandAsync(rig, probe, ContractCommands.PortEnable, disable with { Id = "cmd-enable-1" }))["ok"]!);
        Assert.Equal(PortState.Idle, rig.Shed.Port("P3").State);

        JsonNode replayed = await CommandAsync(rig, probe, ContractCommands.PortDisable, disable);
        Assert.Equal(first.ToJsonString(), replayed.ToJsonString());
        Assert.Equal(PortState.Idle, rig.Shed.Port("P3").State); // not disabled again

        JsonNode expired = await CommandAsync(rig, probe, ContractCommands.PortDisable, disable with { Id = "cmd-disable-2", IssuedTs = now.AddSeconds(-301) });
        Assert.False((bool)expired["ok"]!);
        Assert.StartsWith("expired", (string?)expired["message"], StringComparison.Ordinal);
        Assert.Equal(PortState.Idle, rig.Shed.Port("P3").State);
    }

    [Fact]
    public async Task A_gateway_whose_clock_is_not_synchronised_applies_an_old_command_once()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        (LinkRig rig, ProbeClient probe) = await StartAsync(broker, clockSynchronized: false);
        await using LinkRig _ = rig;
        await using ProbeClient __ = probe;
        var old = new CommandRequest { Port = "P3", Operator = "wang", Id = "cmd-old-1", IssuedTs = rig.Shed.Runtime.Time.GetUtcNow().AddHours(-3) };

        Assert.True((bool)(await CommandAsync(rig, probe, ContractCommands.PortDisable, old))["ok"]!);
        Assert.Equal(PortState.Disabled, rig.Shed.Port("P3").State);
        Assert.True((bool)(await CommandAsync(rig, probe, ContractCommands.PortEnable, old with { Id = "cmd-old-2" }))["ok"]!);
        Assert.True((bool)(await CommandAsync(rig, probe, ContractCommands.PortDisable, old))["ok"]!); // the first reply
        Assert.Equal(PortState.Idle, rig.Shed.Port("P3").State);
    }

    [Fact]
    public void The_id_cache_is_bounded_forgetting_the_oldest_id()
    {
        var guard = new CommandReplayGuard(capacity: 2);
        var reply = CommandReply.Applied("snapshot", DateTimeOffset.UnixEpoch, "done");
        guard.Remember("a", reply);
        guard.Remember("b", reply);
        guard.Remember("c", reply);

        Assert.False(guard.TryGetReply("a", out _));
        Assert.True(guard.TryGetReply("b", out _));
        Assert.True(guard.TryGetReply("c", out _));
        Assert.False(guard.TryGetReply(null, out _));
    }

    [Fact]
    public void Applied_ids_survive_a_restart_through_the_journal_and_a_torn_last_line_is_ignored()
    {
        string dir = Directory.CreateTempSubdirectory("edgegateway-cmd-ids-").FullName;
        try
        {
            string journal = Path.Combine(dir, CommandReplayGuard.FileName);
            var first = CommandReply.Applied("port_disable", DateTimeOffset.UnixEpoch, "disabled");
            var before = new CommandReplayGuard(journal, capacity: 3);
            before.Remember("cmd-1", first);
            before.Remember("cmd-2", CommandReply.Refused("port_reset", DateTimeOffset.UnixEpoch, "nothing to reset"));

            // A power cut while the next line was being appended leaves half of it.
            File.AppendAllText(journal, "{\"id\":\"cmd-3\",\"rep");

            var after = new CommandReplayGuard(journal, capacity: 3);
            Assert.Null(after.JournalProblem);
            Assert.True(after.TryGetReply("cmd-1", out CommandReply? again));
            Assert.Equal((first.Command, first.Ok, first.Message), (again!.Command, again.Ok, again.Message));
            Assert.True(after.TryGetReply("cmd-2", out CommandReply? refused));
            Assert.False(refused!.Ok);
            Assert.False(after.TryGetReply("cmd-3", out _));

            // Past twice the capacity the journal is rewritten with the newest ids only, and still reads back.
            for (int i = 4; i <= 10; i++)
            {
                after.Remember($"cmd-{i}", first);
            }

            var later = new CommandReplayGuard(journal, capacity: 3);
            Assert.False(later.TryGetReply("cmd-1", out _));
            Assert.True(later.TryGetReply("cmd-10", out _));
            Assert.True(File.ReadAllLines(journal).Length <= 6);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
