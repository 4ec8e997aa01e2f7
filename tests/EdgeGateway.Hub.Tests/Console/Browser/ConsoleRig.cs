using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Hub.Tests.EndToEnd;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;
using Microsoft.AspNetCore.Identity;
using Microsoft.Playwright;

namespace EdgeGateway.Hub.Tests.Console.Browser;

/// <summary>
/// The whole product for the browser tests, started once for the test class: a real Mosquitto, a real InfluxDB 1.x
/// seeded with weeks of history (through the hub's own point mapper), the real hub process with the web console and
/// one user per role, and Debian's Chromium driven by Playwright (never a downloaded browser). The simulated gateway
/// (scenario "overload", its clock starting now, at real-time speed: P02 trips about 2.5 s after it starts) is
/// started on demand, once, by the first test that needs it (<see cref="StartGateway"/>).
/// </summary>
public sealed class ConsoleRig : IAsyncLifetime
{
    public const string Site = SimulatedGateway.Site;
    public const string Gateway = SimulatedGateway.Gateway;
    public const string Password = "Console-test-2026";
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Days of seeded history before today (CST): the trends' default range (14 days) is full.</summary>
    public const int HistoryDays = 21;

    /// <summary>One user per role: name, role, display name.</summary>
    public static IReadOnlyList<(string Name, string Role, string DisplayName)> Users { get; } =
    [
        ("zhang", "viewer", "城管 张科长"),
        ("li", "manager", "物业 李经理"),
        ("wang", "maintenance", "维修 王师傅"),
        ("admin", "admin", "管理员"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-console-browser-").FullName;
    private readonly Lock _gatewayGate = new();
    private MosquittoBroker? _broker;
    private InfluxDbServer? _influx;
    private HubProcess? _hub;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private ProductProcess? _gateway;
    private HubProcess? _hubWithoutInflux;

    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    internal HubProcess Hub => _hub ?? throw new InvalidOperationException("not started");

    public InfluxDbServer Influx => _influx ?? throw new InvalidOperationException("not started");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

    /// <summary>True once the simulated gateway has been started (by <see cref="StartGateway"/>).</summary>
    public bool GatewayStarted => _gateway is not null;

    /// <summary>docs/screenshots of the repository these tests were built from.</summary>
    public static string ScreenshotDirectory
    {
        get
        {
            DirectoryInfo? root = new(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeGateway.sln")))
            {
                root = root.Parent;
            }

            return Directory.CreateDirectory(Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("EdgeGateway.sln"), "docs", "screenshots")).FullName;
        }
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: apt-get install chromium (./test.sh installs it)");
        }

        Task<MosquittoBroker> broker = MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        Task<InfluxDbServer> influx = InfluxDbServer.StartNewAsync();
        Task<IPlaywright> playwright = Microsoft.Playwright.Playwright.CreateAsync();
        _broker = await broker;
        _influx = await influx;
        _playwright = await playwright;

        await _influx.CreateDatabaseAsync("edge");
        await _influx.WriteLinesAsync("edge", HistorySeed.Lines(DateTimeOffset.UtcNow, HistoryDays), precision: "ns");

        string settings = Path.Combine(_dir, "hub.json");
        await File.WriteAllTextAsync(settings, SettingsJson());
        _hub = await HubProcess.StartAsync(_broker, _influx.Uri, "v1", "edge", Directory.CreateDirectory(Path.Combine(_dir, "hub")).FullName,
            clientId: "console-hub", settingsFile: settings);
        BaseUri = new Uri($"http://127.0.0.1:{_hub.HttpPort.ToString(CultureInfo.InvariantCulture)}/");
        await WaitServingAsync(_hub);

        // Launch gives Chromium a fresh temporary user data directory of its own (removed when it closes).
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>The hub logs "ingesting" before its HTTP server listens: wait until /healthz answers.</summary>
    private static async Task WaitServingAsync(HubProcess hub)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            try
            {
                await hub.HealthAsync();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The hub's settings: the console's users (Console:Users:{name}:{PasswordHash, Role, DisplayName}).</summary>
    private static string SettingsJson()
    {
        var hasher = new PasswordHasher<string>();
        var users = Users.ToDictionary(
            u => u.Name,
            u => new Dictionary<string, string> { ["PasswordHash"] = hasher.HashPassword(u.Name, Password), ["Role"] = u.Role, ["DisplayName"] = u.DisplayName });
        return JsonSerializer.Serialize(new { Console = new { Users = users } });
    }

    /// <summary>
    /// Starts the simulated gateway once: the demo shed with scenario "overload" (P02 gets a 1500 W modified charger two
    /// simulated seconds in and is locked out half a second later), its clock starting now, at real-time speed.
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
            string now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss'+08:00'", CultureInfo.InvariantCulture);
            scenario = Regex.Replace(scenario, "^start: .*$", $"start: \"{now}\"", RegexOptions.Multiline);
            string scenarioFile = Path.Combine(_dir, "overload-now.yaml");
            File.WriteAllText(scenarioFile, scenario);
            _gateway = ProductProcess.Start("EdgeGateway",
            [
                "run", "--simulate", "--config", Path.Combine(output, "firmware-config", "sites", "demo.yaml"),
                "--scenario", scenarioFile, "--speed", "1", "--duration", "00:30:00",
                "--data-dir", Directory.CreateDirectory(Path.Combine(_dir, "gw")).FullName, "--broker", _broker!.Uri.ToString(),
            ]);
        }
    }

    /// <summary>
    /// A second hub on the same broker whose InfluxDB does not answer (a closed loopback port): the console without
    /// history. Started once; its base URL.
    /// </summary>
    internal async Task<Uri> StartHubWithoutInfluxAsync()
    {
        if (_hubWithoutInflux is null)
        {
            int closed = EdgeGateway.Testing.Network.LoopbackPorts.Claim();

            string settings = Path.Combine(_dir, "hub-no-influx.json");
            await File.WriteAllTextAsync(settings, SettingsJson());
            _hubWithoutInflux = await HubProcess.StartAsync(_broker!, new Uri($"http://127.0.0.1:{closed.ToString(CultureInfo.InvariantCulture)}"), "v1", "edge",
                Directory.CreateDirectory(Path.Combine(_dir, "hub-no-influx")).FullName, clientId: "console-hub-no-influx", settingsFile: settings);
            await WaitServingAsync(_hubWithoutInflux);
        }

        return new Uri($"http://127.0.0.1:{_hubWithoutInflux.HttpPort.ToString(CultureInfo.InvariantCulture)}/");
    }

    /// <summary>The gateway's output so far (for failure messages).</summary>
    public string GatewayOutput => _gateway?.Output ?? "(gateway not started)";

    /// <summary>
    /// A fresh browser context (its own cookies) at desktop size in China Standard Time, signed in as the user of
    /// <paramref name="role"/> through the login form, on <paramref name="returnUrl"/>.
    /// </summary>
    public async Task<IPage> SignInAsync(string role, string returnUrl, BrowserNewContextOptions? options = null)
    {
        string user = Users.Single(u => u.Role == role).Name;
        IPage page = await NewPageAsync(options);
        await page.GotoAsync($"/login?returnUrl={Uri.EscapeDataString(returnUrl)}", new() { WaitUntil = WaitUntilState.Commit });

        // login.js fills the form's anti-forgery token and return URL and then adds the language switch: once the switch
        // is there, the form can be sent.
        await Assertions.Expect(page.Locator("#lang [data-lang]").First).ToBeAttachedAsync();
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#submit");
        // Polls the page's URL until the form's answer has moved it away from /login (ConsoleBrowserTests.AtPath says why
        // not WaitForURLAsync); what each test then waits for is the content it checks.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("^https?://[^/]+/(?!login)"));
        return page;
    }

    /// <summary>A page in a fresh context (no cookies), with uncaught script errors collected in <see cref="ScriptErrors"/>.</summary>
    public async Task<IPage> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        options ??= new BrowserNewContextOptions();
        options.BaseURL ??= BaseUri.ToString();
        options.Locale ??= "zh-CN";
        options.TimezoneId ??= "Asia/Shanghai";
        options.ViewportSize ??= new ViewportSize { Width = 1440, Height = 900 };
        IBrowserContext context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(120_000); // a hang bound, not a speed: see ConsoleBrowserTests.PageBound
        IPage page = await context.NewPageAsync();
        page.PageError += (_, error) => ScriptErrors.Add($"{page.Url}: {error}");
        page.Console += (_, message) =>
        {
            // A refused request (the 403 page itself, a 404 the page handles) is logged by Chromium as an error too.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                ScriptErrors.Add($"{page.Url}: console: {message.Text}");
            }
        };
        return page;
    }

    /// <summary>Uncaught exceptions and console errors of every page so far.</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> ScriptErrors { get; } = [];

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        if (_hubWithoutInflux is not null)
        {
            await _hubWithoutInflux.DisposeAsync();
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
            // A process still closing a file: the temporary directory is left behind.
        }
    }
}
