using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Hub.Tests.EndToEnd;
using EdgeGateway.Hub.Tests.WebConsole.Api;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;
using Microsoft.AspNetCore.Identity;

namespace EdgeGateway.Hub.Tests.WebConsole;

/// <summary>A user of the console in a test hub's settings; without a display name the console shows the name. Every
/// role but admin belongs to a company of <see cref="ConsoleHubRig.RegistryYaml"/> (<see cref="ConsoleHubRig.OwnCompany"/>
/// unless said otherwise) or to the district.</summary>
public sealed record ConsoleUser(string Name, string Role, string? DisplayName = null, string? Company = ConsoleHubRig.OwnCompany);

/// <summary>
/// The real hub with its web console, started once for the console tests: Mosquitto, InfluxDB 1.x (database "edge",
/// seeded by <see cref="SeedAsync"/>; or none, the hub's InfluxDB URL then a closed port), the hub process with the rig's users in a settings file whose hashes are made
/// here by ASP.NET Core Identity's PasswordHasher, and, on demand and once, the simulated gateway
/// (<see cref="StartGateway"/>). The API rig and the browser rig add their own clients to it.
/// </summary>
public abstract class ConsoleHubRig : IAsyncLifetime
{
    public const string Site = SimulatedGateway.Site;
    public const string Gateway = SimulatedGateway.Gateway;

    /// <summary>The company of the test users (unless said otherwise): it runs the demo shed and the fake gateway's site.</summary>
    public const string OwnCompany = "acme";

    /// <summary>Another company, with a site of its own (<see cref="OtherSite"/>).</summary>
    public const string OtherCompany = "beta";

    public const string OtherSite = "beta-site";

    /// <summary>The registry of every test hub (written as <c>tenants.yaml</c> in its data directory): two companies,
    /// the demo shed and the fake gateway's site run by <see cref="OwnCompany"/>, <see cref="OtherSite"/> by the other.</summary>
    public const string RegistryYaml = $"""
        companies:
          - id: {OwnCompany}
            name: 临淄物业
            nameEn: Acme Property
            sites:
              - id: {Site}
                name: 临淄区演示充电棚
                nameEn: Linzi demo shed
                address: 临淄区演示路 1 号
              - id: {FakeGateway.Site}
                name: 测试车棚
                nameEn: Test shed
                tariff:
                  yuanPerKwh: 1.20
              - id: zibo-zhangdian-002
                name: 张店二号充电棚
          - id: {OtherCompany}
            name: 张店物业
            nameEn: Beta Property
            sites:
              - id: {OtherSite}
                name: 张店测试车棚
                nameEn: Zhangdian test shed
        """;

    /// <summary>Every test user's password.</summary>
    public const string Password = "Console-test-2026";

    /// <summary>The console's roles, from least to most allowed.</summary>
    public static IReadOnlyList<string> Roles { get; } = ["viewer", "manager", "maintenance", "admin"];

    /// <summary>One user per role, named as <see cref="UserOf"/> names them.</summary>
    public static IReadOnlyList<ConsoleUser> OnePerRole { get; } =
        [.. Roles.Select(role => new ConsoleUser(UserOf(role), role, Company: role == "admin" ? null : OwnCompany))];

    private readonly string _name;
    private readonly IReadOnlyList<ConsoleUser> _users;
    private readonly TimeSpan? _commandTimeout;
    private readonly bool _withInflux;
    private readonly Lock _gatewayGate = new();
    private MosquittoBroker? _broker;
    private InfluxDbServer? _influx;
    private HubProcess? _hub;
    private ProductProcess? _gateway;

    /// <param name="name">Names the rig's temporary directory and its hub's MQTT client.</param>
    /// <param name="users">The console's users in the hub's settings.</param>
    /// <param name="commandTimeout">The console's command timeout; null: the hub's default.</param>
    /// <param name="withInflux">False: no InfluxDB, the hub's history is not reachable (<see cref="ClosedInfluxUri"/>).</param>
    protected ConsoleHubRig(string name, IReadOnlyList<ConsoleUser> users, TimeSpan? commandTimeout, bool withInflux = true)
    {
        _name = name;
        _users = users;
        _commandTimeout = commandTimeout;
        _withInflux = withInflux;
        WorkDirectory = Directory.CreateTempSubdirectory($"edgegateway-console-{name}-").FullName;
    }

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public InfluxDbServer Influx => _influx ?? throw new InvalidOperationException("not started");

    internal HubProcess Hub => _hub ?? throw new InvalidOperationException("not started");

    /// <summary>True once the simulated gateway has been started (by <see cref="StartGateway"/>).</summary>
    public bool GatewayStarted => _gateway is not null;

    /// <summary>The gateway's output so far (for failure messages).</summary>
    public string GatewayOutput => _gateway?.Output ?? "(gateway not started)";

    /// <summary>The rig's temporary directory, removed when it stops.</summary>
    protected string WorkDirectory { get; }

    public static string UserOf(string role) => role switch
    {
        "viewer" => "zhang",
        "manager" => "li",
        "maintenance" => "wang",
        _ => "admin",
    };

