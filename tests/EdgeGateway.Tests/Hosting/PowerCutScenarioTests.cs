using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.CommandLine;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hosting;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;

namespace EdgeGateway.Tests.Hosting;

/// <summary>
/// A scenario's <c>supply: cut</c> through the run command itself (<c>run --simulate</c>, as fast as the CPU allows, on
/// a data directory of its own): the gateway's life ends as on a power loss, the shed waits out the outage without
/// mains, and a new life starts on what the data directory kept — as a start after a real power cut does.
/// </summary>
public sealed class PowerCutScenarioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-power-cut-").FullName;
    private readonly List<ShedRuntime> _lives = [];
    private readonly List<JsonArray> _journalAtBoot = [];
    private readonly List<double> _p01DeliveredAtBoot = [];
    private readonly List<bool> _p02PluggedAtBoot = [];
    private readonly RecordingLog _log = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string DataDirectory => Path.Combine(_dir, "data");

    private string JournalFile => Path.Combine(DataDirectory, "sessions.json");

    /// <summary>Runs the scenario; at each boot keeps the runtime, the journal as the boot found it, and P01's true energy so far.</summary>
    private async Task<int> RunAsync(string scenario, double speed = 0, string broker = "none")
    {
        return await RunCommand.RunAsync(
            new RunCommand.RunArguments(null, true, scenario, speed, DataDirectory, "en", null, broker),
            CancellationToken.None,
            new RunCommand.RunHooks(
                runtime =>
                {
                    _lives.Add(runtime);
                    _journalAtBoot.Add(File.Exists(JournalFile) ? (JsonArray)JsonNode.Parse(File.ReadAllText(JournalFile))! : []);
                    _p01DeliveredAtBoot.Add(runtime.Simulation!.Model.Outlet("P01").DeliveredWh);
                    _p02PluggedAtBoot.Add(runtime.Simulation.Model.Outlet("P02").Load is not null);
                },
                _log));
    }

    private static JsonObject Entry(JsonArray journal, string port) =>
        Assert.Single(journal.OfType<JsonObject>(), s => (string?)s["port_id"] == port);

    [Fact]
    public async Task The_shipped_power_cut_resumes_the_charge_after_five_minutes_with_its_energy_carried_on_and_keeps_the_lockout()
    {
        int exitCode = await RunAsync(Path.Combine(FirmwareConfig.Root, "scenarios", "power-cut.yaml"));

        Assert.True(exitCode == 0, $"exit {exitCode}; log:\n{_log}");
        Assert.Equal(2, _lives.Count);
        Assert.Same(_lives[0].Simulation!.Model, _lives[1].Simulation!.Model);
        Assert.NotSame(_lives[0].Protection, _lives[1].Protection);
        Assert.Contains(_log.Entries, e => e.Message == "Power cut: the shed and its gateway lose mains for 00:05:00");

        // The first life ended as a power loss ends: nothing suspended or closed, the journal as its last write left it.
        JsonObject journalled = Entry(_journalAtBoot[1], "P01");
        string id = (string)journalled["id"]!;
        double energyAtCut = (double)journalled["energy_wh"]!;
        Assert.Null(journalled["stopped_at"]);
        Assert.True(energyAtCut > 0, "the journal had written some of P01's energy before the cut");
        Assert.DoesNotContain(_log.Entries, e => e.Message.StartsWith("Port P01: session", StringComparison.Ordinal) && e.Message.Contains(" closed after ", StringComparison.Ordinal));

        // Five minutes without mains: the charger drew nothing; the same session resumes with the energy of the last write.
        RecordingLog.Entry resumed = Assert.Single(_log.Entries, e => e.Message.Contains(" resumed after ", StringComparison.Ordinal));
        Assert.Equal(id, resumed.State["SessionId"]);
        Assert.Equal(energyAtCut, (double)resumed.State["EnergyWh"]!);
        Assert.InRange((TimeSpan)resumed.State["Offline"]!, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(6.5));

        // The P02 lockout outlived the cut: its owner's new start request is refused.
        Assert.Contains(_log.Entries, e => e.Message.StartsWith("Command Start on P02 by user: accepted=False (locked out by port_overload", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Entries, e => e.Message.StartsWith("Port P02: session", StringComparison.Ordinal) && e.Message.Contains("started", StringComparison.Ordinal) && e.At > resumed.At);

        // The end of the scenario is a clean stop: the session is suspended with the energy of both lives, and what the
        // second life added is what the charger drew after the boot — nothing counted twice.
        JsonObject atEnd = Entry((JsonArray)JsonNode.Parse(await File.ReadAllTextAsync(JournalFile))!, "P01");
        Assert.Equal(id, (string)atEnd["id"]!);
        double drawnAfterBoot = _lives[1].Simulation!.Model.Outlet("P01").DeliveredWh - _p01DeliveredAtBoot[1];
        Assert.InRange(drawnAfterBoot, 10, 25); // 200 W for about five minutes
        Assert.InRange((double)atEnd["energy_wh"]! - energyAtCut, drawnAfterBoot * 0.95, drawnAfterBoot * 1.05);
        Assert.Single(_log.Entries, e => e.Message.StartsWith("Port P01: session", StringComparison.Ordinal) && e.Message.Contains(" suspended at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cut_longer_than_the_resume_window_ends_the_session_as_power_loss_with_the_energy_of_the_last_write()
    {
        string scenario = Path.Combine(_dir, "long-cut.yaml");
        await File.WriteAllTextAsync(scenario, """
            speed: 0
            start: "2026-11-25T19:00:00+08:00"
            duration: "00:19:00"
            events:
              - at: "00:00:01"
                port: P01
                plug: { load: lithium, powerW: 200, stateOfCharge: 0.3 }
              - at: "00:03:00"
                supply: { cut: "00:15:00" }
              - at: "00:10:00"
                port: P02
                plug: { load: lead_acid, powerW: 150 }
            """);

        int exitCode = await RunAsync(scenario);

        Assert.True(exitCode == 0, $"exit {exitCode}; log:\n{_log}");
        Assert.Equal(2, _lives.Count);
        JsonObject journalled = Entry(_journalAtBoot[1], "P01");
        RecordingLog.Entry closed = Assert.Single(_log.Entries, e => e.Message.Contains(" closed after ", StringComparison.Ordinal));
        Assert.Equal((string)journalled["id"]!, closed.State["SessionId"]);
        Assert.Equal(SessionEndReason.PowerLoss, closed.State["EndReason"]);
        Assert.Equal((double)journalled["energy_wh"]!, (double)closed.State["EnergyWh"]!);
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains(" resumed after ", StringComparison.Ordinal));
        Assert.Equal("[]", (await File.ReadAllTextAsync(JournalFile)).Trim());

        // Someone plugged in at P02 during the outage, at the time the scenario says: it was there when the gateway booted,
        // and its start request, made while the gateway was down, went unheard.
        Assert.Equal(new[] { false, true }, _p02PluggedAtBoot);
        Assert.DoesNotContain(_log.Entries, e => e.Message.StartsWith("Port P02: session", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Servers")]
    public async Task At_the_cut_the_broker_publishes_the_gateways_will_and_the_next_life_comes_back_online()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using ProbeClient hub = await ProbeClient.ConnectAsync(broker, clientId: "power-cut-hub");
        await hub.SubscribeAsync("edge/v1/linzi-demo-001/gw-01/status");
        string scenario = Path.Combine(_dir, "cut.yaml");
        await File.WriteAllTextAsync(scenario, """
            start: "2026-11-25T19:00:00+08:00"
            duration: "00:01:30"
            events:
              - at: "00:00:30"
                supply: { cut: "00:00:50" }
            """);

        // Ten times real time: three seconds of the first life, time enough to connect.
        int exitCode = await RunAsync(scenario, speed: 10, broker: broker.Uri.ToString());

        Assert.True(exitCode == 0, $"exit {exitCode}; log:\n{_log}");
        var statuses = new List<(bool Online, string? LastError)>();
        while (await hub.TryNextAsync(TimeSpan.FromSeconds(3)) is { } message)
        {
            JsonNode body = JsonNode.Parse(Encoding.UTF8.GetString(message.Payload.ToArray()))!;
            statuses.Add(((bool)body["online"]!, (string?)body["last_error"]));
        }

        int firstOnline = statuses.FindIndex(s => s.Online);
        int will = statuses.FindIndex(s => !s.Online && s.LastError == "connection lost");
        int backOnline = statuses.FindLastIndex(s => s.Online);
        Assert.True(firstOnline >= 0 && will > firstOnline && backOnline > will, $"online, then the will, then online again: {string.Join(", ", statuses)}");
    }
}
