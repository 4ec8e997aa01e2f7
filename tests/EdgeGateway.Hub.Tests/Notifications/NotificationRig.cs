using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.Tenants;
using EdgeGateway.Testing;
using EdgeGateway.Testing.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>
/// An <see cref="AlarmNotifier"/> and a running <see cref="NotificationDelivery"/> on a fake clock, a ledger in a
/// fresh directory, a loopback receiver for the channels, capturing loggers and the hub's metrics.
/// </summary>
internal sealed class NotificationRig : IAsyncDisposable
{
    /// <summary>The fake clock starts here: 19:30:00 China Standard Time.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 11, 30, 0, TimeSpan.Zero);

    private readonly ServiceProvider _metricsServices;
    private readonly PlainHttpClientFactory _httpClients = new();
    private CancellationTokenSource? _stopping;

    private NotificationRig(LoopbackReceiver receiver, FakeTimeProvider time, NotificationOptions options, string directory)
    {
        Receiver = receiver;
        Time = time;
        Options = options;
        Directory = directory;
        _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        MeterFactory = _metricsServices.GetRequiredService<IMeterFactory>();
    }

    public LoopbackReceiver Receiver { get; }

    public FakeTimeProvider Time { get; }

    public NotificationOptions Options { get; }

    public string Directory { get; }

    public IMeterFactory MeterFactory { get; }

    public AlarmNotifier Notifier { get; private set; } = null!;

    /// <summary>The registry the notifier reads companies' robots from; none unless started with one.</summary>
    internal TenantRegistry? Tenants { get; private set; }

    public NotificationDelivery Delivery { get; private set; } = null!;

    public ListLogger<AlarmNotifier> NotifierLog { get; } = new();

    public ListLogger<NotificationDelivery> DeliveryLog { get; } = new();

    /// <summary>Every line either logger captured.</summary>
    public string AllLogs => NotifierLog.Text + "\n" + DeliveryLog.Text;

    /// <summary>Starts a rig; <paramref name="configure"/> adds channels (pointing at <see cref="Receiver"/>) and routes.</summary>
    /// <remarks>With <paramref name="tenants"/>, the notifier knows the companies' robots (the hub's registry).</remarks>
    public static async Task<NotificationRig> StartAsync(Action<NotificationOptions, LoopbackReceiver> configure, bool deliver = true, TenantDirectory? tenants = null)
    {
        var time = new FakeTimeProvider(Start);
        LoopbackReceiver receiver = await LoopbackReceiver.StartAsync(time);
        string directory = Path.Combine(Path.GetTempPath(), "eg-notifications-" + Guid.NewGuid().ToString("N"));
        var options = new NotificationOptions { LedgerPath = Path.Combine(directory, "notifications.db") };
        configure(options, receiver);
        var rig = new NotificationRig(receiver, time, options, directory);
        rig.Tenants = tenants is null ? null : new TenantRegistry(tenants, Path.Combine(directory, "tenants.yaml"));
        rig.Open();
        if (deliver)
        {
            await rig.StartDeliveryAsync();
        }

        return rig;
    }

    /// <summary>One channel of <paramref name="type"/> at <paramref name="pathAndQuery"/> on the receiver, routed for every site at <paramref name="minSeverity"/>.</summary>
    public static Action<NotificationOptions, LoopbackReceiver> OneChannel(
        string name, string type, string pathAndQuery, string? secret = null, string? language = null, string minSeverity = "info") =>
        (options, receiver) =>
        {
            options.Channels[name] = new NotificationChannelOptions { Type = type, Url = receiver.Url(pathAndQuery), Secret = secret, Language = language };
            options.Routes.Add(new NotificationRouteOptions { MinSeverity = minSeverity, Channels = { name } });
        };

    public async Task StartDeliveryAsync()
    {
        _stopping = new CancellationTokenSource();
        Delivery = new NotificationDelivery(Notifier, _httpClients, Time, DeliveryLog);
        await Delivery.StartAsync(_stopping.Token);
    }

