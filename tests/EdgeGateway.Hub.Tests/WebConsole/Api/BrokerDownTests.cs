using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>With the broker gone, a command or an acknowledgement is 503 (nothing sent, nothing recorded as done), and
/// the board still answers with what it last knew.</summary>
[Trait("Category", "Servers")]
public sealed class BrokerDownTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-console-brokerdown-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Commands_and_acknowledgements_answer_503_while_the_broker_is_unreachable()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        string settings = Path.Combine(_dir, "hub.json");
        await File.WriteAllTextAsync(settings, ConsoleApiRig.SettingsJson(ConsoleApiRig.OnePerRole, ConsoleApiRig.CommandTimeout));
        await using HubProcess hub = await HubProcess.StartAsync(broker, new Uri("http://127.0.0.1:9"), "v1", "edge",
            ConsoleHubRig.WithRegistry(Directory.CreateDirectory(Path.Combine(_dir, "hub")).FullName), clientId: "brokerdown-hub", settingsFile: settings);
        using var admin = new ConsoleClient(new Uri($"http://127.0.0.1:{hub.HttpPort.ToString(CultureInfo.InvariantCulture)}/"));
        await ConsoleClient.WaitServingAsync(admin.BaseUri);
        await admin.SignInAsync("admin", ConsoleApiRig.Password);

        string alarmId;
        await using (FakeGateway fake = await FakeGateway.StartAsync(broker))
        {
            alarmId = await fake.RaiseAlarmAsync();
            await ConsoleApiRig.Eventually(
                async () => (await admin.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").GetArrayLength() == 1,
                TimeSpan.FromSeconds(10), "the fake gateway's alarm never showed");
        }

        await broker.StopAsync();
        await ConsoleApiRig.Eventually(async () => !(await hub.HealthAsync()).GetProperty("broker_connected").GetBoolean(), TimeSpan.FromSeconds(10), "the hub never noticed the broker was gone");
        await Task.Delay(500); // the console's own connection notices at the same moment as ingest's

        (HttpStatusCode command, JsonElement commandError) = await admin.PostAsync(
            $"/api/gateways/{FakeGateway.Site}/{FakeGateway.Gateway}/commands/port_disable", $$"""{"port":"{{FakeGateway.Port}}"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, command);
        Assert.Equal("broker_unreachable", commandError.GetProperty("error").GetString());

        (HttpStatusCode ack, JsonElement ackError) = await admin.PostAsync($"/api/alarms/{alarmId}/ack", """{"comment":"x"}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ack);
        Assert.Equal("broker_unreachable", ackError.GetProperty("error").GetString());
        JsonElement alarm = (await admin.GetJsonAsync("/api/alarms/active")).GetProperty("alarms")[0];
        Assert.False(alarm.GetProperty("acknowledged").GetBoolean());

        // The board still shows the last known state; the audit log has both failures.
        Assert.NotNull(ConsoleApiRig.FindGateway(await admin.GetJsonAsync("/api/board"), FakeGateway.Site, FakeGateway.Gateway));
        JsonElement[] entries = [.. (await admin.GetJsonAsync("/api/audit")).GetProperty("entries").EnumerateArray()];
        Assert.Contains(entries, e => e.GetProperty("action").GetString() == "port_disable" && e.GetProperty("result").GetString()!.Contains("not reachable", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.GetProperty("action").GetString() == "alarm_ack" && e.GetProperty("result").GetString()!.Contains("not reachable", StringComparison.Ordinal));
    }
}