    public virtual async Task InitializeAsync()
    {
        Task<MosquittoBroker> broker = MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        Task<InfluxDbServer>? influx = _withInflux ? InfluxDbServer.StartNewAsync() : null;
        _broker = await broker;
        if (influx is not null)
        {
            _influx = await influx;
            await _influx.CreateDatabaseAsync("edge");
            await SeedAsync(_influx);
        }

        _hub = await StartHubAsync("hub", _influx?.Uri ?? ClosedInfluxUri());
        BaseUri = UriOf(_hub);
    }

    /// <summary>
    /// The hub's environment beyond <see cref="HubProcess"/>'s: by default a TLS proxy on loopback, as deploy/hub
    /// installs it, and sign-in limits no test reaches (every client of a rig signs in from 127.0.0.1, many times a
    /// minute); the sign-in limit tests set their own.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> HubEnvironment { get; } = new Dictionary<string, string>
    {
        ["Console__ForwardedHeaders__KnownProxies__0"] = "127.0.0.1",
        ["Console__SignIn__PerAddressLimit"] = "100000",
        ["Console__SignIn__GlobalLimit"] = "100000",
    };

    /// <summary>Writes what the rig's InfluxDB holds before the hub starts (database "edge"); nothing by default.</summary>
    protected virtual Task SeedAsync(InfluxDbServer influx) => Task.CompletedTask;

    /// <summary>
    /// A hub on the rig's broker with the rig's users, reading history from <paramref name="influx"/>, serving its
    /// console. <paramref name="name"/> names its directory and settings file and goes into its MQTT client id.
    /// </summary>
    private protected async Task<HubProcess> StartHubAsync(string name, Uri influx)
    {
        string settings = Path.Combine(WorkDirectory, $"{name}.json");
        await File.WriteAllTextAsync(settings, SettingsJson(_users, _commandTimeout));
        HubProcess hub = await HubProcess.StartAsync(Broker, influx, "v1", "edge", WithRegistry(Dir(name)), clientId: $"{_name}-{name}", settingsFile: settings, environment: HubEnvironment);
        try
        {
            await ConsoleClient.WaitServingAsync(UriOf(hub));
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }

        return hub;
    }

    /// <summary>Writes <see cref="RegistryYaml"/> as the registry of a hub whose data directory is <paramref name="dataDirectory"/>
    /// (where the hub looks when <c>Tenants:File</c> is not set); returns the directory.</summary>
    internal static string WithRegistry(string dataDirectory)
    {
        File.WriteAllText(Path.Combine(dataDirectory, "tenants.yaml"), RegistryYaml);
        return dataDirectory;
    }

    /// <summary>An InfluxDB URL where nothing answers (a closed loopback port): a hub without history.</summary>
    internal static Uri ClosedInfluxUri() => new($"http://127.0.0.1:{LoopbackPorts.Claim().ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The console's base URL of <paramref name="hub"/>.</summary>
    internal static Uri UriOf(HubProcess hub) => new($"http://127.0.0.1:{hub.HttpPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>
    /// The hub's settings file: the console's users (Console:Users:{name}:{PasswordHash, Role, DisplayName}) with hashes
    /// made by Identity's PasswordHasher, and the command timeout when one is given.
    /// </summary>
    internal static string SettingsJson(IEnumerable<ConsoleUser> users, TimeSpan? commandTimeout)
    {
        var hasher = new PasswordHasher<string>();
        var console = new Dictionary<string, object>
        {
            ["Users"] = users.ToDictionary(u => u.Name, u =>
            {
                var user = new Dictionary<string, string> { ["PasswordHash"] = hasher.HashPassword(u.Name, Password), ["Role"] = u.Role };
                if (u.DisplayName is { } displayName)
                {
                    user["DisplayName"] = displayName;
                }

                if (u.Company is { } company && u.Role != "admin")
                {
                    user["Company"] = company;
                }

                return user;
            }),
        };
        if (commandTimeout is { } timeout)
        {
            console["CommandTimeout"] = timeout.ToString("c", CultureInfo.InvariantCulture);
        }

        return JsonSerializer.Serialize(new { Console = console });
    }

    /// <summary>
    /// Starts the simulated gateway once: the demo shed with scenario "overload" (P02 gets a 1500 W modified charger two
    /// simulated seconds in and is locked out half a second later), its clock starting now so that what it sends falls
    /// in InfluxDB's "last hours", at real-time speed, for half an hour at most.
    /// </summary>
    public void StartGateway()
    {
        lock (_gatewayGate)
        {
            if (_gateway is not null)
            {
                return;
            }

            string output = ProductProcess.BuildOutputOf("EdgeGateway");
            string scenario = File.ReadAllText(Path.Combine(output, "firmware-config", "scenarios", "overload.yaml"));
            scenario = Regex.Replace(scenario, "^start: .*$", $"start: \"{SimulatedGateway.StartingNow()}\"", RegexOptions.Multiline);
            string scenarioFile = Path.Combine(WorkDirectory, "overload-now.yaml");
            File.WriteAllText(scenarioFile, scenario);
            _gateway = SimulatedGateway.Start(Broker.Uri, Path.Combine(output, "firmware-config", "sites", "demo.yaml"), scenarioFile, Dir("gw"), "1", "00:30:00");
        }
    }

    public virtual async Task DisposeAsync()
    {
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
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process still closing a file: the temporary directory is left behind.
        }
    }

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(WorkDirectory, name)).FullName;
}
