using EdgeGateway.Hub.Ingest;
using EdgeGateway.Hub.Upgrades;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers remote upgrades (Upgrades/README.md).</summary>
internal static class UpgradeServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="UpgradeOptions"/> (section <c>Hub:Upgrades</c>, validated at start, paths resolved against
    /// <c>Hub:DataDirectory</c>), the <see cref="BundleStore"/>, the <see cref="RolloutStore"/> and the
    /// <see cref="UpgradeRollouts"/> that drive them. Needs the console's services (its MQTT link, board and audit log).
    /// </summary>
    public static IHostApplicationBuilder AddUpgradeServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddOptions<UpgradeOptions>().BindConfiguration(UpgradeOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UpgradeOptions>, UpgradeOptionsValidator>());
        services.AddOptions<UpgradeOptions>().PostConfigure<IOptions<HubOptions>>((upgrades, hub) =>
        {
            if (!string.IsNullOrWhiteSpace(upgrades.Path) && !Path.IsPathRooted(upgrades.Path))
            {
                upgrades.Path = Path.Combine(hub.Value.DataDirectory, upgrades.Path);
            }

            if (!string.IsNullOrWhiteSpace(upgrades.BundleDirectory) && !Path.IsPathRooted(upgrades.BundleDirectory))
            {
                upgrades.BundleDirectory = Path.Combine(hub.Value.DataDirectory, upgrades.BundleDirectory);
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new BundleStore(sp.GetRequiredService<IOptions<UpgradeOptions>>().Value));
        services.AddSingleton(sp => RolloutStore.Open(sp.GetRequiredService<IOptions<UpgradeOptions>>().Value.Path));
        services.AddSingleton<UpgradeRollouts>();
        services.AddHostedService(sp => sp.GetRequiredService<UpgradeRollouts>());
        return builder;
    }

    /// <summary>Names every problem of <see cref="UpgradeOptions"/> with its key.</summary>
    private sealed class UpgradeOptionsValidator : IValidateOptions<UpgradeOptions>
    {
        public ValidateOptionsResult Validate(string? name, UpgradeOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
