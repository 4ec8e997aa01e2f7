using System.Text.RegularExpressions;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;
using Microsoft.Playwright;

namespace EdgeGateway.Hub.Tests.WebConsole.Browser;

/// <summary>
/// The whole product for the browser tests, started once for the test class (<see cref="ConsoleHubRig"/>: a real
/// Mosquitto, a real InfluxDB 1.x seeded with weeks of history through the hub's own point mapper, the real hub process
/// with the web console and one user per role), and Debian's Chromium driven by Playwright (never a downloaded
/// browser). The simulated gateway (scenario "overload", its clock starting now, at real-time speed: P02 trips about
/// 2.5 s after it starts) is started on demand, once, by the first test that needs it
/// (<see cref="ConsoleHubRig.StartGateway"/>).
/// </summary>
public sealed class ConsoleRig() : ConsoleHubRig("browser", [.. Users, OtherManager], commandTimeout: null)
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Days of seeded history before today (CST): the trends' default range (14 days) is full.</summary>
    public const int HistoryDays = 21;

    /// <summary>One user per role, with the name the console shows.</summary>
    public static IReadOnlyList<ConsoleUser> Users { get; } =
    [
        new("zhang", "viewer", "城管 张科长", "district"),
        new("li", "manager", "物业 李经理"),
        new("wang", "maintenance", "维修 王师傅"),
        new("admin", "admin", "管理员"),
    ];

    /// <summary>The other company's manager (<see cref="ConsoleHubRig.OtherCompany"/>), for the tenant test.</summary>
    public static ConsoleUser OtherManager { get; } = new("zhao", "manager", "张店物业 赵经理", OtherCompany);

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private HubProcess? _hubWithoutInflux;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("not started");

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

    public override async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: apt-get install chromium (./test.sh installs it)");
        }

        Task<IPlaywright> playwright = Microsoft.Playwright.Playwright.CreateAsync();
        await base.InitializeAsync();
        _playwright = await playwright;

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

    protected override Task SeedAsync(InfluxDbServer influx) =>
        influx.WriteLinesAsync("edge", HistorySeed.Lines(DateTimeOffset.UtcNow, HistoryDays), precision: "ns");

    /// <summary>
    /// A second hub on the same broker whose InfluxDB does not answer (a closed loopback port): the console without
    /// history. Started once; its base URL.
    /// </summary>
    internal async Task<Uri> StartHubWithoutInfluxAsync()
    {
        if (_hubWithoutInflux is null)
        {
            _hubWithoutInflux = await StartHubAsync("hub-no-influx", ClosedInfluxUri());
        }

        return UriOf(_hubWithoutInflux);
    }

    /// <summary>
    /// A fresh browser context (its own cookies) at desktop size in China Standard Time, signed in as the user of
    /// <paramref name="role"/> through the login form, on <paramref name="returnUrl"/>.
    /// </summary>
    public Task<IPage> SignInAsync(string role, string returnUrl, BrowserNewContextOptions? options = null) =>
        SignInAsUserAsync(UserOf(role), returnUrl, options);

    /// <summary>A page signed in as <paramref name="user"/> through the login form, on <paramref name="returnUrl"/>.</summary>
    public async Task<IPage> SignInAsUserAsync(string user, string returnUrl, BrowserNewContextOptions? options = null)
    {
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

    /// <summary>A page in a fresh context (no cookies), with uncaught script errors, console errors and Content-Security-Policy
    /// violations collected in <see cref="ScriptErrors"/>.</summary>
    public async Task<IPage> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        options ??= new BrowserNewContextOptions();
        options.BaseURL ??= BaseUri.ToString();
        options.Locale ??= "zh-CN";
        options.TimezoneId ??= "Asia/Shanghai";
        options.ViewportSize ??= new ViewportSize { Width = 1440, Height = 900 };
        IBrowserContext context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(120_000); // a hang bound, not a speed: see ConsoleBrowserTests.PageBound
        // A Content-Security-Policy violation is a script error too (Chromium also logs most as console errors).
        await context.AddInitScriptAsync("document.addEventListener('securitypolicyviolation', e => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));");
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

    public override async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_hubWithoutInflux is not null)
        {
            await _hubWithoutInflux.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
