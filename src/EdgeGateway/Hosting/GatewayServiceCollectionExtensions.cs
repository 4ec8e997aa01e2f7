using EdgeGateway.Events;
using EdgeGateway.LiveView;
using EdgeGateway.Protection;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hosting;

/// <summary>The gateway's services, in one place (eShop style: one Add…Services per area).</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the sampling loop on an already composed <paramref name="runtime"/> (relays open), the
    /// event stream with its journal and live view, and the systemd integration (Type=notify: READY
    /// is sent once every hosted service has started, i.e. after the configuration is applied).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder, ShedRuntime runtime, GatewayEventChannel events, LiveViewSettings liveView, LockoutJournal lockouts, SessionJournal sessions)
    {
        builder.Services.AddOptions<GatewayOptions>()
            // Bound by the configuration binder's source generator through the typed Bind(object): its interceptor of the
            // generic BindConfiguration<T> switches over every options type of the assembly, which ties each area's
            // registration to every other's (GatewayAreaTests).
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(GatewayOptions.Section).Bind(options))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());

        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(runtime.Site);
        builder.Services.AddSingleton(runtime.Protection);
        builder.Services.AddSingleton(events);
        builder.Services.AddSingleton<IGatewayEventSink>(events);
        builder.Services.AddSingleton(liveView);

        builder.Services.AddSingleton<IGatewayEventSubscriber>(lockouts);

        // Before the MQTT link's subscriber (added later): a closed session leaves the journal before its report is queued.
        builder.Services.AddSingleton(sessions);
        builder.Services.AddSingleton<IGatewayEventSubscriber>(sessions);
        builder.Services.AddSingleton<EventJournal>();
        builder.Services.AddSingleton<IGatewayEventSubscriber>(sp => sp.GetRequiredService<EventJournal>());
        builder.Services.AddSingleton(sp => new LiveConsoleView(runtime.Protection, runtime.Site, runtime.Station, liveView, sp.GetRequiredService<ILogger<LiveConsoleView>>()));
        builder.Services.AddSingleton<IGatewayEventSubscriber>(sp => sp.GetRequiredService<LiveConsoleView>());

        // Order matters for shutdown (reverse order): sampling stops and opens the relays before the
        // dispatcher drains the last events.
        builder.Services.AddHostedService<GatewayEventDispatcher>();
        builder.Services.AddHostedService(_ => sessions);
        builder.Services.AddHostedService<SamplingService>();
        builder.Services.AddHostedService<BinSamplingService>();
        builder.Services.AddHostedService<SupplyMeterService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveConsoleView>());
        builder.Services.AddHostedService<SystemdWatchdog>();
        if (runtime.Protection.SessionsAwaitClock)
        {
            var clock = new ClockOptions();
            builder.Configuration.GetSection(ClockOptions.Section).Bind(clock);
            builder.Services.AddHostedService(sp => new ClockTrustWatch(runtime.Protection, clock.For(runtime.Simulation is not null), TimeProvider.System, sp.GetRequiredService<ILogger<ClockTrustWatch>>()));
        }

        builder.Services.AddSystemd();
        return builder;
    }
}
