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
        if (CreateBuilder(settingsFile, overrides) is not { } builder)
        {
            return 2;
        }

        builder.Services.AddSystemd();
        try
        {
            // Composing may already read validated settings (the console's key directory is in Hub:DataDirectory), so
            // an invalid Hub section is refused from here as from the start-up validation. RunAsync disposes the app.
            WebApplication app = Compose(builder);
            await app.RunAsync(cancellationToken);
            return 0;
        }
        catch (Exception exception) when (ValidationFailures(exception) is { } failures)
        {
            await RefuseAsync(failures, "refusing to start: the hub's settings are invalid");
            return 2;
        }
    }

    /// <summary>
    /// <c>check</c>: the settings <c>run</c> would read, composed and validated exactly as at start (every
    /// <c>ValidateOnStart</c> validator), without starting anything: exit 0 and one line naming the hub's version, or
    /// each problem and exit 2. The packages' tests run it on the packaged hub.json; an administrator runs it after an
    /// edit, before <c>systemctl restart</c>.
    /// </summary>
    public static async Task<int> CheckAsync(FileInfo? settingsFile, IReadOnlyDictionary<string, string?> overrides)
    {
        if (CreateBuilder(settingsFile, overrides) is not { } builder)
        {
            return 2;
        }

        WebApplication? app = null;
        try
        {
            app = Compose(builder);
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception exception) when (ValidationFailures(exception) is { } failures)
        {
            await RefuseAsync(failures, "the hub's settings are invalid");
            return 2;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }

        string read = string.Join(", ", new[] { InstalledSettings, settingsFile?.FullName }.OfType<string>().Where(File.Exists));
        await Console.Out.WriteLineAsync($"EdgeGateway.Hub {Version}: the settings are valid (read: {(read.Length == 0 ? "no file" : read)})");
        return 0;
    }

    /// <summary>The hub's informational version (Directory.Build.props' Version, with the commit the SDK adds).</summary>
    public static string Version { get; } =
        typeof(HubHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

    /// <summary>The configuration layers of <c>run</c> and <c>check</c>; null (said on standard error) when --config names no file.</summary>
    private static WebApplicationBuilder? CreateBuilder(FileInfo? settingsFile, IReadOnlyDictionary<string, string?> overrides)
    {
        if (settingsFile is { Exists: false })
        {
            Console.Error.WriteLine($"--config: {settingsFile.FullName} does not exist");
            return null;
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

        // The environment after the files, as README.md says (the slim builder read it before them, so a key in hub.json
        // used to win over Hub__Influx__Token=… or a unit's Environment=); the command line last.
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(overrides);
        return builder;
    }

    /// <summary>The options failures of a start-up validation: one <see cref="OptionsValidationException"/>, or several
    /// in an <see cref="AggregateException"/> when more than one section is invalid (the host's startup validator
    /// collects them); null for any other exception.</summary>
    private static IReadOnlyList<string>? ValidationFailures(Exception exception) => exception switch
    {
        OptionsValidationException one => [.. one.Failures],
        AggregateException many when many.InnerExceptions.All(inner => inner is OptionsValidationException) =>
            [.. many.InnerExceptions.Cast<OptionsValidationException>().SelectMany(inner => inner.Failures)],
        _ => null,
    };

    private static async Task RefuseAsync(IReadOnlyList<string> failures, string conclusion)
    {
        foreach (string failure in failures)
        {
            await Console.Error.WriteLineAsync(failure);
        }

        await Console.Error.WriteLineAsync(conclusion);
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
