using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Hub.Tests.WebConsole.Browser;

/// <summary>Prepaid cards in the browser: the company's manager issues a card and tops it up in 元, the maintenance
/// user reads it without the forms. Writes docs/screenshots/cards.png.</summary>
public sealed partial class ConsoleBrowserTests
{
    [Fact]
    [Step(6)]
    public async Task A_manager_issues_and_tops_up_a_card_and_maintenance_staff_read_it_only()
    {
        IPage manager = await SignInAsync("manager", "/cards");
        ILocator form = manager.GetByTestId("card-issue-form");
        await Expect(form).ToBeVisibleAsync();
        await form.Locator("[name=uid]").FillAsync("04 A1 B2 C3 D4 E5 F6");
        await form.Locator("[name=reference]").FillAsync("LZ-0001");
        await form.Locator("[name=opening]").FillAsync("50");
        await form.Locator("button[type=submit]").ClickAsync();
        ILocator detail = manager.GetByTestId("card-detail");
        await Expect(detail.Locator("h2")).ToHaveTextAsync("LZ-0001 · ¥50.00");

        await detail.Locator("[name=amount]").FillAsync("12.5");
        await detail.GetByTestId("card-top-up").Locator("button[type=submit]").ClickAsync();
        await Expect(detail.Locator("h2")).ToHaveTextAsync("LZ-0001 · ¥62.50");
        await Expect(detail.GetByTestId("card-ledger").Locator("tbody tr")).ToHaveCountAsync(2);
        ILocator row = manager.Locator("[data-testid=cards-table] tr[data-card='LZ-0001']");
        await Expect(row).ToContainTextAsync("04A1B2C3D4E5F6");
        await Expect(row).ToContainTextAsync("¥62.50");
        await Expect(row).ToContainTextAsync("临淄物业");
        await HideNoticesAsync(manager);
        await manager.ScreenshotAsync(new() { Path = Path.Combine(ConsoleRig.ScreenshotDirectory, "cards.png"), FullPage = true });

        IPage maintenance = await SignInAsync("maintenance", "/cards");
        await Expect(maintenance.Locator("[data-testid=cards-table] tr[data-card='LZ-0001']")).ToContainTextAsync("¥62.50");
        await Expect(maintenance.Locator("#read-only")).ToBeVisibleAsync();
        await Expect(maintenance.GetByTestId("card-issue-form")).ToBeHiddenAsync();
        AssertNoScriptErrors();
    }
}
