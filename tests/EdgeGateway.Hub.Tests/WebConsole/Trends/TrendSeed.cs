using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Hub.Tests.WebConsole.Trends;

/// <summary>
/// Contract messages from two sites (and one with a quote in its name) over two weeks of November 2026, stored in a
/// real InfluxDB 1.6 exactly as the hub stores them (<see cref="ContractPoints"/>). Times are China Standard Time.
/// The numbers each trend must give for them are worked out beside the tests.
/// </summary>
internal static class TrendSeed
{
    public const string Database = "edge";
    public const string SiteA = "linzi-demo-001";
    public const string SiteB = "zibo-east-002";

    /// <summary>Not a valid contract site id, but a request can name anything: it must be matched exactly, never parsed.</summary>
    public const string QuotedSite = "o'brien \"yard\"";

    private const string Gw = "gw-01";

    private static long _seq;

    /// <summary>A China Standard Time instant.</summary>
    public static DateTimeOffset Cst(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    public static IReadOnlyList<ContractMessage> Messages { get; } = Build();

    public static string LineProtocol() =>
        string.Join("\n", Messages.Select(message => ContractPoints.From(message, message.Ts).ToLineProtocol()));

    /// <summary>http://127.0.0.1 and a port nothing listens on (claimed for this test process, never bound).</summary>
    public static Uri Nowhere() => new($"http://127.0.0.1:{LoopbackPorts.Claim()}");

    /// <summary>The hub's InfluxDB HTTP clients, registered as the hub registers them (one provider for the test process).</summary>
    public static IHttpClientFactory HttpClients { get; } =
        new ServiceCollection().AddInfluxHttpClients().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();

    public static InfluxSettings Settings(Uri url, string database = Database) => new()
    {
        Url = url,
        Api = InfluxApi.V1,
        Database = database,
        Timeout = TimeSpan.FromSeconds(60), // a hang bound: a loaded machine answers slowly, not wrongly
    };

    private static List<ContractMessage> Build()
    {
        var messages = new List<ContractMessage>();

        // Sessions, stored at their end (the message is published when the session closes).
        // A, 2 Nov: 22:00-23:30, 300 Wh (ends before CST midnight: 2 Nov).
        messages.Add(Session(SiteA, "P01", Cst(11, 2, 22, 0), Cst(11, 2, 23, 30), 300));
        // A, 2 Nov 23:50 - 3 Nov 00:30 CST, 150 Wh: ends 16:30 UTC on 2 Nov, which is 3 Nov in China.
        messages.Add(Session(SiteA, "P02", Cst(11, 2, 23, 50), Cst(11, 3, 0, 30), 150));
        // A, 3 Nov 08:00-10:00, 500 Wh.
        messages.Add(Session(SiteA, "P01", Cst(11, 3, 8, 0), Cst(11, 3, 10, 0), 500));
        // A, 4 Nov 23:40 - 5 Nov 00:10 CST (still 4 Nov in UTC), 1000 Wh: after a range ending 4 Nov.
        messages.Add(Session(SiteA, "P03", Cst(11, 4, 23, 40), Cst(11, 5, 0, 10), 1000));
        // B, 2 Nov 07:30-08:00, 100 Wh.
        messages.Add(Session(SiteB, "P01", Cst(11, 2, 7, 30), Cst(11, 2, 8, 0), 100));
        // The quoted site, 2 Nov 12:00-12:01, 7 Wh.
        messages.Add(Session(QuotedSite, "P01", Cst(11, 2, 12, 0), Cst(11, 2, 12, 1), 7));

        // A, 20 Nov (a day no other test reads): a 60 min charge; an overload cut after 2 s and a short circuit after 1 s
        // (protection cuts at the start: no sessions); an over-temperature cut after 10 min and a user's stop after
        // 20 s (sessions, however short).
        messages.Add(Session(SiteA, "P01", Cst(11, 20, 10, 0), Cst(11, 20, 11, 0), 200));
        messages.Add(Session(SiteA, "P02", Cst(11, 20, 10, 30), Cst(11, 20, 10, 30).AddSeconds(2), 0, SessionEndReason.Overload));
        messages.Add(Session(SiteA, "P03", Cst(11, 20, 10, 40), Cst(11, 20, 10, 40).AddSeconds(1), 0, SessionEndReason.ShortCircuit));
        messages.Add(Session(SiteA, "P04", Cst(11, 20, 11, 0), Cst(11, 20, 11, 10), 30, SessionEndReason.OverTemperature));
        messages.Add(Session(SiteA, "P05", Cst(11, 20, 12, 0), Cst(11, 20, 12, 0).AddSeconds(20), 1, SessionEndReason.StoppedByUser));

        // Port telemetry. A, 2 Nov: 3 charging of 10 (30 %), the last charging one at 23:59 CST.
        foreach (int hour in new[] { 1, 2, 3, 4, 5, 6, 7 })
        {
            messages.Add(Telemetry(SiteA, "P01", Cst(11, 2, hour), PortState.Idle));
        }

        messages.Add(Telemetry(SiteA, "P01", Cst(11, 2, 10, 0), PortState.Charging));
        messages.Add(Telemetry(SiteA, "P01", Cst(11, 2, 10, 10), PortState.Charging));
        messages.Add(Telemetry(SiteA, "P01", Cst(11, 2, 23, 59), PortState.Charging));
        // A, 3 Nov: 00:01 CST (16:01 UTC on 2 Nov) charging, 12:00 idle: 50 %.
        messages.Add(Telemetry(SiteA, "P01", Cst(11, 3, 0, 1), PortState.Charging));
        messages.Add(Telemetry(SiteA, "P02", Cst(11, 3, 12, 0), PortState.Idle));
        // B, 2 Nov: charging, idle, idle, fault: 25 % (a faulty port is port-time not charging).
        messages.Add(Telemetry(SiteB, "P01", Cst(11, 2, 9, 0), PortState.Charging));
        messages.Add(Telemetry(SiteB, "P01", Cst(11, 2, 9, 10), PortState.Idle));
        messages.Add(Telemetry(SiteB, "P01", Cst(11, 2, 9, 20), PortState.Idle));
        messages.Add(Telemetry(SiteB, "P01", Cst(11, 2, 9, 30), PortState.Fault));

        // Alarms. ISO weeks: W45 is Mon 2 Nov - Sun 8 Nov, W46 Mon 9 Nov - Sun 15 Nov (CST).
        messages.Add(Alarm(SiteA, "a1", AlarmEvent.Raised, "port_overload", "port:P01", Cst(11, 2, 10, 0)));
        messages.Add(Alarm(SiteA, "a1", AlarmEvent.Cleared, "port_overload", "port:P01", Cst(11, 2, 10, 5)));
        // Sunday 23:30 CST: W45.
        messages.Add(Alarm(SiteA, "a2", AlarmEvent.Raised, "bin_overflow", "bin:B1", Cst(11, 8, 23, 30)));
        // Monday 00:30 CST, which is still Sunday in UTC: W46.
        messages.Add(Alarm(SiteA, "a3", AlarmEvent.Raised, "bin_overflow", "bin:B1", Cst(11, 9, 0, 30)));
        messages.Add(Alarm(SiteB, "a4", AlarmEvent.Raised, "bin_overflow", "bin:B1", Cst(11, 3, 9, 0)));
        messages.Add(Alarm(SiteB, "a4", AlarmEvent.Cleared, "bin_overflow", "bin:B1", Cst(11, 3, 11, 0)));
        messages.Add(Alarm(SiteB, "a5", AlarmEvent.Raised, "smoke", "smoke", Cst(11, 10, 14, 0)));
        // Monday 16 Nov 00:10 CST (Sunday 15 Nov in UTC): after a range ending 15 Nov.
        messages.Add(Alarm(SiteA, "a6", AlarmEvent.Raised, "bin_overflow", "bin:B1", Cst(11, 16, 0, 10)));

        // Bin state. Every state message repeats the last collection (time and fill).
        // A/B1: a collection on 1 Nov (before the range) still reported on 2 Nov.
        messages.Add(BinState(SiteA, "B1", Cst(11, 2, 8, 0), Cst(11, 1, 18, 0), 99));
        // A/B1: collected 2 Nov 09:00 at 60 %, reported three times.
        messages.Add(BinState(SiteA, "B1", Cst(11, 2, 9, 0), Cst(11, 2, 9, 0), 60));
        messages.Add(BinState(SiteA, "B1", Cst(11, 2, 12, 0), Cst(11, 2, 9, 0), 60));
        messages.Add(BinState(SiteA, "B1", Cst(11, 2, 18, 0), Cst(11, 2, 9, 0), 60));
        // A/B1: collected 2 Nov 20:00 at 90 %, reported again on 3 Nov (still a 2 Nov collection).
        messages.Add(BinState(SiteA, "B1", Cst(11, 2, 20, 0), Cst(11, 2, 20, 0), 90));
        messages.Add(BinState(SiteA, "B1", Cst(11, 3, 1, 0), Cst(11, 2, 20, 0), 90));
        // A/B1: collected 3 Nov 23:50 at 95 %, first reported 4 Nov 00:05.
        messages.Add(BinState(SiteA, "B1", Cst(11, 4, 0, 5), Cst(11, 3, 23, 50), 95));
        // A/B2: collected 2 Nov 10:00 at 70 %.
        messages.Add(BinState(SiteA, "B2", Cst(11, 2, 10, 0), Cst(11, 2, 10, 0), 70));
        // B/B1: collected 3 Nov 07:00 at 50 %, reported twice.
        messages.Add(BinState(SiteB, "B1", Cst(11, 3, 7, 0), Cst(11, 3, 7, 0), 50));
        messages.Add(BinState(SiteB, "B1", Cst(11, 3, 8, 0), Cst(11, 3, 7, 0), 50));
        return messages;
    }

    private static SessionMessage Session(string site, string port, DateTimeOffset started, DateTimeOffset ended, double energyWh, SessionEndReason endReason = SessionEndReason.Complete) => new()
    {
        Seq = ++_seq, Ts = ended, Site = site, Gateway = Gw, SessionId = $"{site}-{port}-{started.ToUnixTimeSeconds()}", Port = port,
        StartedTs = started, EndedTs = ended, DurationS = (ended - started).TotalSeconds, EnergyWh = energyWh, PeakPowerW = 200,
        EndReason = endReason,
    };

    private static PortTelemetryMessage Telemetry(string site, string port, DateTimeOffset ts, PortState state) => new()
    {
        Seq = ++_seq, Ts = ts, Site = site, Gateway = Gw, Port = port, State = state, RelayClosed = state == PortState.Charging,
        PowerW = state == PortState.Charging ? 180 : 0, SessionEnergyWh = 0, LifetimeEnergyWh = 1000,
    };

    private static AlarmMessage Alarm(string site, string alarmId, AlarmEvent @event, string kind, string source, DateTimeOffset ts) => new()
    {
        Seq = ++_seq, Ts = ts, Site = site, Gateway = Gw, AlarmId = alarmId, Event = @event, Kind = kind, Severity = AlarmSeverity.Major,
        Source = source, RaisedTs = ts, ClearedTs = @event == AlarmEvent.Cleared ? ts : null, Detail = kind,
    };

    private static BinStateMessage BinState(string site, string bin, DateTimeOffset ts, DateTimeOffset lastCollected, double fillAtCollection) => new()
    {
        Seq = ++_seq, Ts = ts, Site = site, Gateway = Gw, Bin = bin, Class = BinClasses.Recyclable, FillPct = 10, NearlyFull = false,
        ContainerFull = false, ContainerEmpty = false, LastCollectedTs = lastCollected, FillAtLastCollectionPct = fillAtCollection,
        LidOpen = false, Tilted = false,
    };
}

/// <summary>One InfluxDB 1.6 for a test class, holding <see cref="TrendSeed.Messages"/> in database <c>edge</c>.</summary>
public sealed class SeededInflux : IAsyncLifetime
{
    public InfluxDbServer Server { get; private set; } = null!;

    public InfluxSettings Settings => TrendSeed.Settings(Server.Uri);

    public async Task InitializeAsync()
    {
        Server = await InfluxDbServer.StartNewAsync();
        await Server.CreateDatabaseAsync(TrendSeed.Database);
        await Server.WriteLinesAsync(TrendSeed.Database, TrendSeed.LineProtocol(), precision: "ns");
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
