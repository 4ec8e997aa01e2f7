using EdgeGateway.Hub.Storage;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Ingest;

/// <summary>Runs the ingest pipeline and the link that feeds it until the host stops.</summary>
public sealed partial class HubIngestService(HubLink link, IngestPipeline pipeline, IPointWriter writer, IOptions<HubOptions> options, ILogger<HubIngestService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Influx.Enabled)
        {
            // Not even subscribed: a broker would otherwise queue every message for a session nobody drains.
            LogIngestOff();
            return;
        }

        LogWritingTo(writer.Describe);
        link.Connection.MessageHandler = message => pipeline.EnqueueAsync(message, stoppingToken).AsTask();
        link.Connection.Connected += OnConnected;
        try
        {
            Task pipe = pipeline.RunAsync(stoppingToken);
            Task mqtt = link.Connection.RunAsync(stoppingToken);
            await Task.WhenAll(pipe, mqtt);
        }
        finally
        {
            link.Connection.Connected -= OnConnected;
        }
    }

    private void OnConnected(object? sender, MqttLinkConnectedEventArgs e) => LogIngesting(link.HubId, link.Filter, e.SessionPresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest is off (Hub:Influx:Enabled false, --influx-url none): nothing is stored and no alarm is notified; the console shows live state only")]
    private partial void LogIngestOff();

    [LoggerMessage(Level = LogLevel.Information, Message = "Writing points to {Database}")]
    private partial void LogWritingTo(string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub {HubId} ingesting {Filter} (session present: {SessionPresent})")]
    private partial void LogIngesting(string hubId, string filter, bool sessionPresent);
}
