using EdgeGateway.Hub.Storage;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hub.Ingest;

/// <summary>Runs ingest's two lanes (<see cref="IngestLanes"/>: each a link and the pipeline it feeds) until the host stops.</summary>
public sealed partial class HubIngestService(IngestLanes lanes, IPointWriter writer, IOptions<HubOptions> options, ILogger<HubIngestService> logger) : BackgroundService
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
        var running = new List<Task>();
        var handlers = new List<(MqttConnection Connection, EventHandler<MqttLinkConnectedEventArgs> Handler)>();
        foreach (IngestLane lane in lanes.All)
        {
            lane.Link.Connection.MessageHandler = message => lane.Pipeline.EnqueueAsync(message, stoppingToken).AsTask();
            EventHandler<MqttLinkConnectedEventArgs> connected = (_, e) => LogIngesting(lane.Link.HubId, lane.Name, lane.Link.Filter, e.SessionPresent);
            lane.Link.Connection.Connected += connected;
            handlers.Add((lane.Link.Connection, connected));
        }

        try
        {
            // The alarm lane first: once the telemetry lane says it is ingesting, both are subscribed.
            running.AddRange(lanes.All.Reverse().SelectMany(lane => new[] { lane.Pipeline.RunAsync(stoppingToken), lane.Link.Connection.RunAsync(stoppingToken) }));
            await Task.WhenAll(running);
        }
        finally
        {
            foreach ((MqttConnection connection, EventHandler<MqttLinkConnectedEventArgs> handler) in handlers)
            {
                connection.Connected -= handler;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest is off (Hub:Influx:Enabled false, --influx-url none): nothing is stored and no alarm is notified; the console shows live state only")]
    private partial void LogIngestOff();

    [LoggerMessage(Level = LogLevel.Information, Message = "Writing points to {Database}")]
    private partial void LogWritingTo(string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub {HubId} ingesting {Lane}: {Filter} (session present: {SessionPresent})")]
    private partial void LogIngesting(string hubId, string lane, string filter, bool sessionPresent);
}
