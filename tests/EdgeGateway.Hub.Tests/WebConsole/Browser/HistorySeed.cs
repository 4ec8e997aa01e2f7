using System.Globalization;
using System.Text;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Storage;

namespace EdgeGateway.Hub.Tests.WebConsole.Browser;

/// <summary>
/// Weeks of plausible history for two sites, as contract v1 messages turned into line protocol by the hub's own
/// mapper (<see cref="ContractPoints"/>), so that the trends page has something to draw: charging sessions with an
/// evening peak, port telemetry (utilisation), alarms of several kinds (bin overflows among them) with their clears,
/// and bin collections (fill at collection). Deterministic (fixed seed); days are China Standard Time days.
/// </summary>
internal static class HistorySeed
{
    public const string SecondSite = "zibo-zhangdian-002";

    public static IReadOnlyList<string> Sites { get; } = [ConsoleRig.Site, SecondSite];

    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    private static readonly (string Bin, string Class)[] Bins =
        [("B1", BinClasses.Recyclable), ("B2", BinClasses.Kitchen), ("B3", BinClasses.Hazardous), ("B4", BinClasses.Other)];

    /// <summary>Line protocol (milliseconds) for <paramref name="days"/> CST days up to and including yesterday.</summary>
    public static string Lines(DateTimeOffset now, int days)
    {
        var random = new Random(20261125);
        var lines = new StringBuilder();
        var today = new DateTimeOffset(now.ToOffset(Cst).Date, Cst);
        long seq = 1_000_000;

        void Add(ContractMessage message) => lines.Append(ContractPoints.From(message, message.Ts).ToLineProtocol()).Append('\n');

        for (int s = 0; s < Sites.Count; s++)
        {
            string site = Sites[s];
            const string GatewayId = "gw-01";
            int ports = s == 0 ? 20 : 12;
            for (int d = days; d >= 1; d--)
            {
                DateTimeOffset day = today.AddDays(-d);
                bool weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                int sessions = (s == 0 ? 26 : 14) + (weekend ? 6 : 0) + random.Next(0, 8);
                var charging = new List<(int Port, DateTimeOffset From, DateTimeOffset To)>();
                for (int i = 0; i < sessions; i++)
                {
                    // Evening peak (19-21 h), a lunchtime bump, a few in the morning.
                    double hour = random.NextDouble() switch
                    {
                        < 0.6 => 18 + (random.NextDouble() * 4),
                        < 0.8 => 11.5 + (random.NextDouble() * 2),
                        _ => 7 + (random.NextDouble() * 10),
                    };
                    DateTimeOffset started = day.AddHours(hour);
                    double durationS = Math.Round((1.5 + (random.NextDouble() * 5)) * 3600);
                    DateTimeOffset ended = started.AddSeconds(durationS);
                    int port = random.Next(1, ports + 1);
                    double peak = 150 + (random.NextDouble() * 150);
                    double energy = Math.Round(peak * 0.6 * durationS / 3600, 1);
                    SessionEndReason reason = random.NextDouble() < 0.85 ? SessionEndReason.Complete : SessionEndReason.StoppedByUser;
                    charging.Add((port, started, ended));
                    Add(new SessionMessage
                    {
                        Seq = seq++, Ts = Ms(ended), Site = site, Gateway = GatewayId, Port = PortId(port),
                        SessionId = $"{site}-{day:yyyyMMdd}-{i.ToString(CultureInfo.InvariantCulture)}",
                        StartedTs = Ms(started), EndedTs = Ms(ended), DurationS = durationS, EnergyWh = energy,
                        PeakPowerW = Math.Round(peak, 1), EndReason = reason,
                    });
                }

                // Port telemetry every 30 minutes on every port: charging while a session is open, else idle.
                for (int p = 1; p <= ports; p++)
                {
                    for (int slot = 0; slot < 48; slot++)
                    {
                        DateTimeOffset ts = day.AddMinutes((slot * 30) + p);
                        bool on = charging.Any(c => c.Port == p && c.From <= ts && ts < c.To);
                        Add(new PortTelemetryMessage
                        {
                            Seq = seq++, Ts = Ms(ts), Site = site, Gateway = GatewayId, Port = PortId(p),
                            State = on ? PortState.Charging : PortState.Idle, RelayClosed = on,
                            VoltageV = Math.Round(218 + (random.NextDouble() * 6), 1),
                            PowerW = on ? Math.Round(150 + (random.NextDouble() * 120), 1) : 0,
                            CurrentA = on ? 1.1 : 0, PowerFactor = on ? 0.64 : null,
                            SessionEnergyWh = on ? 50 : 0, SessionS = on ? 1800 : null, LifetimeEnergyWh = 10_000 + (d * 100),
                        });
                    }
                }

                // Alarms: now and then an overload or a no-load, a nearly full bin most days, an overflow some days.
                void Alarm(string kind, AlarmSeverity severity, string source, double value, double threshold, string unit, DateTimeOffset raised, TimeSpan lasted, string detail)
                {
                    string id = $"{site}-{kind}-{raised.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
                    var alarm = new AlarmMessage
                    {
                        Seq = seq++, Ts = Ms(raised), Site = site, Gateway = GatewayId, AlarmId = id, Event = AlarmEvent.Raised, Kind = kind,
                        Severity = severity, Source = source, Value = value, Threshold = threshold, Unit = unit, RaisedTs = Ms(raised),
                        Detail = detail,
                    };
                    Add(alarm);
                    Add(alarm with { Seq = seq++, Ts = Ms(raised + lasted), Event = AlarmEvent.Cleared, ClearedTs = Ms(raised + lasted), ClearReason = "condition gone" });
                }

                if (random.NextDouble() < 0.35)
                {
                    Alarm(AlarmKind.PortOverload.WireName(), AlarmSeverity.Major, $"port:{PortId(random.Next(1, ports + 1))}", 1400, 1000, "W", day.AddHours(20.2), TimeSpan.FromMinutes(40), "1400 W above the 1000 W limit for 500 ms");
                }

                if (random.NextDouble() < 0.5)
                {
                    Alarm(AlarmKind.PortNoLoad.WireName(), AlarmSeverity.Info, $"port:{PortId(random.Next(1, ports + 1))}", 2, 5, "W", day.AddHours(19.1), TimeSpan.FromSeconds(10), "no charger drew power within 60 s of the start");
                }

                if (random.NextDouble() < 0.15)
                {
                    Alarm(AlarmKind.PortMaliciousLoad.WireName(), AlarmSeverity.Major, $"port:{PortId(random.Next(1, ports + 1))}", 1800, 200, "W", day.AddHours(21.5), TimeSpan.FromHours(1), "resistive load (恶意负载): power factor 0.995, 1800 W flat within 0.8% for 5 s");
                }

                Alarm(AlarmKind.BinNearlyFull.WireName(), AlarmSeverity.Warning, "bin:B2", 85, 80, "%", day.AddHours(17), TimeSpan.FromHours(3), "kitchen bin at 85 %");
                if (random.NextDouble() < (s == 0 ? 0.4 : 0.25))
                {
                    Alarm(AlarmKind.BinOverflow.WireName(), AlarmSeverity.Major, "bin:B2", 100, 100, "%", day.AddHours(19.5), TimeSpan.FromHours(1), "kitchen bin at 100 %");
                }

                // One collection a day per bin at about 07:00, reported by the next bin state an hour later.
                foreach ((string bin, string binClass) in Bins)
                {
                    DateTimeOffset collected = day.AddHours(7).AddMinutes(random.Next(0, 40));
                    double fillAtCollection = Math.Round(55 + (random.NextDouble() * 45), 1);
                    Add(new BinStateMessage
                    {
                        Seq = seq++, Ts = Ms(collected.AddHours(1)), Site = site, Gateway = GatewayId, Bin = bin, Class = binClass,
                        FillPct = Math.Round(random.NextDouble() * 8, 1), NearlyFull = false, ContainerFull = false, ContainerEmpty = true,
                        LastCollectedTs = Ms(collected), FillAtLastCollectionPct = fillAtCollection, LidOpen = false, Tilted = false,
                    });
                }
            }
        }

        return lines.ToString();
    }

    private static string PortId(int n) => "P" + n.ToString("00", CultureInfo.InvariantCulture);

    private static DateTimeOffset Ms(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
