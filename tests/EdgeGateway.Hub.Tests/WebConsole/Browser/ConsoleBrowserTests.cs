using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Hub.Tests.WebConsole.Browser;

/// <summary>
/// The web console in Debian's Chromium against the real rig (<see cref="ConsoleRig"/>: Mosquitto, InfluxDB with
/// weeks of history, the hub, the simulated gateway): each role's navigation and 403 page, the simulated overload on
/// the live board, acknowledging it, resetting the port, the trends drawn from InfluxDB, English, a phone-sized screen.
/// Writes docs/screenshots/board.png, alarms.png and trends.png.
/// </summary>
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
[Trait("Category", "Servers")]
public sealed partial class ConsoleBrowserTests(ConsoleRig rig) : IClassFixture<ConsoleRig>, IAsyncLifetime
{
    private const string Site = ConsoleRig.Site;
    private const string Gw = ConsoleRig.Gateway;
    private readonly List<IPage> _pages = [];

    /// <summary>
    /// The screenshots leave out the passing notices (an alarm raised, an acknowledgement done). Through the CSSOM:
    /// Playwright's screenshot style would be an inline stylesheet, which the console's Content-Security-Policy refuses.
    /// </summary>
    private static async Task HideNoticesAsync(IPage page) =>
        await page.EvaluateAsync("() => document.getElementById('toasts')?.style.setProperty('display', 'none', 'important')");

    /// <summary>
    /// How long a page may take to show what the test waits for. A bound against a hang, not a speed: on two cores
    /// saturated by other work the gateway's process, the hub and Chromium all start and draw several times slower.
    /// How fast the board follows the shed is measured, not asserted (docs/measurements.md).
    /// </summary>
    private const float PageBound = 90_000;

    /// <summary>The bound for what waits on the simulated shed itself (the gateway started, its scenario played).</summary>
    private const float ShedBound = 180_000;

    static ConsoleBrowserTests() => SetDefaultExpectTimeout(PageBound);

    public Task InitializeAsync()
    {
        rig.ScriptErrors.Clear();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (IPage page in _pages)
        {
            await page.Context.CloseAsync();
        }
    }

    private async Task<IPage> SignInAsync(string role, string returnUrl, BrowserNewContextOptions? options = null)
    {
        IPage page = await rig.SignInAsync(role, returnUrl, options);
        _pages.Add(page);
        return page;
    }

    private void AssertNoScriptErrors() =>
        Assert.True(rig.ScriptErrors.IsEmpty, "script errors:\n" + string.Join('\n', rig.ScriptErrors));

    private static ILocator Port(IPage page, string port) =>
        page.Locator($".tile[data-site='{Site}'][data-gateway='{Gw}'][data-port='{port}']");

    [Theory]
    [Step(1)]
    [InlineData("viewer", "/trends", "trends incident_stats", "/alarms")]
    [InlineData("manager", "/alarms", "board alarms incidents trends incident_stats cards upgrades", "/audit")]
    [InlineData("maintenance", "/", "board alarms incidents cards upgrades", "/trends")]
    [InlineData("admin", "/audit", "board alarms incidents trends incident_stats audit registry cards upgrades", null)]
    public async Task Each_role_sees_only_its_own_pages_in_the_navigation_and_a_403_page_for_another(
        string role, string home, string pages, string? forbidden)
    {
        IPage page = await SignInAsync(role, home);
        Assert.Equal(home, new Uri(page.Url).AbsolutePath);
        await Expect(page.GetByTestId("user")).ToContainTextAsync(ConsoleRig.Users.Single(u => u.Role == role).DisplayName!);

        ILocator nav = page.Locator("[data-testid=nav] a[data-nav]");
        await Expect(nav).ToHaveCountAsync(pages.Split(' ').Length);
        string[] shown = [.. (await nav.EvaluateAllAsync<string[]>("links => links.map(a => a.dataset.nav)"))];
        Assert.Equal(pages.Split(' '), shown);

        if (forbidden is not null)
        {
            IResponse? response = await page.GotoAsync(forbidden, new() { WaitUntil = WaitUntilState.Commit });
            Assert.Equal(403, response!.Status);
            await Expect(page.GetByTestId("forbidden")).ToContainTextAsync("无权访问");
            // The 403 page still has the user's own navigation, and nothing of the refused page.
            await Expect(page.Locator("[data-testid=nav] a[data-nav]")).ToHaveCountAsync(pages.Split(' ').Length);
        }
        else
        {
            await Expect(page.GetByTestId("audit-table").Or(page.GetByTestId("audit").Locator(".empty"))).ToBeVisibleAsync();
        }

        AssertNoScriptErrors();
    }

