using EdgeGateway.Contracts.Alarms;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Hub.Tests.WebConsole.Browser;

/// <summary>Incidents in the browser: a manager acknowledges and assigns, the maintenance user resolves on a phone,
/// the district reads the weekly figures. Writes docs/screenshots/incident-mine.png and incident-stats.png.</summary>
public sealed partial class ConsoleBrowserTests
{
    [Fact]
    [Step(6)]
    public async Task The_maintenance_user_resolves_an_incident_on_a_phone_and_the_district_reads_the_weekly_figures()
    {
        // A notifiable alarm (port overload, major) at the own company's test shed opens an incident.
        await using Api.FakeGateway fake = await Api.FakeGateway.StartAsync(rig.Broker);
        string alarm = await fake.RaiseAlarmAsync("port_overload", AlarmSeverity.Major);

        // The company's manager acknowledges it and assigns it to the maintenance user, by name.
        IPage manager = await SignInAsync("manager", "/incidents");
        ILocator managed = await IncidentCardAsync(manager, alarm);
        await Expect(managed.GetByTestId("incident-where")).ToContainTextAsync("测试车棚");
        await managed.Locator("[data-action=ack]").ClickAsync();
        await manager.GetByTestId("incident-ack-ok").ClickAsync();
        await Expect(managed).ToHaveAttributeAsync("data-state", "acknowledged");
        await managed.Locator("[data-action=assign]").ClickAsync();
        await manager.GetByTestId("incident-assign-choice").SelectOptionAsync("wang");
        await manager.GetByTestId("incident-assign-ok").ClickAsync();
        await Expect(managed).ToHaveAttributeAsync("data-state", "assigned");
        await Expect(managed).ToContainTextAsync("维修 王师傅");

        // On a phone: "my incidents", on site, then what was done.
        IPage phone = await SignInAsync("maintenance", "/incidents", new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
            DeviceScaleFactor = 2,
        });
        await Expect(phone.Locator("h1")).ToHaveTextAsync("我的事件");
        ILocator mine = await IncidentCardAsync(phone, alarm);
        ILocator onSite = mine.Locator("[data-action=on_site]");
        Assert.True((await onSite.BoundingBoxAsync())!.Height >= 44, "the on-site button is not thumb-sized");
        await onSite.TapAsync();
        await Expect(mine).ToHaveAttributeAsync("data-state", "on_site");
        await mine.Locator("[data-action=resolve]").TapAsync();
        await phone.GetByTestId("incident-resolve-choice").SelectOptionAsync("removed_heater");
        await phone.GetByTestId("incident-resolve-text").FillAsync("拔掉了 P01 上的电暖器");
        await phone.GetByTestId("incident-resolve-ok").TapAsync();
        await Expect(mine).ToHaveAttributeAsync("data-state", "resolved");
        await Expect(mine).ToContainTextAsync("移除违规电器");
        Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the incidents page scrolls sideways on a phone");
        await HideNoticesAsync(phone);
        await phone.ScreenshotAsync(new() { Path = Path.Combine(ConsoleRig.ScreenshotDirectory, "incident-mine.png") });

        // District staff read the week's figures per company, by the company's name.
        IPage district = await SignInAsync("viewer", "/incidents/stats");
        ILocator row = district.Locator($"[data-testid=stats-table] tr[data-company='{ConsoleHubRig.OwnCompany}']").First;
        await Expect(row).ToContainTextAsync("临淄物业");
        await Expect(district.GetByTestId("stats-csv")).ToHaveAttributeAsync("href", "/api/incidents/stats.csv?weeks=8");
        await district.ScreenshotAsync(new() { Path = Path.Combine(ConsoleRig.ScreenshotDirectory, "incident-stats.png"), FullPage = true });
        AssertNoScriptErrors();
    }

    /// <summary>The card of the incident <paramref name="alarm"/> opened, refreshing the list until the hub has it (the
    /// page loads its list once; the alarm reaches the hub through the broker).</summary>
    private static async Task<ILocator> IncidentCardAsync(IPage page, string alarm)
    {
        ILocator card = page.Locator($"[data-testid=incident][data-alarm='{alarm}']");
        DateTime until = DateTime.UtcNow.AddMilliseconds(PageBound);
        while (await card.CountAsync() == 0 && DateTime.UtcNow < until)
        {
            await page.Locator("#refresh").ClickAsync();
            await Task.Delay(500);
        }

        await Expect(card).ToBeVisibleAsync();
        return card;
    }
}
