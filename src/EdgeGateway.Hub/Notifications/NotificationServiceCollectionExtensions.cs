using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hub's alarm notifications: <see cref="AddNotificationServices"/> on its own, <see cref="AddAlarmNotificationServices"/> in the hub.</summary>
internal static class NotificationServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="NotificationOptions"/> (section <c>Notifications</c>, validated at start), <see cref="AlarmNotifier"/>
    /// (singleton, also ingest's <see cref="IAlarmRecorder"/> and <see cref="IAlarmReminders"/>), the <see cref="NotificationDelivery"/> hosted service, its
    /// named HTTP client, and <see cref="TimeProvider.System"/> unless a TimeProvider is registered already.
    /// </summary>
    public static IServiceCollection AddNotificationServices(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<AlarmNotifier>();
        services.TryAddSingleton<IAlarmRecorder>(provider => provider.GetRequiredService<AlarmNotifier>());
        services.TryAddSingleton<IAlarmReminders>(provider => provider.GetRequiredService<AlarmNotifier>());
        services.AddHostedService<NotificationDelivery>();

        services.AddHttpClient(NotificationDelivery.HttpClientName, client =>
            {
                // Each attempt has its own deadline (Notifications:RequestTimeout); HttpClient's 100 s default would cut it short of nothing.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            // HttpClientFactory logs every request URI; the query is redacted since .NET 9, but a Feishu hook id is in the
            // path, and the redaction can be switched off process-wide. A robot's URL is its credential: no request logs.
            .RemoveAllLoggers()
            // A redirect would carry the body (and DingTalk's signature) somewhere unconfigured; a 3xx counts as failure.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        return services;
    }

    /// <summary>Alarm notifications (Notifications/README.md), with this instance's ledger in the hub's data directory.</summary>
    public static IHostApplicationBuilder AddAlarmNotificationServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddNotificationServices();
        builder.Services.AddOptions<NotificationOptions>().PostConfigure<IOptions<HubOptions>>((notifications, hub) =>
        {
            if (!Path.IsPathRooted(notifications.LedgerPath))
            {
                notifications.LedgerPath = Path.Combine(hub.Value.DataDirectory, notifications.LedgerPath);
            }
        });
        return builder;
    }
}