    /// <summary>A process restart: delivery stopped, the ledger closed, then both started again on the same file.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        Open();
        await StartDeliveryAsync();
    }

    public Task RecordAsync(AlarmMessage alarm) => Notifier.RecordAsync(alarm, CancellationToken.None);

    /// <summary>
    /// Polls <paramref name="condition"/> every 10 ms (real time) for up to 15 s; fails naming the condition. With
    /// <paramref name="advance"/>, the fake clock moves by up to that much before a poll, but only while every channel's
    /// delivery loop waits, and never past the earliest instant one of them will look again
    /// (<see cref="NotificationDelivery.Waiting"/>): each notice then leaves at exactly the instant the product
    /// scheduled, however late this machine runs the loops.
    /// </summary>
    public async Task UntilAsync(Func<bool> condition, TimeSpan? advance = null, [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition())
        {
            if (elapsed.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; fake time {Time.GetUtcNow():O}; log:\n{AllLogs}");
            }

            if (advance is { } step)
            {
                AdvanceWhileEveryChannelWaits(step);
            }

            await Task.Delay(10);
        }
    }

    private void AdvanceWhileEveryChannelWaits(TimeSpan step)
    {
        // One snapshot: a loop may wake (and withdraw its entry) while this looks.
        Dictionary<string, DateTimeOffset> waiting = new(Delivery.Waiting, StringComparer.Ordinal);
        if (Notifier.Plan.Channels.Any(channel => !waiting.ContainsKey(channel.Name)))
        {
            return; // a loop is at work (or just woken): the clock stands still for it
        }

        DateTimeOffset now = Time.GetUtcNow();
        DateTimeOffset next = waiting.Values.Min();
        if (next > now)
        {
            Time.Advance(next - now < step ? next - now : step);
        }
    }

    /// <summary>The requests on <paramref name="path"/> whose body mentions <paramref name="alarmId"/>.</summary>
    public IReadOnlyList<ReceivedRequest> For(string path, string alarmId) =>
        [.. Receiver.On(path).Where(request => request.Text.Contains(alarmId, StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Receiver.DisposeAsync();
        _httpClients.Dispose();
        await _metricsServices.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Open() =>
        Notifier = new AlarmNotifier(Microsoft.Extensions.Options.Options.Create(Options), Time, MeterFactory, NotifierLog, tenants: Tenants);

    private async Task StopAsync()
    {
        if (_stopping is not null)
        {
            await Delivery.StopAsync(CancellationToken.None);
            Delivery.Dispose();
            _stopping.Dispose();
            _stopping = null;
        }

        Notifier?.Dispose();
    }
}

/// <summary>Contract alarm messages as gateways send them.</summary>
internal static class Alarms
{
    public static AlarmMessage Raised(
        string alarmId = "alm-0001",
        string kind = "port_short_circuit",
        AlarmSeverity severity = AlarmSeverity.Critical,
        string site = "dongguan",
        string gateway = "shed-1",
        string source = "port:p03",
        double? value = 3520,
        double? threshold = 2000,
        string? unit = "W",
        string detail = "instantaneous current 16.0 A beyond the 10 A limit",
        DateTimeOffset? at = null) => new()
        {
            Seq = 42,
            Ts = at ?? NotificationRig.Start,
            Site = site,
            Gateway = gateway,
            AlarmId = alarmId,
            Event = AlarmEvent.Raised,
            Kind = kind,
            Severity = severity,
            Source = source,
            Value = value,
            Threshold = threshold,
            Unit = unit,
            RaisedTs = at ?? NotificationRig.Start,
            Detail = detail,
        };

    public static AlarmMessage Cleared(AlarmMessage raised, DateTimeOffset at, string reason = "port reset by operator") => raised with
    {
        Seq = raised.Seq + 1,
        Ts = at,
        Event = AlarmEvent.Cleared,
        ClearedTs = at,
        ClearReason = reason,
    };
}

/// <summary>Plain HttpClients on one handler, as the hub's named client is (no redirects, no timeout of its own).</summary>
internal sealed class PlainHttpClientFactory : IHttpClientFactory, IDisposable
{
    private readonly SocketsHttpHandler _handler = new() { AllowAutoRedirect = false };

    public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => _handler.Dispose();
}

/// <summary>Sums the measurements of one instrument of the hub's meter created by one meter factory.</summary>
internal sealed class MeasurementSum : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    public MeasurementSum(IMeterFactory scope, string instrument)
    {
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Meter.Scope == scope && published.Name == instrument)
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => Interlocked.Add(ref _total, measurement));
        _listener.Start();
    }

    /// <summary>The counter's total, or the gauge's latest value after <see cref="Observe"/>.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Reads observable instruments (the pending gauge) now.</summary>
    public long Observe()
    {
        Interlocked.Exchange(ref _total, 0);
        _listener.RecordObservableInstruments();
        return Total;
    }

    public void Dispose() => _listener.Dispose();
}
