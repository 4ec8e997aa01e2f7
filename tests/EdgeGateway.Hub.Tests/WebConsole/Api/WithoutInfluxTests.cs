using System.Net;
using System.Text.Json;

namespace EdgeGateway.Hub.Tests.WebConsole.Api;

/// <summary>A hub whose InfluxDB is not reachable: the live board and commands work, every history says why it is
/// missing (history_available false and a message), the CSV export refuses with 503 rather than an empty file.</summary>
[Trait("Category", "Servers")]
public sealed class WithoutInfluxTests(WithoutInfluxTests.Rig rig) : IClassFixture<WithoutInfluxTests.Rig>
{
    [Fact]
    public async Task A_port_detail_shows_the_live_port_and_says_history_is_not_available()
    {
        using ConsoleClient client = await rig.SignInAsync("maintenance");
        JsonElement detail = await client.GetJsonAsync($"/api/ports/{FakeGateway.Site}/{FakeGateway.Gateway}/{FakeGateway.Port}");
        Assert.Equal("idle", detail.GetProperty("port").GetProperty("state").GetString());
        Assert.False(detail.GetProperty("history_available").GetBoolean());
        Assert.StartsWith("历史数据不可用:InfluxDB at http://127.0.0.1:", detail.GetProperty("history_message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, detail.GetProperty("series").GetArrayLength());
        Assert.Equal(0, detail.GetProperty("sessions").GetArrayLength());
        Assert.Equal(0, detail.GetProperty("alarms").GetArrayLength());
    }

    [Fact]
    public async Task The_alarm_history_says_it_is_not_available_and_its_CSV_is_503()
    {
        using ConsoleClient client = await rig.SignInAsync("manager");
        JsonElement history = await client.GetJsonAsync("/api/alarms/history");
        Assert.False(history.GetProperty("history_available").GetBoolean());
        Assert.Contains("not reachable", history.GetProperty("history_message").GetString(), StringComparison.Ordinal);
        using HttpResponseMessage csv = await client.GetAsync("/api/alarms/history.csv");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, csv.StatusCode);
    }

    [Fact]
    public async Task Alarms_raised_while_the_hub_runs_are_active_without_InfluxDB()
    {
        string id = await rig.Fake.RaiseAlarmAsync("port_sensor_fault", Contracts.Alarms.AlarmSeverity.Major);
        using ConsoleClient client = await rig.SignInAsync("admin");
        await ConsoleApiRig.Eventually(
            async () => (await client.GetJsonAsync("/api/alarms/active")).GetProperty("alarms").EnumerateArray().Any(a => a.GetProperty("alarm_id").GetString() == id),
            TimeSpan.FromSeconds(10),
            "the alarm never became active");
        JsonElement board = await client.GetJsonAsync("/api/board");
        JsonElement port = ConsoleApiRig.FindItem(ConsoleApiRig.FindGateway(board, FakeGateway.Site, FakeGateway.Gateway)!.Value, "ports", "port", FakeGateway.Port)!.Value;
        Assert.True(port.GetProperty("needs_attention").GetBoolean());
    }

    /// <summary>Mosquitto, the hub pointed at a port where no InfluxDB listens (<see cref="ConsoleHubRig"/>), and the fake gateway.</summary>
    public sealed class Rig() : ConsoleHubRig("noinflux", OnePerRole, ConsoleApiRig.CommandTimeout, withInflux: false)
    {
        private FakeGateway? _fake;

        internal FakeGateway Fake => _fake!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            _fake = await FakeGateway.StartAsync(Broker);
            using ConsoleClient admin = await SignInAsync("admin");
            await ConsoleApiRig.Eventually(
                async () => ConsoleApiRig.FindGateway(await admin.GetJsonAsync("/api/board"), FakeGateway.Site, FakeGateway.Gateway) is { } g && g.GetProperty("ports").GetArrayLength() == 1,
                TimeSpan.FromSeconds(120),
                "the fake gateway never showed on the board");
        }

        internal async Task<ConsoleClient> SignInAsync(string role)
        {
            var client = new ConsoleClient(BaseUri);
            await client.SignInAsync(UserOf(role), Password);
            Assert.NotNull(client.Cookie("edge.auth"));
            return client;
        }

        public override async Task DisposeAsync()
        {
            if (_fake is not null)
            {
                await _fake.DisposeAsync();
            }

            await base.DisposeAsync();
        }
    }
}
