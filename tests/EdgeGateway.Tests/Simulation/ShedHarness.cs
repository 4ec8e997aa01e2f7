using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Hosting;
using EdgeGateway.Protection;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// A small shed on the bus-level simulator, run round by round as fast as the CPU allows: the real
/// bindings over simulated chips, the real sampler and protection. Ports: P1, P2 (AC, board GPIO
/// relays 5 and 6), P3 (AC, relay on MCP23017 pin 0), D1 (DC, INA219 0x40 behind TCA9548A channel 2,
/// relay on MCP23017 pin 1).
/// </summary>
internal sealed class ShedHarness : IDisposable
{
    public const string SiteYaml = """
        site: { id: test-site, gateway: gw-test }
        mains:
          nominalVoltageV: 220
          frequencyHz: 50
          voltageSensor: { adc: adc0, channel: 0 }
          voltsPerAdcVolt: 268.97
        adcs:
          - { id: adc0, chip: mcp3208, spiBus: 0, chipSelect: 0, clockHz: 1000000, referenceV: 3.3 }
          - { id: adc1, chip: mcp3208, spiBus: 0, chipSelect: 1, clockHz: 1000000, referenceV: 3.3 }
        expanders:
          - { id: relays, chip: mcp23017, address: 0x20 }
        multiplexers:
          - { id: mux0, chip: tca9548a, address: 0x70 }
        ports:
          - id: P1
            meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }
            relay: { gpio: 5 }
          - id: P2
            meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }
            relay: { gpio: 6 }
          - id: P3
            meter: { type: ac, adc: adc1, channel: 0, ampsPerAdcVolt: 30 }
            relay: { expander: relays, pin: 0 }
          - id: D1
            meter: { type: dc, address: 0x40, multiplexer: mux0, multiplexerChannel: 2, shuntOhms: 0.01, maxCurrentA: 8, busVoltageDivider: 4 }
            relay: { expander: relays, pin: 1 }
            protection: { shortCircuitPeakA: 20 }
        shedSensors:
          thermometers:
            - { id: cabinet, deviceId: 28-0316a2794dff }
          smoke: { gpio: 27, activeLow: true }
        protection:
          port:
            completeHoldMinutes: 1
            noLoadTimeoutSeconds: 10
            maxSessionHours: 0.05
          shed:
            maxPowerW: 2000
            alarmClearSeconds: 5
        sampling:
          roundPeriodMs: 500
          temperaturePeriodSeconds: 1
        """;

    private readonly RecordingSink _events = new();

    public ShedHarness(string? siteYaml = null, DateTimeOffset? start = null, IReadOnlyList<Alarm>? lockouts = null, string? siteFile = null, IReadOnlyList<JournalledSession>? sessions = null, string? scenarioYaml = null)
    {
        SiteFileLoadResult load = siteFile is not null ? SiteFileLoader.Load(siteFile) : SiteFileLoader.LoadText("test-site.yaml", siteYaml ?? SiteYaml);
        Assert.True(load.IsValid, string.Join(Environment.NewLine, load.Problems));
        Site = load.Configuration!;
        var scenario = Scenario.Quiet(start ?? new DateTimeOffset(2026, 11, 25, 19, 0, 0, SimulatedShed.ChinaStandardTime));
        if (scenarioYaml is not null)
        {
            ScenarioLoadResult scenarioLoad = ScenarioLoader.LoadText("test-scenario.yaml", scenarioYaml, Site);
            Assert.True(scenarioLoad.Scenario is not null, string.Join(Environment.NewLine, scenarioLoad.Problems));
            scenario = scenarioLoad.Scenario!;
        }

        Runtime = ShedRuntime.Simulated(Site, scenario, 0, _events, lockouts, sessions);
    }

    public SiteConfiguration Site { get; }

    public ShedRuntime Runtime { get; }

    public SimulatedShed Shed => Runtime.Simulation!;

    public ShedModel Model => Shed.Model;

