using EdgeGateway.Hub.Incidents;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.Tenants;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the incidents (Incidents/README.md).</summary>
internal static class IncidentServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="IncidentOptions"/> (section <c>Hub:Incidents</c>, validated at start, the path resolved against
    /// <c>Hub:DataDirectory</c>), the <see cref="IncidentStore"/>, the <see cref="IncidentLifecycle"/>, and ingest's
    /// <see cref="IAlarmRecorder"/> replaced by the <see cref="IncidentRecorder"/> around the notification ledger. Call
    /// after <c>AddAlarmNotificationServices</c>.
    /// </summary>
    public static IHostApplicationBuilder AddIncidentServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddOptions<IncidentOptions>().BindConfiguration(IncidentOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IncidentOptions>, IncidentOptionsValidator>());
        services.AddOptions<IncidentOptions>().PostConfigure<IOptions<HubOptions>>((incidents, hub) =>
        {
            if (!string.IsNullOrWhiteSpace(incidents.Path) && !Path.IsPathRooted(incidents.Path))
            {
                incidents.Path = Path.Combine(hub.Value.DataDirectory, incidents.Path);
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => IncidentStore.Open(sp.GetRequiredService<IOptions<IncidentOptions>>().Value.Path));
        services.AddSingleton(sp => new IncidentLifecycle(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<IncidentOptions>>().Value.ReopenWindow));
        services.AddSingleton(sp => new IncidentRecorder(
            sp.GetRequiredService<AlarmNotifier>(), sp.GetRequiredService<IncidentStore>(), sp.GetRequiredService<IncidentLifecycle>(),
            sp.GetRequiredService<ILogger<IncidentRecorder>>(), sp.GetService<TenantRegistry>()));
        services.Replace(ServiceDescriptor.Singleton<IAlarmRecorder>(sp => sp.GetRequiredService<IncidentRecorder>()));
        return builder;
    }

    /// <summary>Names every problem of <see cref="IncidentOptions"/> with its key.</summary>
    private sealed class IncidentOptionsValidator : IValidateOptions<IncidentOptions>
    {
        public ValidateOptionsResult Validate(string? name, IncidentOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
