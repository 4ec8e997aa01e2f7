using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace EdgeGateway.Hub.Ingest;

/// <summary>
/// What every hub instance must know although a shared subscription gives each only a share of the messages, on a
/// second, non-shared MQTT connection (<c>{client id}-peers</c>):
/// <list type="bullet">
/// <item><c>edge/v1/+/+/alarms</c> and <c>edge/v1/+/+/cmd/alarm_ack</c>: clears and acknowledgements, so that whichever
/// instance holds a critical alarm's reminder cancels it (<see cref="IAlarmReminders"/>);</item>
/// <item><c>edge/v1/_hub/seen/+</c>: the <c>seq</c> numbers each instance stored, published by each every second as
/// ranges, so that every instance's <see cref="SeqTracker"/> sees every number and a gap is a real gap, not another
/// instance's share. One instance — the lowest client id heard from lately — records gaps.</item>
/// </list>
/// Alone (no shared group) the instance sees everything itself; it still listens for clears and acknowledgements.
/// </summary>
internal sealed partial class HubPeers : BackgroundService
{
    public const string SeenRoot = ContractTopics.Root + "/_hub/seen/";

    private static readonly TimeSpan PublishInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an instance of a shared group only joins a gateway's seq stream (<see cref="SeqTracker.JoinWindow"/>):
    /// long enough for its resumed sessions to redeliver what was queued for it and for its peers' next reports.
    /// </summary>
    private static readonly TimeSpan JoinWindow = TimeSpan.FromSeconds(30);

    /// <summary>How long the broker keeps a stopped instance's peer subscriptions and queues for it.</summary>
    private static readonly TimeSpan PeerSessionExpiry = TimeSpan.FromMinutes(10);

    private readonly HubOptions _options;
    private readonly IngestPipeline _pipeline;
    private readonly IAlarmReminders? _notifier;
    private readonly TimeProvider _time;
    private readonly ILogger<HubPeers> _logger;
    private readonly MqttConnection _connection;
    private readonly ConcurrentQueue<(string Site, string Gateway, long Seq)> _stored = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _peersHeard = new(StringComparer.Ordinal);

