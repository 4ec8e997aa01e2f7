using EdgeGateway.Hub.Cards;
using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Hub.WebConsole.Dashboard;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the prepaid cards (Cards/README.md): <see cref="AddCardServices"/> and <see cref="MapCards"/>.</summary>
internal static class CardServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="CardOptions"/> (section <c>Hub:Cards</c>, validated at start, the path resolved against
    /// <c>Hub:DataDirectory</c>), the <see cref="CardStore"/>, the <see cref="CardListPublisher"/> on the console's MQTT
    /// connection, and the <see cref="CardReconciliation"/> as one of ingest's <see cref="IStoredMessageObserver"/>s.
    /// Needs the console's services (its link, board and audit log).
    /// </summary>
    public static IHostApplicationBuilder AddCardServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddOptions<CardOptions>().BindConfiguration(CardOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CardOptions>, CardOptionsValidator>());
        services.AddOptions<CardOptions>().PostConfigure<IOptions<HubOptions>>((cards, hub) =>
        {
            if (!string.IsNullOrWhiteSpace(cards.Path) && !Path.IsPathRooted(cards.Path))
            {
                cards.Path = Path.Combine(hub.Value.DataDirectory, cards.Path);
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => CardStore.Open(sp.GetRequiredService<IOptions<CardOptions>>().Value.Path));
        services.AddSingleton(sp =>
        {
            LiveDashboard board = sp.GetRequiredService<LiveDashboard>();
            return new CardListPublisher(
                sp.GetRequiredService<CardStore>(), sp.GetRequiredService<TenantRegistry>(), sp.GetRequiredService<ConsoleLink>().Connection, board.GatewayKeys,
                sp.GetRequiredService<IOptions<CardOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CardListPublisher>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<CardListPublisher>());
        services.AddSingleton<IStoredMessageObserver>(sp => new CardReconciliation(
            sp.GetRequiredService<CardStore>(), sp.GetRequiredService<TenantRegistry>(), sp.GetRequiredService<CardListPublisher>(),
            sp.GetRequiredService<ConsoleStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CardReconciliation>>()));
        return builder;
    }

    /// <summary>The console's <c>/api/cards…</c>.</summary>
    public static WebApplication MapCards(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapCardEndpoints();
        return app;
    }

    /// <summary>Names every problem of <see cref="CardOptions"/> with its key.</summary>
    private sealed class CardOptionsValidator : IValidateOptions<CardOptions>
    {
        public ValidateOptionsResult Validate(string? name, CardOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
