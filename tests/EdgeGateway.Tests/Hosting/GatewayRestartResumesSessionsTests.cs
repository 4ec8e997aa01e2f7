using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Tests.Hosting;

/// <summary>
/// 断电续充 against the gateway process itself: SIGKILLed mid-charge and restarted on the same data directory, on the
/// simulated shed. Each life is a scenario whose clock starts where the outage ends (a simulated shed's clock is its
/// own), so the outage is exactly what the test says it is.
/// </summary>
[Trait("Category", "Servers")]
public sealed class GatewayRestartResumesSessionsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string JournalFile => Path.Combine(_dir, "sessions.json");

    private ProductProcess StartGateway(string scenario, string broker) =>
        ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", "firmware-config/sites/demo.yaml", "--scenario", WriteScenario(scenario),
            "--data-dir", _dir, "--broker", broker, "--lang", "en",
        ]);

    private string WriteScenario(string yaml)
    {
        string path = Path.Combine(_dir, $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Scenario(DateTimeOffset start, double speed, string duration, string events) => $"""
        name: resume
        speed: {speed.ToString(CultureInfo.InvariantCulture)}
        start: "{start.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture)}"
        seed: 3
        duration: "{duration}"
        events:
        {events}
        """;

    /// <summary>The journal's entry for <paramref name="port"/>, once <paramref name="until"/> holds for it.</summary>
    private async Task<JsonObject> JournalEntryAsync(string port, Func<JsonObject, bool> until, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            try
            {
                if (File.Exists(JournalFile)
                    && JsonNode.Parse(await File.ReadAllTextAsync(JournalFile, timeout.Token)) is JsonArray sessions
                    && sessions.OfType<JsonObject>().FirstOrDefault(s => (string?)s["port_id"] == port) is { } entry
                    && until(entry))
                {
                    return entry;
                }
            }
            catch (IOException)
            {
                // Replaced while being read: read again.
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    [Fact]
    public async Task A_gateway_killed_mid_charge_resumes_the_same_session_and_a_restart_after_the_window_ends_it_as_power_loss_reported_once()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync();
        await using ProbeClient hub = await ProbeClient.ConnectAsync(broker, clientId: "resume-consumer");
        await hub.SubscribeAsync("edge/v1/linzi-demo-001/gw-01/sessions/#");
        string uri = broker.Uri.ToString();
        var start = new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8));

        // First life: P01 charging; SIGKILL once the journal has written some of its energy.
        JsonObject first;
        await using (ProductProcess life = StartGateway(Scenario(start, 10, "02:00:00", """
              - at: "00:00:01"
                port: P01
                plug: { load: lithium, powerW: 200, stateOfCharge: 0.3 }
            """), uri))
        {
            first = await JournalEntryAsync("P01", e => (double)e["energy_wh"]! > 0.5, "P01's energy journalled");
            await life.KillAsync();
        }

        string id = (string)first["id"]!;
        double energyAtKill = (double)first["energy_wh"]!;
        var lastWrite = DateTimeOffset.Parse((string)first["written_at"]!, CultureInfo.InvariantCulture);

        // Second life, three minutes later: the charger is still plugged in; the session carries on.
        JsonObject second;
        await using (ProductProcess life = StartGateway(Scenario(lastWrite + TimeSpan.FromMinutes(3), 10, "02:00:00", """
              - at: "00:00:00"
                port: P01
                plug: { load: lithium, powerW: 200, stateOfCharge: 0.3, requestStart: false }
            """), uri))
        {
            await life.WaitForLineAsync($"session {id} resumed after 00:03:00", Patience);

            // Energy continues from the journalled value (not from zero), which it can only do through a closed relay.
            second = await JournalEntryAsync("P01", e => (string)e["id"]! == id && (double)e["energy_wh"]! > energyAtKill + 0.5, "P01's energy growing after the resume");
            Assert.DoesNotContain("started by", life.Output, StringComparison.Ordinal);
            await life.KillAsync();
        }

        double energyAtSecondKill = (double)second["energy_wh"]!;
        var secondWrite = DateTimeOffset.Parse((string)second["written_at"]!, CultureInfo.InvariantCulture);

        // Third life, twenty minutes later: beyond the ten-minute window. It also drains what the killed lives queued.
        await using (ProductProcess life = StartGateway(Scenario(secondWrite + TimeSpan.FromMinutes(20), 1, "00:00:15", "  []"), uri))
        {
            Assert.Equal(0, await life.WaitForExitAsync(Patience));
            Assert.Contains($"session {id} closed", life.Output, StringComparison.Ordinal);
            Assert.Contains("end PowerLoss", life.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("resumed after", life.Output, StringComparison.Ordinal);
        }

        Assert.Equal("[]", (await File.ReadAllTextAsync(JournalFile)).Trim());

        // What a hub sees: the resume once, and the session once — when it ended, with the energy of both lives.
        var closed = new List<JsonNode>();
        var resumed = new List<JsonNode>();
        while (await hub.TryNextAsync(TimeSpan.FromSeconds(3)) is { } message)
        {
            JsonNode body = JsonNode.Parse(Encoding.UTF8.GetString(message.Payload.ToArray()))!;
            if ((string?)body["session_id"] == id)
            {
                (message.Topic.EndsWith("/resumed", StringComparison.Ordinal) ? resumed : closed).Add(body);
            }
        }

        JsonNode report = Assert.Single(closed);
        Assert.Equal(("power_loss", Math.Round(energyAtSecondKill, 3)), ((string)report["end_reason"]!, (double)report["energy_wh"]!));
        JsonNode resume = Assert.Single(resumed);
        Assert.Equal(Math.Round(energyAtKill, 3), (double)resume["energy_wh"]!);

        // Three minutes, and the few milliseconds of simulated bus traffic that bring the board up before protection starts.
        Assert.InRange((double)resume["offline_s"]!, 180, 181);
    }

    [Fact]
    public async Task A_port_locked_out_before_a_kill_stays_open_after_the_restart_while_its_neighbour_resumes()
    {
        var start = new DateTimeOffset(2026, 11, 25, 19, 0, 0, TimeSpan.FromHours(8));
        JsonObject journalled;
        await using (ProductProcess life = StartGateway(Scenario(start, 10, "02:00:00", """
              - at: "00:00:01"
                port: P01
                plug: { load: lithium, powerW: 200, stateOfCharge: 0.3 }
              - at: "00:00:02"
                port: P02
                plug: { load: modified_charger, powerW: 1500, stateOfCharge: 0.2 }
            """), "none"))
        {
            await life.WaitForLineAsync("PortOverload", Patience);
            journalled = await JournalEntryAsync("P01", e => (double)e["energy_wh"]! > 0.2, "P01's energy journalled");
            Assert.True(File.Exists(Path.Combine(_dir, "lockouts.json")), "the lockout was journalled before the kill");
            await life.KillAsync();
        }

        var lastWrite = DateTimeOffset.Parse((string)journalled["written_at"]!, CultureInfo.InvariantCulture);
        await using (ProductProcess life = StartGateway(Scenario(lastWrite + TimeSpan.FromMinutes(1), 10, "00:01:00", """
              - at: "00:00:00"
                port: P01
                plug: { load: lithium, powerW: 200, stateOfCharge: 0.3, requestStart: false }
              - at: "00:00:00"
                port: P02
                plug: { load: modified_charger, powerW: 1500, stateOfCharge: 0.2 }
            """), "none"))
        {
            Assert.Equal(0, await life.WaitForExitAsync(Patience));
            string output = life.Output;
            Assert.Contains($"session {(string)journalled["id"]!} resumed after", output, StringComparison.Ordinal);
            Assert.Contains("Command Start on P02 by user: accepted=False (locked out by port_overload: needs port_reset)", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Port P02: session", output, StringComparison.Ordinal);
        }
    }
}
