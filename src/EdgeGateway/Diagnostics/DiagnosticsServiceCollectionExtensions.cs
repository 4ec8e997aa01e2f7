using EdgeGateway.Protection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace EdgeGateway.Diagnostics;

/// <summary>The gateway's own figures (<see cref="GatewayMeters"/>) and, when configured, their loopback <c>/metrics</c>.</summary>
public static class DiagnosticsServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddDiagnosticsServices(this IHostApplicationBuilder builder, ShedProtection protection, bool simulated = false)
    {
        ArgumentNullException.ThrowIfNull(protection);
        builder.Services.AddOptions<GatewayMetricsOptions>()
            // Bound by the configuration binder's source generator through the typed Bind(object): its interceptor of the
            // generic BindConfiguration<T> switches over every options type of the assembly, which ties each area's
            // registration to every other's (GatewayAreaTests).
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(GatewayMetricsOptions.Section).Bind(options))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayMetricsOptions>, GatewayMetricsOptionsValidator>());

        var meters = new GatewayMeters();
        meters.Observe("edgegateway.gateway.ports.faulted", "{port}", "Ports now in the fault state.", () => protection.Snapshot.FaultedPorts);
        if (simulated)
        {
            meters.ObserveSimulatorCpu();
        }

        builder.Services.AddSingleton(_ => meters); // made by the container's factory, so disposed with it

        int port = builder.Configuration.GetSection(GatewayMetricsOptions.Section).GetValue<int>(nameof(GatewayMetricsOptions.PrometheusPort));
        if (port is > 0 and <= 65535)
        {
            AddPrometheusListener(builder.Services, port);
        }

        return builder;
    }

    // A method of its own: OpenTelemetry's assemblies load only when the endpoint is configured.
    private static void AddPrometheusListener(IServiceCollection services, int port) =>
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(GatewayMeters.MeterName)
            .AddPrometheusHttpListener(listener =>
            {
                listener.Host = "127.0.0.1";
                listener.Port = port;
                listener.ScrapeEndpointPath = "/metrics";
            }));
}
