using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Hub.Tests.EndToEnd;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;
using Microsoft.AspNetCore.Identity;

namespace EdgeGateway.Hub.Tests.Console.Api;

/// <summary>The console API tests share one stack (<see cref="ConsoleApiRig"/>); they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class SharedConsoleApi : ICollectionFixture<ConsoleApiRig>
{
    public const string Name = "console-api";
}

/// <summary>
/// The real product for the console API tests, started once: Mosquitto, InfluxDB 1.x, the hub process (web console
/// with one user per role, settings from a JSON file with hashes made here by ASP.NET Core Identity's PasswordHasher,
/// a 3 s command timeout), the real gateway on simulated hardware (scenario "overload", its clock starting now, real
/// time: P02 is locked out about 2.5 s after start), and a fake gateway that raises alarms on demand and never answers.
/// </summary>
public sealed class ConsoleApiRig : IAsyncLifetime
{
    public const string Site = SimulatedGateway.Site;
    public const string Gateway = SimulatedGateway.Gateway;
    public const string Password = "Console-api-test-2026";
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The role of each test user; <c>lock-me</c> is for the lockout test only.</summary>
    public static IReadOnlyDictionary<string, string> Users { get; } = new Dictionary<string, string>
    {
        ["zhang"] = "viewer",
        ["li"] = "manager",
        ["wang"] = "maintenance",
        ["admin"] = "admin",
        ["lock-me"] = "viewer",
        ["wrong-pw"] = "manager",
    };

    public static IReadOnlyList<string> Roles { get; } = ["viewer", "manager", "maintenance", "admin"];

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-console-api-").FullName;
    private readonly Dictionary<string, ConsoleClient> _signedIn = [];
    private MosquittoBroker? _broker;
    private InfluxDbServer? _influx;
    private HubProcess? _hub;
    private ProductProcess? _gateway;
    private FakeGateway? _fake;

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public InfluxDbServer Influx => _influx ?? throw new InvalidOperationException("not started");

    internal HubProcess Hub => _hub ?? throw new InvalidOperationException("not started");

    internal FakeGateway Fake => _fake ?? throw new InvalidOperationException("not started");

    public string GatewayOutput => _gateway?.Output ?? "";

    public async Task InitializeAsync()
    {
        Task<MosquittoBroker> broker = MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        Task<InfluxDbServer> influx = InfluxDbServer.StartNewAsync();
        _broker = await broker;
        _influx = await influx;
        await _influx.CreateDatabaseAsync("edge");

        string settings = Path.Combine(_dir, "hub.json");
        await File.WriteAllTextAsync(settings, SettingsJson(Users, CommandTimeout));
        _hub = await HubProcess.StartAsync(_broker, _influx.Uri, "v1", "edge", Dir("hub"), clientId: "api-hub", settingsFile: settings);
        BaseUri = new Uri($"http://127.0.0.1:{_hub.HttpPort.ToString(CultureInfo.InvariantCulture)}/");
        await ConsoleClient.WaitServingAsync(BaseUri);

        _gateway = StartGateway(_broker, _dir);
        _fake = await FakeGateway.StartAsync(_broker);

        // Ready when the board shows the shed's 20 ports and 4 bins and the fake gateway (retained states).
        using ConsoleClient admin = new(BaseUri);
        await admin.SignInAsync("admin", Password);
        await Eventually(async () =>
        {
            JsonElement board = await admin.GetJsonAsync("/api/board");
            JsonElement? shed = FindGateway(board, Site, Gateway);
            return shed is { } g && g.GetProperty("ports").GetArrayLength() == 20 && g.GetProperty("bins").GetArrayLength() == 4
                && FindGateway(board, FakeGateway.Site, FakeGateway.Gateway) is not null;
        }, TimeSpan.FromSeconds(60), "the board never showed the demo shed's 20 ports and 4 bins and the fake gateway");
    }

    /// <summary>The hub's settings file: users with hashes made by Identity's PasswordHasher, and the command timeout.</summary>
    internal static string SettingsJson(IReadOnlyDictionary<string, string> users, TimeSpan commandTimeout)
    {
        var hasher = new PasswordHasher<object>();
        return JsonSerializer.Serialize(new
        {
            Console = new
            {
                Users = users.ToDictionary(u => u.Key, u => new { PasswordHash = hasher.HashPassword(u.Key, Password), Role = u.Value }),
                CommandTimeout = commandTimeout.ToString("c", CultureInfo.InvariantCulture),
            },
        });
    }

    /// <summary>A client signed in as the test user of <paramref name="role"/> (one per role, kept for the whole run).</summary>
    internal async Task<ConsoleClient> AsAsync(string role)
    {
        if (!_signedIn.TryGetValue(role, out ConsoleClient? client))
        {
            client = new ConsoleClient(BaseUri);
            using HttpResponseMessage response = await client.SignInAsync(UserOf(role), Password);
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.NotNull(client.Cookie("edge.auth"));
            _signedIn[role] = client;
        }

        return client;
    }

    internal ConsoleClient Anonymous() => new(BaseUri);

    public static string UserOf(string role) => role switch
    {
        "viewer" => "zhang",
        "manager" => "li",
        "maintenance" => "wang",
        _ => "admin",
    };

    internal static JsonElement? FindGateway(JsonElement board, string site, string gateway)
    {
        foreach (JsonElement g in board.GetProperty("gateways").EnumerateArray())
        {
            if (g.GetProperty("site").GetString() == site && g.GetProperty("gateway").GetString() == gateway)
            {
                return g;
            }
        }

        return null;
    }

    internal static JsonElement? FindItem(JsonElement gateway, string collection, string key, string id)
    {
        foreach (JsonElement item in gateway.GetProperty(collection).EnumerateArray())
        {
            if (item.GetProperty(key).GetString() == id)
            {
                return item;
            }
        }

        return null;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    internal static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what} (waited {timeout})");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The demo shed with scenario "overload" (P02 gets a 1500 W modified charger and is locked out), its clock starting
    /// now so that what it sends falls in InfluxDB's "last hours", at real-time speed, for half an hour at most.
    /// </summary>
    internal static ProductProcess StartGateway(MosquittoBroker broker, string directory)
    {
        string output = ProductProcess.BuildOutputOf("EdgeGateway");
        string scenario = File.ReadAllText(Path.Combine(output, "firmware-config", "scenarios", "overload.yaml"));
        string now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss'+08:00'", CultureInfo.InvariantCulture);
        scenario = Regex.Replace(scenario, "^start: .*$", $"start: \"{now}\"", RegexOptions.Multiline);
        string scenarioFile = Path.Combine(directory, "overload-now.yaml");
        File.WriteAllText(scenarioFile, scenario);
        return ProductProcess.Start("EdgeGateway",
        [
            "run", "--simulate", "--config", Path.Combine(output, "firmware-config", "sites", "demo.yaml"),
            "--scenario", scenarioFile, "--speed", "1", "--duration", "00:30:00",
            "--data-dir", Directory.CreateDirectory(Path.Combine(directory, "gw")).FullName, "--broker", broker.Uri.ToString(),
        ]);
    }

    public async Task DisposeAsync()
    {
        foreach (ConsoleClient client in _signedIn.Values)
        {
            client.Dispose();
        }

        if (_fake is not null)
        {
            await _fake.DisposeAsync();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        if (_influx is not null)
        {
            await _influx.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A process still closing a file: the temporary directory stays behind.
        }
    }

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
}