    public ShedProtection Protection => Runtime.Protection;

    public IReadOnlyList<GatewayEvent> Events => _events.Events;

    public TimeSpan Now => Shed.Clock.Elapsed;

    public ShedOutlet Outlet(string id) => Model.Outlet(id);

    /// <summary>Whether the relay coil of a port is energised, read from the simulated pin that drives it.</summary>
    public bool RelayClosed(string id) => Outlet(id).CoilEnergized;

    public PortSnapshot Port(string id) => Protection.Snapshot.Ports.Single(p => p.Id == id);

    public void PlugAndStart(string id, OutletLoad load) => Model.PlugAndRequestStart(Outlet(id), load);

    /// <summary>A 200 W lead-acid charger started on every port, then two seconds of shed time: every relay closed.</summary>
    public void ChargeEveryPort()
    {
        foreach (ShedOutlet outlet in Model.Outlets)
        {
            PlugAndStart(outlet.Id, new EBikeCharger(BatteryChemistry.LeadAcid, 200, 0.3, 576));
        }

        RunFor(TimeSpan.FromSeconds(2));
        Assert.All(Model.Outlets, o => Assert.True(o.ContactClosed, $"{o.Id} not charging"));
    }

    public Task<CommandResult> Command(PortCommandKind kind, string id, string by = "tester", string? reason = null) =>
        Protection.SubmitAsync(new PortCommand(kind, id, by, reason));

    public void Round()
    {
        Runtime.Pacer.BeforeRound();
        Runtime.Sampler.RunRound();
        Runtime.Pacer.AfterRound(CancellationToken.None);
    }

    /// <summary>Runs rounds until <paramref name="span"/> of shed time has passed.</summary>
    public void RunFor(TimeSpan span)
    {
        TimeSpan until = Now + span;
        while (Now < until)
        {
            Round();
        }
    }

    /// <summary>Runs rounds until <paramref name="condition"/> holds; fails after <paramref name="limit"/> of shed time.</summary>
    public void RunUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        TimeSpan until = Now + limit;
        while (!condition())
        {
            Assert.True(Now < until, $"{what} did not happen within {limit} of shed time");
            Round();
        }
    }

    /// <summary>
    /// <paramref name="load"/> replaces the port's load <paramref name="after"/> from now; runs rounds until the port's relay
    /// opens (failing after <paramref name="limit"/> of shed time) and returns the shed time from that onset to the opening.
    /// </summary>
    public TimeSpan OnsetUntilRelayOpens(string portId, OutletLoad load, TimeSpan after, TimeSpan limit)
    {
        ShedOutlet outlet = Outlet(portId);
        TimeSpan? opened = null;
        outlet.ContactChanged += closed => opened ??= closed ? null : Now;
        TimeSpan onset = Now + after;
        outlet.Plug(new OnsetLoad(outlet.Load!, load, onset));
        RunUntil(() => opened is not null, limit, $"{portId}'s relay opening");
        return opened!.Value - onset;
    }

    public IEnumerable<T> EventsOf<T>()
        where T : GatewayEvent => Events.OfType<T>();

    public Alarm RaisedAlarm(AlarmKind kind, string source) =>
        EventsOf<AlarmRaised>().Select(e => e.Alarm).Single(a => a.Kind == kind && a.Source == source);

    public bool HasAlarm(AlarmKind kind, string source) =>
        EventsOf<AlarmRaised>().Any(e => e.Alarm.Kind == kind && e.Alarm.Source == source);

    public void Dispose() => Runtime.Dispose();

    /// <summary>Keeps every event, in order, as the dispatcher's subscribers would see them.</summary>
    private sealed class RecordingSink : IGatewayEventSink
    {
        private readonly List<GatewayEvent> _events = [];

        public IReadOnlyList<GatewayEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public void Publish(GatewayEvent gatewayEvent)
        {
            lock (_events)
            {
                _events.Add(gatewayEvent);
            }
        }
    }
}
