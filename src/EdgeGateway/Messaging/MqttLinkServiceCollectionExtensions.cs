using System.Net;
using System.Text;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Messaging;

/// <summary>The MQTT link's services: outbox, connection, link, and the embedded broker when configured.</summary>
public static class MqttLinkServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddMqttLinkServices(this IHostApplicationBuilder builder, ILinkedShed runtime, string dataDirectory)
    {
        builder.Services.AddOptions<MqttOptions>()
            // Bound by the configuration binder's source generator through the typed Bind(object): its interceptor of the
            // generic BindConfiguration<T> switches over every options type of the assembly, which ties each area's
            // registration to every other's (GatewayAreaTests).
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(MqttOptions.Section).Bind(options))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>());

        MqttOptions options = Resolve(builder.Configuration, runtime.Site.Mqtt);
        if (options.IsDisabled)
        {
            return builder;
        }

        Uri broker;
        if (options.IsEmbedded)
        {
            builder.Services.AddSingleton(new EmbeddedBrokerSettings(IPAddress.Loopback, options.EmbeddedPort));
            builder.Services.AddHostedService<EmbeddedBroker>();
            broker = new Uri($"mqtt://127.0.0.1:{options.EmbeddedPort}");
        }
        else
        {
            broker = new Uri(options.Broker);
        }

        // A corrupt outbox is moved aside and a fresh one started (Stats.Recovery says so; the link logs and reports it).
        // Messages are stamped on the shed's clock: its wall and monotonic readings go with each message, so the outbox
        // can correct a step. A simulated clock starts again with each process: its readings are of this process only.
        bool simulated = runtime.Time is SimulatedClock;
        builder.Services.AddSingleton(_ => DurableOutbox.Open(
            new OutboxOptions
            {
                Path = Path.Combine(dataDirectory, "outbox.db"),
                MaxMessages = options.OutboxMaxMessages,
                StampClock = runtime.Time,
                BootId = simulated ? "simulation-" + Guid.NewGuid().ToString("N") : null,
            },
            out string? _));
        builder.Services.AddSingleton(sp => new MqttConnection(ConnectionOptions(runtime, broker, options), sp.GetRequiredService<ILogger<MqttConnection>>()));
        // Nothing waits for the clock to synchronise: the status only says whether it has (clock_synced).
        var clock = new ClockOptions();
        builder.Configuration.GetSection(ClockOptions.Section).Bind(clock);
        ClockSync clockSync = clock.For(simulated);
        builder.Services.AddSingleton(clockSync);
        builder.Services.AddSingleton(sp => new MqttLink(runtime, sp.GetRequiredService<DurableOutbox>(), sp.GetRequiredService<MqttConnection>(), sp.GetRequiredService<ILogger<MqttLink>>(), clockSync, sp.GetService<Diagnostics.GatewayMeters>(), sp.GetService<Terminal.CardListInbox>(), sp.GetService<Upgrading.BundleUpgrader>()));
        builder.Services.AddSingleton<IGatewayEventSubscriber>(sp => sp.GetRequiredService<MqttLink>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MqttLink>());
        return builder;
    }

    /// <summary>The gateway's MQTT 5 connection: client id its broker account (<c>Mqtt:Username</c>, else the account
    /// name make-credentials.sh gives it, <c>gw-{site}-{gateway}</c>), its retained offline status as the Last Will.</summary>
    /// <remarks>The production broker replaces the client id with the account name (<c>use_username_as_clientid</c>,
    /// deploy/mosquitto/edgegateway.conf) so that no account takes over another's session; sending it already keeps
    /// the gateway's logs and a broker without that setting naming the session alike.</remarks>
    public static MqttLinkOptions ConnectionOptions(ILinkedShed shed, Uri broker, MqttOptions options)
    {
        string site = shed.Site.Site.Id;
        string gateway = shed.Site.Site.Gateway;
        string clientId = string.IsNullOrEmpty(options.Username) ? $"gw-{site}-{gateway}" : options.Username;
        var link = MqttLinkOptions.For(broker, clientId, options);
        link.MaxBackoff = options.MaxBackoff;
        link.Will = new MqttWill
        {
            Topic = ContractTopics.Status(site, gateway),
            Payload = Encoding.UTF8.GetString(MqttLink.Will(shed)),
            Retain = true,
        };
        return link;
    }

    /// <summary>
    /// The site file's <c>mqtt:</c> section is the base; anything set in configuration (gateway.json,
    /// EDGEGATEWAY_Mqtt__* variables, <c>run --broker</c>) overrides it.
    /// </summary>
    public static MqttOptions Resolve(IConfiguration configuration, Configuration.MqttSiteSettings? site)
    {
        var options = new MqttOptions();
        if (site is not null)
        {
            options.Broker = site.Broker;
            site.CopyBrokerSettingsTo(options);
        }

        configuration.GetSection(MqttOptions.Section).Bind(options);
        return options;
    }
}