    public HubPeers(IOptions<HubOptions> options, IngestLanes lanes, TimeProvider time, ILogger<MqttConnection> linkLogger, ILogger<HubPeers> logger, IAlarmReminders? notifier = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lanes);
        _options = options.Value;
        _pipeline = lanes.Telemetry.Pipeline; // it owns the seq tracker both lanes share, and checks it for gaps
        _notifier = notifier;
        _time = time;
        _logger = logger;
        MqttLinkOptions link = _options.LinkOptions(HubOptions.PeersConnection, acknowledgeOnReceipt: true, receiveMaximum: _options.Ingest.QueueCapacity);
        // The session outlives a restart: what peers reported while this instance was down or starting (the numbers they
        // stored, clears, acknowledgements) is queued by the broker and delivered when it is back. Without it a
        // restarted instance that records gaps counted the numbers a peer stored around its restart as lost (37 in one
        // run) and kept reminders of alarms cleared meanwhile.
        link.SessionExpiry = PeerSessionExpiry;
        _connection = new MqttConnection(link, linkLogger);
        _connection.Subscribe(ContractTopics.Root + "/+/+/alarms", MqttQualityOfServiceLevel.AtLeastOnce);
        _connection.Subscribe(ContractTopics.Root + "/+/+/cmd/alarm_ack", MqttQualityOfServiceLevel.AtLeastOnce);
        if (Shared)
        {
            _connection.Subscribe(SeenRoot + "+", MqttQualityOfServiceLevel.AtLeastOnce);
            foreach (IngestLane lane in lanes.All)
            {
                lane.Pipeline.Stored += (site, gateway, seq) => _stored.Enqueue((site, gateway, seq));
            }

            _pipeline.RecordsGaps = false; // until this instance knows it is the lowest id heard from
            _pipeline.Seq.JoinWindow = JoinWindow;
        }
    }

    private bool Shared => _options.SharedGroup is not null;

    public override void Dispose()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _connection.MessageHandler = message => OnMessageAsync(message, stoppingToken);
        Task link = _connection.RunAsync(stoppingToken);
        if (Shared)
        {
            using var timer = new PeriodicTimer(PublishInterval, _time);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    await PublishSeenAsync(stoppingToken);
                    ElectGapRecorder();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }

        await link;
    }

    private async Task OnMessageAsync(MqttIncomingMessage message, CancellationToken cancellationToken)
    {
        if (message.Topic.StartsWith(SeenRoot, StringComparison.Ordinal))
        {
            OnPeerSeen(message);
            return;
        }

        if (_notifier is null || !ContractTopics.TryParse(message.Topic, out ContractTopic topic))
        {
            return;
        }

        if (topic.Kind == ContractTopicKind.Alarms
            && ContractJson.TryDeserialize(message.Payload.Span, out AlarmMessage? alarm, out _)
            && alarm is { Event: AlarmEvent.Cleared })
        {
            // The topic names the gateway (the broker's ACL vouches for it), not the payload.
            await _notifier.ObserveClearedAsync(topic.Site, topic.Gateway, alarm.AlarmId, alarm.ClearedTs ?? alarm.Ts, cancellationToken);
        }
        else if (topic.Kind == ContractTopicKind.Command
            && ContractJson.TryDeserializeCommand(message.Payload.Span, out CommandRequest? request, out _)
            && request is { AlarmId: { Length: > 0 } alarmId })
        {
            LogAcknowledged(alarmId, request.Operator ?? "(unnamed)");
            await _notifier.ObserveAcknowledgedAsync(topic.Site, topic.Gateway, alarmId, request.Operator ?? "", _time.GetUtcNow(), cancellationToken);
        }
    }

    private void OnPeerSeen(MqttIncomingMessage message)
    {
        SeenRanges? seen;
        try
        {
            seen = JsonSerializer.Deserialize(message.Payload.Span, HubPeersJson.Default.SeenRanges);
        }
        catch (JsonException)
        {
            return;
        }

        if (seen is null)
        {
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        _peersHeard[seen.Hub] = now;
        if (seen.Hub == _options.ClientId)
        {
            return; // our own numbers are in the tracker already
        }

        foreach (GatewayRanges gateway in seen.Gateways)
        {
            foreach (long[] range in gateway.Ranges)
            {
                if (range is [long from, long to] && to >= from && to - from < 1_000_000)
                {
                    for (long seq = from; seq <= to; seq++)
                    {
                        _pipeline.Seq.Observe(gateway.Site, gateway.Gateway, seq, now);
                    }
                }
            }
        }
    }

    private async Task PublishSeenAsync(CancellationToken cancellationToken)
    {
        var byGateway = new Dictionary<(string Site, string Gateway), List<long>>();
        while (_stored.TryDequeue(out (string Site, string Gateway, long Seq) item))
        {
            if (!byGateway.TryGetValue((item.Site, item.Gateway), out List<long>? seqs))
            {
                byGateway[(item.Site, item.Gateway)] = seqs = [];
            }

            seqs.Add(item.Seq);
        }

        // An empty report still says "this instance is alive" for the election.
        var report = new SeenRanges(_options.ClientId, [.. byGateway.Select(g => new GatewayRanges(g.Key.Site, g.Key.Gateway, Ranges(g.Value)))]);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(report, HubPeersJson.Default.SeenRanges);
        if (!await _connection.PublishAsync(SeenRoot + _options.ClientId, payload, retain: false, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: cancellationToken))
        {
            // Not sent: keep the numbers for the next attempt, so peers do not count them as lost.
            foreach (((string site, string gateway), List<long> seqs) in byGateway)
            {
                foreach (long seq in seqs)
                {
                    _stored.Enqueue((site, gateway, seq));
                }
            }
        }
    }

    private void ElectGapRecorder()
    {
        DateTimeOffset now = _time.GetUtcNow();
        string lowest = _peersHeard.Where(p => now - p.Value < PeerTimeout).Select(p => p.Key).Append(_options.ClientId).Min(StringComparer.Ordinal)!;
        bool records = lowest == _options.ClientId;
        if (records != _pipeline.RecordsGaps)
        {
            _pipeline.RecordsGaps = records;
            LogGapRecorder(_options.ClientId, records);
        }
    }

    internal static long[][] Ranges(List<long> seqs)
    {
        seqs.Sort();
        var ranges = new List<long[]>();
        foreach (long seq in seqs.Distinct())
        {
            if (ranges.Count > 0 && ranges[^1][1] + 1 == seq)
            {
                ranges[^1][1] = seq;
            }
            else
            {
                ranges.Add([seq, seq]);
            }
        }

        return [.. ranges];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alarm {AlarmId} acknowledged by {Operator}")]
    private partial void LogAcknowledged(string alarmId, string @operator);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub {HubId} {Role}", SkipEnabledCheck = true)]
    private partial void LogGapRecorderCore(string hubId, string role);

    private void LogGapRecorder(string hubId, bool records) =>
        LogGapRecorderCore(hubId, records ? "records seq gaps for the group" : "leaves seq gaps to a peer with a lower id");
}

/// <summary>One instance's report on <c>edge/v1/_hub/seen/{hub}</c>: the numbers it stored since its last report.</summary>
public sealed record SeenRanges(string Hub, IReadOnlyList<GatewayRanges> Gateways);

/// <summary>A gateway's stored numbers as inclusive <c>[from, to]</c> ranges.</summary>
public sealed record GatewayRanges(string Site, string Gateway, long[][] Ranges);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SeenRanges))]
internal sealed partial class HubPeersJson : JsonSerializerContext;
