using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Platform;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the platform API (Platform/README.md): <see cref="AddPlatformServices"/> and <see cref="MapPlatform"/>.</summary>
internal static class PlatformServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="PlatformOptions"/> (section <c>Platform</c>, validated at start), the platform store in the hub's data
    /// directory, the events (ingest's <see cref="IStoredMessageObserver"/>), the webhook delivery, and the OpenAPI
    /// document of <c>/api/platform/v1</c>. Needs the console's services (its MQTT link, board and audit log) and the
    /// notifications' HTTP client.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PlatformOptions>().PostConfigure<IOptions<HubOptions>>((platform, hub) =>
        {
            if (!Path.IsPathRooted(platform.StorePath))
            {
                platform.StorePath = Path.Combine(hub.Value.DataDirectory, platform.StorePath);
            }
        });
        services.AddSingleton(sp => PlatformStore.Open(sp.GetRequiredService<IOptions<PlatformOptions>>().Value.StorePath));
        services.AddSingleton<PlatformEvents>();
        services.AddSingleton<IStoredMessageObserver>(sp => sp.GetRequiredService<PlatformEvents>());
        services.AddSingleton<PlatformApi>();
        services.AddHostedService<WebhookDelivery>();
        services.AddOpenApi(PlatformEndpoints.DocumentName, openApi =>
        {
            // The console's endpoints are the pages' own, not a contract: only the platform API is described.
            openApi.ShouldInclude = description => description.RelativePath?.StartsWith(PlatformEndpoints.Root.TrimStart('/') + "/", StringComparison.Ordinal) == true;
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "EdgeGateway platform API";
                document.Info.Description = "Start and stop charges, read ports and sessions; authenticate with Authorization: Bearer egk_… (src/EdgeGateway.Hub/Platform/README.md).";
                document.Info.Version = "1";
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>The platform API, its OpenAPI document, and the admins' key endpoints.</summary>
    public static WebApplication MapPlatform(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPlatformApi();
        app.MapPlatformKeyEndpoints();
        return app;
    }
}
