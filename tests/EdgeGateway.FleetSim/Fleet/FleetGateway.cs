using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Bins;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Messaging;
using EdgeGateway.Messaging.Outbox;
using EdgeGateway.Mqtt;
using EdgeGateway.Protection;
using EdgeGateway.Simulation;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.FleetSim.Fleet;

/// <summary>
/// One simulated gateway of the district: its shed's physical model (users arriving over the day, chargers, faults
/// injected on demand), the gateway's own <see cref="ShedProtection"/>, event dispatcher, <see cref="DurableOutbox"/>
/// (its own file, its own seq) and <see cref="MqttLink"/> with its own MQTT 5 connection. Only the meter is above the
/// bus (<see cref="ModelPortMeter"/>). Rounds are driven by the fleet's sampling threads; everything else runs on the
/// gateway's own tasks as it does in the product.
/// </summary>
internal sealed class FleetGateway : ILinkedShed, IGatewayEventSubscriber, IRelayBank, IAsyncDisposable
{
    private readonly SimulatedClock _clock;
    private readonly ShedModel _model;
    private readonly RecyclingStationModel? _binModel;
    private readonly GatewayEventChannel _events = new();
    private readonly GatewayEventDispatcher _dispatcher;
    private readonly MqttConnection _connection;
    private readonly MqttLink _link;
    private readonly FleetLedger.Gateway _ledger;
    private readonly Lock _faultGate = new();
    private readonly Queue<Action> _faults = new();
    private DateTimeOffset _nextBinSample;
    private bool _started;

    public FleetGateway(SiteConfiguration site, DateTimeOffset start, int seed, Uri broker, string dataDirectory, FleetOptions options, FleetLedger ledger, ILoggerFactory logs)
    {
        Site = site;
        _clock = new SimulatedClock(start);
        _model = new ShedModel(_clock, 220, 50, seed, SimulatedShed.ChinaStandardTime);
        foreach (ChargingPortDefinition port in site.Ports)
        {
            _model.AddOutlet(port.Id, isDc: false);
        }

        _ = new ShedLife(_model, options.ArrivalsPeakPerHour);
        Protection = new ShedProtection(site.ShedProtection, PortProtectionPlan.From(site), this, _events, _clock);
        Protection.ApplyConfiguration();
        _model.StartRequested += outlet => _ = Protection.SubmitAsync(new PortCommand(PortCommandKind.Start, outlet.Id, "user"));

        if (site.Bins.Count > 0)
        {
            Station = new RecyclingStation(site.Bins, _events);
            _binModel = new RecyclingStationModel(_clock, seed, SimulatedShed.ChinaStandardTime);
            foreach (BinDefinition bin in site.Bins)
            {
                _binModel.AddBin(bin.Id, BinClassName(bin.Class), bin.Geometry.SensorToBottomMm, bin.Geometry.SensorToFullMm, 60);
            }
        }

        Directory.CreateDirectory(dataDirectory);
        // The disk-full reserve (8 MiB on a gateway's card) is kept small here: 645 of them share one disk.
        Outbox = DurableOutbox.Open(new OutboxOptions { Path = Path.Combine(dataDirectory, "outbox.db"), MaxMessages = options.OutboxMaxMessages, DiskFullReserveBytes = options.DiskFullReserveBytes }, out _);
        _connection = new MqttConnection(
            MqttLinkServiceCollectionExtensions.ConnectionOptions(this, broker, new MqttOptions { MaxBackoff = options.MaxReconnectBackoff }),
            logs.CreateLogger<MqttConnection>());
        _link = new MqttLink(this, Outbox, _connection, logs.CreateLogger<MqttLink>());
        _ledger = ledger.Add(site.Site.Id, site.Site.Gateway);
        _dispatcher = new GatewayEventDispatcher(_events, [_link, this], logs.CreateLogger<GatewayEventDispatcher>());
    }

    public SiteConfiguration Site { get; }

    public TimeProvider Time => _clock;

    public ShedProtection Protection { get; }

    public RecyclingStation? Station { get; }

    public DurableOutbox Outbox { get; }

    public string Id => $"{Site.Site.Id}/{Site.Site.Gateway}";

    public bool IsConnected => _connection.IsConnected;

    /// <summary>Events published and not yet handed to the link (the outbox has everything else).</summary>
    public bool EventsPending => _events.Published != Interlocked.Read(ref _handled);

