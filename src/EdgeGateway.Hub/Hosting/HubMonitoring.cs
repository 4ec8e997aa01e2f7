using System.Text.Json;
using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Ingest;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace EdgeGateway.Hub.Hosting;

/// <summary>How long the database may refuse writes before the hub says it is not ready (section <c>Hub:Readiness</c>).</summary>
public sealed class HubReadinessOptions
{
    public const string Section = "Hub:Readiness";

    /// <summary>Writes to InfluxDB failing (and retried) for longer than this: not ready. A short outage (a restart of
    /// the database) is ridden out by the retries and the broker's queue, and is not worth an alert.</summary>
    public TimeSpan InfluxFailureThreshold { get; set; } = TimeSpan.FromMinutes(2);

    public IReadOnlyList<string> Problems() =>
        InfluxFailureThreshold < TimeSpan.FromSeconds(1) || InfluxFailureThreshold > TimeSpan.FromDays(1)
            ? [$"{Section}:{nameof(InfluxFailureThreshold)}: between 1 second and 1 day"]
            : [];
}

/// <summary>
/// The operator's view of a running hub: <c>/metrics</c> (Prometheus text, the <c>EdgeGateway.Hub</c> meter through
/// OpenTelemetry's exporter), <c>/health/live</c> (the process answers) and <c>/health/ready</c> (503 while the broker
/// is disconnected or database writes have failed for longer than <see cref="HubReadinessOptions.InfluxFailureThreshold"/>,
/// each reason in the JSON body). README "Metrics and health".
/// </summary>
internal static class HubMonitoring
{
    private const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddHubMonitoring(this IHostApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<HubReadinessOptions>().BindConfiguration(HubReadinessOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubReadinessOptions>, ReadinessValidator>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(IngestStats.MeterName).AddPrometheusExporter());
        services.AddHealthChecks()
            .AddCheck<BrokerCheck>("broker", tags: [ReadyTag])
            .AddCheck<InfluxWriteCheck>("influxdb", tags: [ReadyTag]);
        return builder;
    }

    public static WebApplication MapHubMonitoring(this WebApplication app)
    {
        // The hub's own counts and its servers' state: no site's data (the nginx example keeps them off the public side).
        app.MapPrometheusScrapingEndpoint("/metrics").WithoutSiteData("the hub's own counters, no site's data");
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).WithoutSiteData("whether the process answers");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).WithoutSiteData("the broker's and the database's state");
        return app;
    }

    /// <summary><c>{"status":"Unhealthy","checks":{"broker":{"status":"Unhealthy","reason":"…"}, …}}</c></summary>
    private static async Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("checks");
            foreach ((string name, HealthReportEntry entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("reason", entry.Description ?? "");
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        await http.Response.Body.WriteAsync(buffer.ToArray(), http.RequestAborted);
    }

    private sealed class BrokerCheck(HubLink link) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(link.Connection.IsConnected
                ? HealthCheckResult.Healthy("connected")
                : HealthCheckResult.Unhealthy("the broker is disconnected: nothing is received"));
    }

    private sealed class InfluxWriteCheck(IngestStats stats, TimeProvider time, IOptions<HubReadinessOptions> options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (stats.WritesFailingSince is not { } since)
            {
                return Task.FromResult(HealthCheckResult.Healthy("writes succeed"));
            }

            TimeSpan failing = time.GetElapsedTime(since);
            TimeSpan threshold = options.Value.InfluxFailureThreshold;
            return Task.FromResult(failing > threshold
                ? HealthCheckResult.Unhealthy($"writes to InfluxDB have failed for {failing.TotalSeconds:F0} s (threshold {threshold.TotalSeconds:F0} s); messages wait in the broker's queue")
                : HealthCheckResult.Healthy($"writes failing for {failing.TotalSeconds:F0} s, retried (threshold {threshold.TotalSeconds:F0} s)"));
        }
    }

    private sealed class ReadinessValidator : IValidateOptions<HubReadinessOptions>
    {
        public ValidateOptionsResult Validate(string? name, HubReadinessOptions options)
        {
            IReadOnlyList<string> problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
