using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Upgrading;

/// <summary>The <c>upgrade</c> command's services: <see cref="UpgradeOptions"/> and the <see cref="BundleUpgrader"/> the MQTT link hands it to.</summary>
public static class UpgradeServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddUpgradeServices(this IHostApplicationBuilder builder, string dataDirectory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<UpgradeOptions>()
            // Bound by the configuration binder's source generator through the typed Bind(object): its interceptor of the
            // generic BindConfiguration<T> switches over every options type of the assembly, which ties each area's
            // registration to every other's (GatewayAreaTests).
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(UpgradeOptions.Section).Bind(options))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UpgradeOptions>, UpgradeOptionsValidator>());
        builder.Services.AddSingleton(sp => new BundleUpgrader(
            sp.GetRequiredService<IOptions<UpgradeOptions>>().Value, dataDirectory, GatewayVersion.Running, time, sp.GetRequiredService<ILogger<BundleUpgrader>>()));
        return builder;
    }
}
