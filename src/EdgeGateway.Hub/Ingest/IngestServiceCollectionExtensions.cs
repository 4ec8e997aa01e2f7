using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Access;
using EdgeGateway.Hub.Storage;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Ingest;

/// <summary>Ingest: its services (<see cref="AddIngestServices"/>) and its endpoint (<see cref="MapIngestHealth"/>).</summary>
public static class IngestServiceCollectionExtensions
{
    /// <summary>Ingest: options (validated at start), the InfluxDB writer, the MQTT link, the pipeline and its service.</summary>
    public static IHostApplicationBuilder AddIngestServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<HubOptions>()
            .BindConfiguration(HubOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IngestStats>();
        builder.Services.AddStorageServices(sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.Influx);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<HubOptions>>().Value.Limits);
        builder.Services.AddSingleton(sp =>
        {
            HubOptions options = sp.GetRequiredService<IOptions<HubOptions>>().Value;
            ILogger<Mqtt.MqttConnection> linkLogger = sp.GetRequiredService<ILogger<Mqtt.MqttConnection>>();
            var telemetryLink = HubLink.ForTelemetry(options, linkLogger);
            var alarmLink = HubLink.ForAlarms(options, linkLogger);
            IngestPipeline telemetry = Pipeline(sp, options, options.Ingest, telemetryLink, sharedSeq: null);
            IngestPipeline alarms = Pipeline(sp, options, options.Ingest.ForAlarms(), alarmLink, sharedSeq: telemetry.Seq);
            return new IngestLanes(new IngestLane("telemetry", telemetryLink, telemetry), new IngestLane("alarms", alarmLink, alarms));
        });
        // The telemetry lane's link and pipeline, as health and monitoring know them.
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IngestLanes>().Telemetry.Link);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IngestLanes>().Telemetry.Pipeline);
        builder.Services.AddHostedService<HubIngestService>();
        builder.Services.AddHostedService<HubPeers>();
        builder.Services.PostConfigure<HubOptions>(options =>
        {
            options.DataDirectory = Path.GetFullPath(options.DataDirectory);
            Directory.CreateDirectory(options.DataDirectory);
        });
        return builder;
    }

    /// <summary>
    /// <c>GET /healthz</c>: the link, and what ingest has done — to a client on the machine itself (loopback, as the
    /// connection or a configured proxy says) or a signed-in console admin; 404 to anyone else (the hub's id and
    /// counters are nobody else's business). Readiness for a load balancer: <c>/health/ready</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapIngestHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", IResult (HttpContext http, HubLink link, IngestStats stats, IngestPipeline pipeline) =>
            http.Connection.RemoteIpAddress is not { } client || !(System.Net.IPAddress.IsLoopback(client) || http.User.IsInRole(ConsoleAdminRole))
            ? TypedResults.NotFound()
            : TypedResults.Json(
            new HubHealth(
                link.HubId,
                link.Connection.IsConnected,
                stats.Received,
                stats.Accepted,
                stats.RejectedTotal,
                stats.Rejected,
                stats.PointsWritten,
                stats.Acknowledged,
                stats.WriteFailures,
                stats.Queued,
                stats.SeqMissing,
                pipeline.Seq.Outstanding),
            HubHealthJson.Default.HubHealth)).WithoutSiteData("the hub's own counts, no site's data");
        return app;
    }

    private static IngestPipeline Pipeline(IServiceProvider sp, HubOptions options, IngestOptions ingest, HubLink link, SeqTracker? sharedSeq) =>
        new(
            sp.GetRequiredService<IPointWriter>(),
            link,
            sp.GetService<IAlarmRecorder>(),
            ingest,
            sp.GetRequiredService<IngestStats>(),
            options.ClientId,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<IngestPipeline>>(),
            options.Limits,
            StoredMessageObservers.Of(sp.GetServices<IStoredMessageObserver>()),
            sharedSeq);

    // The console's admin role (WebConsole.ConsoleRoles.Admin), by name: ingest does not depend on the console.
    private const string ConsoleAdminRole = "admin";

    /// <summary>Turns <see cref="HubOptions.Problems"/> into start-up failures that name each key.</summary>
    private sealed class HubOptionsValidator : IValidateOptions<HubOptions>
    {
        public ValidateOptionsResult Validate(string? name, HubOptions options)
        {
            IReadOnlyList<string> problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>The <c>/healthz</c> document.</summary>
public sealed record HubHealth(
    string Hub,
    bool BrokerConnected,
    long Received,
    long Accepted,
    long Rejected,
    IReadOnlyDictionary<string, long> RejectedByReason,
    long PointsWritten,
    long Acknowledged,
    long WriteFailures,
    long Queued,
    long SeqMissing,
    long SeqOutstanding);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HubHealth))]
internal sealed partial class HubHealthJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>Every registered <see cref="IStoredMessageObserver"/> (the platform's events, the cards' reconciliation) as
/// one, called in registration order; null when there is none.</summary>
internal sealed class StoredMessageObservers(IReadOnlyList<IStoredMessageObserver> observers) : IStoredMessageObserver
{
    public static IStoredMessageObserver? Of(IEnumerable<IStoredMessageObserver> registered)
    {
        IStoredMessageObserver[] all = [.. registered];
        return all.Length switch
        {
            0 => null,
            1 => all[0],
            _ => new StoredMessageObservers(all),
        };
    }

    public async Task ObserveAsync(ContractMessage message, CancellationToken cancellationToken)
    {
        foreach (IStoredMessageObserver observer in observers)
        {
            await observer.ObserveAsync(message, cancellationToken);
        }
    }
}
