using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Tests;

/// <summary>Realistic instances of every contract message, as the gateway would build them.</summary>
internal static class MqttSamples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 11, 30, 0, 123, TimeSpan.Zero);

    public static StatusMessage Status => new()
    {
        Seq = 41_207,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "shed-a",
        Online = true,
        Version = "0.1.0",
        UptimeS = 86_400,
        OutboxDepth = 3,
        LastError = "broker unreachable: connection refused",
        LastErrorTs = Now.AddMinutes(-12),
        Figures = new GatewayFigures { Rounds = 172_800, RoundMsMean = 498.6, RoundMsMax = 512.3, ThinnedTotal = 0, PortsFaulted = 1, CpuPct = 21.4, MemoryMb = 68.9 },
        Supply = new ShedSupply
        {
            MeasuredTs = Now.AddSeconds(-1), VoltageV = 228.4, CurrentA = 14.2, PowerW = 3190, PowerFactor = 0.983, FrequencyHz = 50.01,
            ImportEnergyKwh = 48_212.6, PortsPowerW = 3105, UnmeteredW = 85,
        },
    };

    public static PortTelemetryMessage PortTelemetry => new()
    {
        Seq = 41_208,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "shed-a",
        Port = "p03",
        State = Contracts.Ports.PortState.Charging,
        RelayClosed = true,
        VoltageV = 229.4,
        CurrentA = 0.82,
        PowerW = 178.6,
        PowerFactor = 0.95,
        SessionEnergyWh = 143.2,
        SessionS = 2_870,
        LifetimeEnergyWh = 51_234.5,
        MeasuredTs = Now.AddMilliseconds(-480),
        Fault = null,
        Lockout = null,
    };

    public static PortStateMessage PortState => new()
    {
        Seq = 41_209,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "shed-a",
        Port = "p03",
        State = Contracts.Ports.PortState.Disabled,
        PreviousState = Contracts.Ports.PortState.Charging,
        Reason = "port_overload: 612 W for 5 s (limit 500 W)",
        Lockout = "port_overload",
    };

    public static BinTelemetryMessage BinTelemetry => new()
    {
        Seq = 41_210,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "station-1",
        Bin = "kitchen-1",
        Class = BinClasses.Kitchen,
        FillPct = 72.5,
        FillLevelMm = 580,
        WeightKg = 41.3,
        TemperatureC = 18.5,
        LidOpen = false,
        Tilted = false,
        SampledTs = Now.AddSeconds(-2),
    };

    public static BinStateMessage BinState => new()
    {
        Seq = 41_211,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "station-1",
        Bin = "kitchen-1",
        Class = BinClasses.Kitchen,
        FillPct = 81,
        FillLevelMm = 648,
        HighThresholdPct = 80,
        LowThresholdPct = 5,
        NearlyFull = true,
        ContainerFull = false,
        ContainerEmpty = false,
        AverageFillSpeedPctPerDay = 38.2,
        ForecastFullTs = Now.AddHours(12),
        ForecastEmptyTs = null,
        LastCollectedTs = Now.AddHours(-20),
        FillAtLastCollectionPct = 92,
        WeightKg = 46.0,
        TemperatureC = 18.5,
        LidOpen = false,
        Tilted = false,
    };

    public static AlarmMessage AlarmRaised => new()
    {
        Seq = 41_212,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "shed-a",
        AlarmId = "a-20261125-0042",
        Event = AlarmEvent.Raised,
        Kind = AlarmKind.PortOverload.WireName(),
        Severity = AlarmSeverity.Major,
        Source = "port:p03",
        Value = 612,
        Threshold = 500,
        Unit = "W",
        RaisedTs = Now,
        Detail = "612 W for 5 s on p03 (limit 500 W); port locked out",
    };

    public static AlarmMessage AlarmCleared => AlarmRaised with
    {
        Seq = 41_250,
        Ts = Now.AddMinutes(30),
        Event = AlarmEvent.Cleared,
        ClearedTs = Now.AddMinutes(30),
        ClearReason = "port reset by operator wang.li",
    };

    public static SessionMessage Session => new()
    {
        Seq = 41_213,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "shed-a",
        SessionId = "s-p03-000917",
        Port = "p03",
        StartedTs = Now.AddHours(-3),
        EndedTs = Now,
        DurationS = 10_800,
        EnergyWh = 498.7,
        PeakPowerW = 212.4,
        EndReason = SessionEndReason.Complete,
    };

    public static SessionResumedMessage SessionResumed => new()
    {
        Seq = 41_214,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "shed-a",
        SessionId = "s-p03-000917",
        Port = "p03",
        StartedTs = Now.AddHours(-3),
        OfflineS = 212.5,
        EnergyWh = 301.2,
        PeakPowerW = 212.4,
    };

    public static CommandRequest Request => new() { V = 1, Port = "p03", Operator = "wang.li", Reason = "charger replaced", Comment = "ticket 88" };

    public static CommandReply Reply => CommandReply.Applied(ContractCommands.PortReset, Now, "p03 reset; idle");

    public static CardListMessage Cards => new()
    {
        Revision = 7,
        Ts = Now,
        Site = "hz-xixi-07",
        Gateway = "shed-a",
        Tariff = new ChargeTariff { FenPerKwh = 120 },
        Cards =
        [
            new CardEntry { Uid = "04A1B2C3D4E5F6", Card = "C000123", BalanceFen = 2_000, Blocked = false },
            new CardEntry { Uid = "DEADBEEF", Card = "C000124", BalanceFen = -35, Blocked = true },
        ],
        AppliedSessions = ["0193a5c4-5f6e-7b8c"],
    };
}
