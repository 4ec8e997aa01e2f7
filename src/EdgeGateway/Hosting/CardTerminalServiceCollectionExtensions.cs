using EdgeGateway.Events;
using EdgeGateway.Terminal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>The card terminal's services, when the site file has a <c>terminal:</c> section.</summary>
public static class CardTerminalServiceCollectionExtensions
{
    /// <summary>
    /// Adds the terminal's loop, its card list inbox (the MQTT link subscribes to the gateway's <c>cards</c> topic when it
    /// finds one) and its subscription to session ends. Call before <c>AddMqttLinkServices</c>.
    /// </summary>
    public static IHostApplicationBuilder AddCardTerminalServices(this IHostApplicationBuilder builder, ShedRuntime runtime, string dataDirectory)
    {
        if (runtime.Site.Terminal is null)
        {
            return builder;
        }

        var inbox = new CardListInbox();
        builder.Services.AddSingleton(inbox);
        builder.Services.AddSingleton(sp => new CardTerminalService(
            runtime.Site, runtime.Protection, runtime.Board.Buses, runtime.Time, inbox, dataDirectory, sp.GetRequiredService<ILogger<CardTerminalService>>()));
        builder.Services.AddSingleton<IGatewayEventSubscriber>(sp => sp.GetRequiredService<CardTerminalService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CardTerminalService>());
        return builder;
    }
}
