using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Upgrades;
using EdgeGateway.Hub.WebConsole;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Hosting;

/// <summary>Builds and runs the hub: configuration layers, systemd, then each area's services and endpoints, which the
/// area adds itself (its <c>Add…Services</c> and <c>Map…</c>, eShop's service shape).</summary>
internal static class HubHost
{
    /// <summary>The settings file the installer writes (deploy/hub), read after appsettings.json.</summary>
    public const string InstalledSettings = "/etc/edgegateway/hub.json";

    public static async Task<int> RunAsync(FileInfo? settingsFile, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        if (settingsFile is { Exists: false })
        {
            await Console.Error.WriteLineAsync($"--config: {settingsFile.FullName} does not exist");
            return 2;
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddJsonFile(InstalledSettings, optional: true, reloadOnChange: false);
        if (settingsFile is not null)
        {
            builder.Configuration.AddJsonFile(settingsFile.FullName, optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Services.AddSystemd();
        WebApplication app = Compose(builder);
        try
        {
            await app.RunAsync(cancellationToken);
            return 0;
        }
        catch (OptionsValidationException exception)
        {
            foreach (string failure in exception.Failures)
            {
                await Console.Error.WriteLineAsync(failure);
            }

            await Console.Error.WriteLineAsync("refusing to start: the hub's settings are invalid");
            return 2;
        }
    }

    /// <summary>Every area's services and endpoints on <paramref name="builder"/>: the hub's app, built, not started
    /// (the tests enumerate its endpoints).</summary>
    internal static WebApplication Compose(WebApplicationBuilder builder)
    {
        builder.AddIngestServices();
        builder.AddAlarmNotificationServices();
        builder.AddIncidentServices();
        builder.AddConsoleServices();
        builder.AddPlatformServices();
        builder.AddCardServices();
        builder.AddUpgradeServices();
        builder.AddHubMonitoring();

        WebApplication app = builder.Build();
        app.MapIngestHealth();
        app.MapConsole();
        app.MapPlatform();
        app.MapCards();
        app.MapUpgrades();
        app.MapHubMonitoring();
        return app;
    }
}