    private long _handled;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _dispatcher.StartAsync(cancellationToken);
        await _link.StartAsync(cancellationToken);
        _started = true;
    }

    /// <summary>
    /// One sampling round at fleet time <paramref name="now"/>: the shed's model moves on, every port is metered and
    /// judged by protection (relays open on this thread, as on the gateway's sampling thread), the shed's sensors, and
    /// the bins at their sampling period. Called by one fleet sampling thread only.
    /// </summary>
    public void RunRound(DateTimeOffset now)
    {
        _clock.Advance(now - _clock.GetUtcNow());
        ApplyFaults();
        _model.AdvanceTo(_clock.Elapsed);
        Protection.ProcessCommands();
        IReadOnlyList<ShedOutlet> outlets = _model.Outlets;
        for (int i = 0; i < outlets.Count; i++)
        {
            Protection.OnPortMeasured(i, ModelPortMeter.Read(_model, outlets[i], Protection.ShortCircuitPeakAmps(i)));
        }

        Protection.ProcessCommands();
        Protection.OnShedSensors(new ShedSensorReadings(_model.CabinetTemperatureC, [], _model.Smoke, null, null));
        Protection.OnRoundComplete();

        if (Station is not null && _binModel is not null && now >= _nextBinSample)
        {
            _nextBinSample = now + Site.BinSampling.Period;
            _binModel.AdvanceTo(_clock.Elapsed);
            for (int i = 0; i < Site.Bins.Count; i++)
            {
                Station.OnSample(i, BinSampleOf(Site.Bins[i], _binModel.Bins[i], now));
            }
        }
    }

    /// <summary>Plugs a 1500 W modified charger into a free port and asks it to start: an overload the gateway cuts within its 500 ms debounce.</summary>
    public void InjectOverload() => Enqueue(() =>
    {
        if (_model.Outlets.FirstOrDefault(o => o.Load is null) is { } outlet)
        {
            _model.PlugAndRequestStart(outlet, new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 800));
        }
    });

    /// <summary>Smoke in the shed (or gone again): every port is cut and a critical alarm raised.</summary>
    public void InjectSmoke(bool smoke) => Enqueue(() => _model.SetSmoke(smoke));

    /// <summary>Operators reset every locked-out port (as maintenance would from the console), so faults can repeat.</summary>
    public void ResetLockouts() => Enqueue(() =>
    {
        foreach (PortSnapshot port in Protection.Snapshot.Ports.Where(p => p.Lockout is not null))
        {
            _model.Outlet(port.Id).Unplug();
            _ = Protection.SubmitAsync(new PortCommand(PortCommandKind.Reset, port.Id, "fleet", "fleet simulator reset"));
        }
    });

    public bool TrySetClosed(int port, bool closed, out string? failure)
    {
        _model.Outlets[port].CoilEnergized = closed;
        failure = null;
        return true;
    }

    public ValueTask HandleAsync(GatewayEvent gatewayEvent, CancellationToken cancellationToken)
    {
        _ledger.Record(gatewayEvent);
        Interlocked.Increment(ref _handled);
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the gateway as systemd would: the link and the dispatcher stop, the outbox is closed (what was not yet published stays in it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _link.StopAsync(timeout.Token);
            _events.Complete();
            await _dispatcher.StopAsync(timeout.Token);
        }

        _ledger.Close(Outbox.Stats);
        _link.Dispose();
        _dispatcher.Dispose();
        await _connection.DisposeAsync();
        Outbox.Dispose();
    }

    private void Enqueue(Action fault)
    {
        lock (_faultGate)
        {
            _faults.Enqueue(fault);
        }
    }

    private void ApplyFaults()
    {
        lock (_faultGate)
        {
            while (_faults.TryDequeue(out Action? fault))
            {
                fault();
            }
        }
    }

    private static BinSample BinSampleOf(BinDefinition bin, SimulatedBin model, DateTimeOffset now)
    {
        // What each distance sensor would report: the model's surface, a few pings' worth.
        double surface = model.SurfaceMm;
        FillSensorReadings[] fill = [.. bin.FillSensors.Select(s => new FillSensorReadings(s.Id, [surface, surface + 2, surface - 2, surface + 1, surface - 1], 0, null, 20, 4000))];
        return new BinSample(now, fill, WeightKg: model.CapacityKg * Math.Clamp(model.FillPct, 0, 120) / 100, TemperatureC: model.TemperatureC, LidOpen: model.LidOpen, Tilted: model.Tilted);
    }

    private static string BinClassName(BinClass binClass) => binClass switch
    {
        BinClass.Kitchen => "kitchen",
        BinClass.Recyclable => "recyclable",
        BinClass.Hazardous => "hazardous",
        _ => "other",
    };
}