    [Fact]
    [Step(1)]
    public async Task The_login_page_switches_to_English_and_says_when_the_password_is_wrong()
    {
        IPage page = await rig.NewPageAsync();
        _pages.Add(page);
        await page.GotoAsync("/login?returnUrl=%2Falarms", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("label[for=username]")).ToHaveTextAsync("用户名");

        await page.Locator("[data-lang=en]").ClickAsync();
        await Expect(page).ToHaveURLAsync(AtPath("/login"));
        await Expect(page.Locator("label[for=username]")).ToHaveTextAsync("User name");
        await Expect(page.Locator("#submit")).ToHaveTextAsync("Sign in");
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));

        await page.FillAsync("#username", "li");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("#submit");
        await Expect(page).ToHaveURLAsync(new Regex("[?&]error="));
        await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("Wrong user name or password");

        await page.Locator("[data-lang='zh-CN']").ClickAsync();
        await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("用户名或密码错误");
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(6)]
    public async Task A_company_manager_sees_only_their_company_s_sheds_by_name()
    {
        rig.StartGateway();
        await using Api.FakeGateway other = await Api.FakeGateway.StartAsync(rig.Broker, ConsoleHubRig.OtherSite, "gw-beta");

        // The other company's manager sees their shed, by its registry name: the hub has it before the own page opens.
        IPage beta = await rig.SignInAsUserAsync(ConsoleRig.OtherManager.Name, "/");
        _pages.Add(beta);
        await Expect(beta.Locator($"section.site[data-site='{ConsoleHubRig.OtherSite}'] [data-testid=site-name]")).ToContainTextAsync("张店测试车棚");
        await Expect(beta.Locator($"section.site[data-site='{Site}']")).ToHaveCountAsync(0);

        IPage own = await SignInAsync("manager", "/");
        ILocator name = own.Locator($"section.site[data-site='{Site}'] [data-testid=site-name]");
        await Expect(name).ToContainTextAsync("临淄区演示充电棚", new() { Timeout = ShedBound });
        await Expect(name).ToContainTextAsync(Site); // the id stays, for the technician
        await Expect(own.Locator($"section.gateway[data-gateway='{Gw}'] .tile.port")).ToHaveCountAsync(20);
        await Expect(own.Locator($"section.site[data-site='{ConsoleHubRig.OtherSite}']")).ToHaveCountAsync(0);
        await Expect(own.GetByTestId("user")).ToContainTextAsync("物业 李经理");
        await HideNoticesAsync(own);
        await own.ScreenshotAsync(new() { Path = Path.Combine(ConsoleRig.ScreenshotDirectory, "tenant-board.png") });
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(2)]
    public async Task The_live_board_shows_the_simulated_overload_lock_out_P02_without_a_reload()
    {
        IPage page = await SignInAsync("maintenance", "/");
        await Expect(page.GetByTestId("connection")).ToHaveAttributeAsync("data-status", "live");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("实时连接");
        // A mark in this document: a reload would lose it.
        await page.EvaluateAsync("() => { window.__sameDocument = 'yes'; }");

        rig.StartGateway();
        ILocator p02 = Port(page, "P02");
        try
        {
            await Expect(p02).ToHaveAttributeAsync("data-state", "locked", new() { Timeout = ShedBound });
        }
        catch (PlaywrightException e)
        {
            throw new Xunit.Sdk.XunitException($"P02 never showed locked; the tile was '{await p02.GetAttributeAsync("data-state")}'.\n{e.Message}\nThe gateway wrote:\n{rig.GatewayOutput}");
        }

        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.__sameDocument"));
        // State in words and colour: 已锁定 and why, not colour alone.
        await Expect(p02).ToContainTextAsync("已锁定");
        await Expect(p02).ToContainTextAsync("端口过载");
        await Expect(page.Locator($"section.gateway[data-gateway='{Gw}'] [data-testid=gateway-status]")).ToHaveAttributeAsync("data-online", "true");
        await Expect(page.Locator($"section.gateway[data-gateway='{Gw}'] .tile.port")).ToHaveCountAsync(20);
        await Expect(page.Locator($"section.gateway[data-gateway='{Gw}'] .tile.bin")).ToHaveCountAsync(4);

        // 需关注: P02 stays, a quiet port goes.
        await page.GetByTestId("attention-filter").ClickAsync();
        await Expect(p02).ToBeVisibleAsync();
        await Expect(Port(page, "P05")).ToBeHiddenAsync();
        await page.GetByTestId("attention-filter").ClickAsync();
        await Expect(Port(page, "P05")).ToBeVisibleAsync();

        // Let P01's charge show some power, then the picture for README.
        await Expect(Port(page, "P01")).ToHaveAttributeAsync("data-state", "charging");
        await HideNoticesAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleRig.ScreenshotDirectory, "board.png"), FullPage = true });
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(3)]
    public async Task A_manager_acknowledges_the_overload_alarm_with_a_comment_and_maintenance_only_reads_it()
    {
        rig.StartGateway();

        IPage maintenance = await SignInAsync("maintenance", "/alarms");
        ILocator seenByMaintenance = maintenance.Locator("#active [data-testid=alarm][data-kind=port_overload]");
        await Expect(seenByMaintenance).ToBeVisibleAsync(new() { Timeout = ShedBound });
        await Expect(seenByMaintenance.GetByTestId("ack-button")).ToHaveCountAsync(0);
        await Expect(maintenance.Locator("#read-only")).ToBeVisibleAsync();

        IPage page = await SignInAsync("manager", "/alarms");
        ILocator alarm = page.Locator("#active [data-testid=alarm][data-kind=port_overload]");
        await Expect(alarm).ToBeVisibleAsync();
        await Expect(alarm).ToHaveAttributeAsync("data-severity", "major");
        await Expect(alarm).ToContainTextAsync("端口过载");
        await Expect(alarm).ToContainTextAsync("重要");
        await Expect(alarm).ToContainTextAsync("端口 P02");

        await alarm.GetByTestId("ack-button").ClickAsync();
        await Expect(page.GetByTestId("ack")).ToContainTextAsync("物业 李经理");
        await page.GetByTestId("ack-text").FillAsync("已通知车主，充电器已没收");
        await page.GetByTestId("ack-ok").ClickAsync();

        await Expect(alarm).ToHaveAttributeAsync("data-acknowledged", "true");
        await Expect(alarm.GetByTestId("acked")).ToContainTextAsync("已通知车主，充电器已没收");
        await Expect(alarm.GetByTestId("ack-button")).ToHaveCountAsync(0);

        // The maintenance page hears of it live (the alarm event on the stream).
        await Expect(seenByMaintenance).ToHaveAttributeAsync("data-acknowledged", "true");

        // History (InfluxDB: the seeded weeks and today's overload, with the acknowledgement), filtered by kind, and its CSV.
        string id = (await alarm.GetAttributeAsync("data-alarm-id"))!;
        await Expect(page.GetByTestId("history-table").Locator($"tbody tr[data-alarm-id='{id}']")).ToContainTextAsync("已通知车主");
        await HideNoticesAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleRig.ScreenshotDirectory, "alarms.png") });
        await page.Locator("#f-kind").SelectOptionAsync("bin_overflow");
        await Expect(page.GetByTestId("history-table").Locator("tbody tr").First).ToHaveAttributeAsync("data-kind", "bin_overflow");
        Assert.Equal(0, await page.GetByTestId("history-table").Locator("tbody tr:not([data-kind=bin_overflow])").CountAsync());
        string? csv = await page.GetByTestId("history-csv").GetAttributeAsync("href");
        Assert.Contains("kind=bin_overflow", csv, StringComparison.Ordinal);
        IAPIResponse download = await page.Context.APIRequest.GetAsync(csv!);
        Assert.Equal(200, download.Status);
        Assert.StartsWith("text/csv", download.Headers["content-type"], StringComparison.Ordinal);
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(4)]
    public async Task Maintenance_resets_P02_and_sees_the_gateways_reply_and_a_refusal_with_its_reason()
    {
        rig.StartGateway();
        IPage page = await SignInAsync("maintenance", $"/ports/{Site}/{Gw}/P02");
        await Expect(page.GetByTestId("port-state")).ToHaveAttributeAsync("data-state", "locked", new() { Timeout = ShedBound });
        // The last hours' power from InfluxDB, drawn by ECharts.
        await Expect(page.GetByTestId("chart-power").Locator("canvas").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("chart-power")).ToHaveAttributeAsync("data-points", NonZero());

        await page.GetByTestId("cmd-port_reset").ClickAsync();
        // A reason is required.
        await page.GetByTestId("reset-reason-ok").ClickAsync();
        await Expect(page.GetByTestId("reset-reason")).ToContainTextAsync("请填写复位原因");
        await page.GetByTestId("reset-reason-text").FillAsync("改装充电器已拆除");
        await page.GetByTestId("reset-reason-ok").ClickAsync();

        ILocator result = page.GetByTestId("command-result").Locator("[data-outcome]");
        await Expect(result).Not.ToHaveAttributeAsync("data-outcome", "pending");
        await Expect(result).ToHaveAttributeAsync("data-outcome", "ok");
        // The gateway's own words after the console's: 网关已执行：reset.
        await Expect(result).ToHaveTextAsync(new Regex("^网关已执行：.+"));
        await Expect(page.GetByTestId("port-state")).Not.ToHaveAttributeAsync("data-state", "locked");

        // A snapshot (no port): the gateway republishes its retained state and says so.
        string before = (await result.TextContentAsync())!;
        await page.GetByTestId("cmd-snapshot").ClickAsync();
        await Expect(result).Not.ToHaveTextAsync(before);
        await Expect(result).ToHaveAttributeAsync("data-outcome", "ok");

        // Enabling a port that is not disabled: the gateway refuses and says why.
        await page.GotoAsync($"/ports/{Site}/{Gw}/P05", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true"); // port.js ran: the buttons work
        await page.GetByTestId("cmd-port_enable").ClickAsync();
        await page.GetByTestId("confirm-ok").ClickAsync();
        await Expect(result).ToHaveAttributeAsync("data-outcome", "refused");
        await Expect(result).ToContainTextAsync("网关拒绝");
        await Expect(result).ToContainTextAsync("网关拒绝：端口未停用（当前空闲）");
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(5)]
    public async Task The_trends_page_draws_every_trend_from_the_history_in_InfluxDB_and_offers_each_as_CSV()
    {
        IPage page = await SignInAsync("viewer", "/trends");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-trends-loaded", "true");
        await Expect(page.GetByTestId("trends-unavailable")).ToBeHiddenAsync();
        await Expect(page.Locator($"[data-testid=site-select] input[data-site='{HistorySeed.SecondSite}']")).ToBeCheckedAsync();

        string[] trends =
        [
            "energy_per_day", "sessions_per_day", "session_length", "utilisation", "start_hour_profile", "alarms_per_week",
            "bin_overflows", "fill_at_collection",
        ];
        foreach (string trend in trends)
        {
            ILocator chart = page.GetByTestId($"chart-{trend}");
            await Expect(chart.Locator("canvas").First).ToBeVisibleAsync();
            await Expect(chart).ToHaveAttributeAsync("data-points", NonZero());
            string? csv = await page.GetByTestId($"csv-{trend}").GetAttributeAsync("href");
            Assert.StartsWith($"/api/trends/{trend}.csv?", csv, StringComparison.Ordinal);
        }

        await Expect(page.GetByTestId("chart-energy_per_day")).ToHaveAttributeAsync("data-empty", "false");

        // Axis labels fit (the grid contains them) and keep the digits small values need: 0.0008, not ".0008" or "0".
        Assert.All(await page.EvaluateAsync<bool[]>("() => [...document.querySelectorAll('[data-trend] .chart')].map((el) => echarts.getInstanceByDom(el).getOption().grid[0].containLabel === true)"), Assert.True);
        Assert.Equal(["0.0008", "0.25", "7.5", "1,250"], await page.EvaluateAsync<string[]>(
            "async () => { const { valueLabel } = await import('/app/widgets.js'); return [valueLabel(0.0009)(0.0008), valueLabel(0.5)(0.25), valueLabel(9)(7.5), valueLabel(1300)(1250)]; }"));

        // Both sites compared: two series in a chart per site.
        Assert.Equal(2, await page.EvaluateAsync<int>("() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-energy_per_day]')).getOption().series.length"));
        await HideNoticesAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ConsoleRig.ScreenshotDirectory, "trends.png"), FullPage = true });

        IAPIResponse download = await page.Context.APIRequest.GetAsync((await page.GetByTestId("csv-energy_per_day").GetAttributeAsync("href"))!);
        Assert.Equal(200, download.Status);
        byte[] body = await download.BodyAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, body[..3]);

        // One site only: one series.
        await page.Locator($"[data-testid=site-select] input[data-site='{HistorySeed.SecondSite}']").UncheckAsync();
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-trends-loaded", "true");
        await Expect(page).ToHaveURLAsync(new Regex($"sites={Site}"));
        Assert.Equal(1, await page.EvaluateAsync<int>("() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-energy_per_day]')).getOption().series.length"));

        // A range without history: every chart says "no data" instead of drawing bare axes that read like zero.
        await page.GotoAsync("/trends?from=2020-01-01&to=2020-01-07", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-trends-loaded", "true");
        await Expect(page.GetByTestId("chart-energy_per_day")).ToHaveAttributeAsync("data-empty", "true");
        Assert.Equal("暂无数据", await page.EvaluateAsync<string>("() => echarts.getInstanceByDom(document.querySelector('[data-testid=chart-energy_per_day]')).getOption().title[0].text"));
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(5)]
    public async Task Switching_to_English_changes_the_texts_of_the_pages()
    {
        IPage page = await SignInAsync("admin", "/alarms");
        await Expect(page.Locator("h1")).ToHaveTextAsync("报警");
        await Expect(page.Locator("[data-nav=board]")).ToHaveTextAsync("实时看板");
        await Expect(page.GetByTestId("user")).ToContainTextAsync("管理员");

        await page.Locator("[data-lang=en]").ClickAsync();
        await Expect(page).ToHaveURLAsync(AtPath("/alarms"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Alarms");
        await Expect(page.Locator("[data-nav=board]")).ToHaveTextAsync("Live board");
        await Expect(page.Locator("[data-nav=audit]")).ToHaveTextAsync("Audit log");
        await Expect(page.GetByTestId("user")).ToContainTextAsync("Administrator");
        await Expect(page.GetByTestId("logout")).ToHaveTextAsync("Sign out");
        await Expect(page.Locator("#history-panel h2")).ToHaveTextAsync("Alarm history");
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        // Every text the pages use exists in both languages.
        Assert.Empty(await page.EvaluateAsync<string[]>("async () => (await import('/app/i18n.js')).missingKeys()"));

        // English counts: "1 alarm", "2 alarms" (issue 17: it said "1 alarms").
        Assert.Equal(["1 alarm", "2 alarms", "1 alarm", "3 alarms"], await page.EvaluateAsync<string[]>(
            "async () => { const { t } = await import('/app/i18n.js'); return [t('board.active_alarms', { n: 1 }), t('board.active_alarms', { n: 2 }), t('alarms.count', { n: 1 }), t('alarms.count', { n: 3 })]; }"));
        // ... and every other count followed by a word has its singular (enumerated from the dictionary, not listed here).
        Assert.Empty(await page.EvaluateAsync<string[]>("async () => (await import('/app/i18n.js')).singularProblems()"));

        // Other pages follow (the cookie), alarm kinds and port states included.
        rig.StartGateway();
        await page.GotoAsync("/", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("h1")).ToHaveTextAsync("Live board");
        await Expect(page.GetByTestId("attention-filter")).ToContainTextAsync("Needs attention");
        await Expect(Port(page, "P05")).ToContainTextAsync(new Regex("Idle|Charging|Complete"), new() { Timeout = ShedBound });
        await Expect(Port(page, "P05")).Not.ToContainTextAsync(new Regex("空闲|充电中"));

        await page.Locator("[data-lang='zh-CN']").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("实时看板");
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(6)]
    public async Task On_a_phone_the_board_fits_the_screen_and_a_tap_opens_a_bin()
    {
        rig.StartGateway();
        IPage page = await SignInAsync("maintenance", "/", new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
            DeviceScaleFactor = 2,
        });
        ILocator bin = page.Locator($".tile[data-site='{Site}'][data-gateway='{Gw}'][data-bin='B2']");
        await Expect(bin).ToBeVisibleAsync(new() { Timeout = ShedBound });
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the board scrolls sideways on a phone");
        // Touch-sized: the filter and the tiles are at least 44 px tall.
        Assert.True((await page.GetByTestId("attention-filter").BoundingBoxAsync())!.Height >= 44);
        Assert.True((await bin.BoundingBoxAsync())!.Height >= 44);
        // board, alarms, incidents, cards, upgrades: the bar scrolls sideways on its own, the page does not.
        await Expect(page.Locator("[data-testid=nav] a[data-nav]")).ToHaveCountAsync(5);

        // The board replaces a gateway's whole card when its set of ports or bins changes, as the gateway's first reports
        // arrive one by one; a tap on a tile being replaced opens nothing (twice the bin page never came). So the tap
        // waits for the demo shed's 20 ports and 4 bins; after that a tile stays the same node.
        ILocator card = page.Locator($"section.gateway[data-site='{Site}'][data-gateway='{Gw}']");
        await Expect(card.Locator(".tile[data-bin]")).ToHaveCountAsync(4, new() { Timeout = ShedBound });
        await Expect(card.Locator(".tile[data-port]")).ToHaveCountAsync(20, new() { Timeout = ShedBound });

        // A phone has no hover: the tile's content then takes no taps, so a tap that lands while a reading redraws the
        // tile still opens it (app.css).
        Assert.True(await page.EvaluateAsync<bool>("() => matchMedia('(hover: none)').matches"), "a phone-sized touch screen without hover");
        Assert.Equal("none", await bin.Locator(".tile-top").EvaluateAsync<string>("e => getComputedStyle(e).pointerEvents"));
        await bin.TapAsync();
        await Expect(page).ToHaveURLAsync(AtPath($"/bins/{Site}/{Gw}/B2"));
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(page.GetByTestId("chart-fill").Locator("canvas").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("bin-state")).ToContainTextAsync("厨余垃圾");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the bin page scrolls sideways on a phone");
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(6)]
    public async Task Without_InfluxDB_the_trends_page_says_what_is_needed_instead_of_drawing_empty_charts()
    {
        Uri hub = await rig.StartHubWithoutInfluxAsync();
        IPage page = await SignInAsync("viewer", "/trends", new BrowserNewContextOptions { BaseURL = hub.ToString() });
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-trends-loaded", "unavailable");
        await Expect(page.GetByTestId("trends-unavailable")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("trends-unavailable")).ToContainTextAsync("InfluxDB");
        await Expect(page.GetByTestId("charts")).ToBeHiddenAsync();
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(7)]
    public async Task A_connected_gateway_with_nothing_new_for_minutes_is_marked_stale_not_just_online()
    {
        rig.StartGateway();
        IPage page = await SignInAsync("manager", "/");
        ILocator status = page.Locator($"section.gateway[data-gateway='{Gw}'] [data-testid=gateway-status]");
        await Expect(status).ToHaveAttributeAsync("data-state", "online", new() { Timeout = ShedBound });
        await Expect(status).ToHaveTextAsync(new Regex("在线$"));

        // The page's clock 10 minutes ahead: the gateway is as connected as before, but its last report is 10 minutes old
        // (a stalled gateway, or one replaying its past): 在线·无新数据, not 在线 beside "10 分钟前".
        await page.Clock.InstallAsync(new() { TimeDate = DateTime.UtcNow.AddMinutes(10) });
        await page.GotoAsync("/", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(status).ToHaveAttributeAsync("data-state", "stale", new() { Timeout = ShedBound });
        await Expect(status).ToHaveAttributeAsync("data-online", "true");
        await Expect(status).ToContainTextAsync("在线·无新数据");
        AssertNoScriptErrors();
    }

    [Fact]
    [Step(7)]
    public async Task Every_page_keeps_to_the_content_security_policy_and_carries_the_protective_headers()
    {
        // Any violation is a console error (ConsoleRig.NewPageAsync listens to securitypolicyviolation too).
        rig.StartGateway();
        IPage page = await SignInAsync("admin", "/");
        string[] paths = ["/", "/alarms", "/trends", "/audit", $"/ports/{Site}/{Gw}/P02", $"/bins/{Site}/{Gw}/B2", "/incidents", "/incidents/stats", "/cards"];
        foreach (string path in paths)
        {
            IResponse? response = await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Load });
            Assert.Equal(200, response!.Status);
            Dictionary<string, string> headers = response.Headers;
            Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"], StringComparison.Ordinal);
            Assert.Equal("DENY", headers["x-frame-options"]);
            Assert.Equal("nosniff", headers["x-content-type-options"]);
            Assert.Equal("same-origin", headers["referrer-policy"]);
            await Expect(page.GetByTestId("user")).ToContainTextAsync("管理员");
        }

        // The board's tiles (inline widths of the fill bars) and the charts' tooltips (ECharts) once they are drawn.
        await page.GotoAsync("/", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator($".tile[data-site='{Site}'][data-gateway='{Gw}'][data-bin='B2']")).ToBeVisibleAsync(new() { Timeout = ShedBound });
        await page.GotoAsync("/trends", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-trends-loaded", "true");
        ILocator chart = page.GetByTestId("chart-energy_per_day").Locator("canvas").First;
        await chart.HoverAsync();
        await chart.HoverAsync(new() { Position = new() { X = 200, Y = 100 } });

        // The sign-in and 403 pages, signed out and as a viewer.
        IPage viewer = await SignInAsync("viewer", "/trends");
        IResponse? forbidden = await viewer.GotoAsync("/audit", new() { WaitUntil = WaitUntilState.Load });
        Assert.Equal(403, forbidden!.Status);
        Assert.Contains("frame-ancestors 'none'", forbidden.Headers["content-security-policy"], StringComparison.Ordinal);
        await Expect(viewer.GetByTestId("forbidden")).ToBeVisibleAsync();
        await viewer.GetByTestId("logout").ClickAsync();
        await Expect(viewer).ToHaveURLAsync(AtPath("/login"));
        await Expect(viewer.Locator("#lang [data-lang]").First).ToBeAttachedAsync();
        AssertNoScriptErrors();
    }

    /// <summary>
    /// The page's URL has this path (any query). Navigations are checked by polling the page's URL: once, the bin page
    /// was open while <c>WaitForURLAsync</c> still waited two minutes for its navigation to commit (the navigation event
    /// came before the waiter listened), and twice Chromium left a page's load event unreported. Each test then waits
    /// for the content it checks.
    /// </summary>
    internal static Regex AtPath(string path) => new($"^https?://[^/]+{Regex.Escape(path)}(\\?.*)?$");

    private static Regex NonZero() => NonZeroPattern();

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex NonZeroPattern();
}
