using System.Text.Json.Serialization;

namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// The envelope every outgoing v1 message carries: <c>v</c>, <c>seq</c>, <c>ts</c>, <c>site</c>, <c>gateway</c>.
/// The gateway builds a message with <see cref="Seq"/> 0 and its outbox assigns the sequence number
/// (<c>message with { Seq = next }</c>) before the payload is serialized.
/// </summary>
public abstract record ContractMessage
{
    /// <summary>Contract version; 1 for this contract.</summary>
    [JsonPropertyOrder(-5)]
    [JsonRequired]
    public int V { get; init; } = ContractTopics.ContractVersion;

    /// <summary>The largest <see cref="Seq"/>: 2^53 − 1, the largest integer every JSON parser reads exactly (RFC 8259 §6);
    /// a gateway sending one message a millisecond takes 285,000 years to reach it. Consumers refuse a larger one.</summary>
    public const long MaxSeq = (1L << 53) - 1;

    /// <summary>The gateway's sequence number: assigned by the outbox from 1, monotonic per gateway, persisted across restarts; 0 only in the Last Will; at most <see cref="MaxSeq"/>.</summary>
    [JsonPropertyOrder(-4)]
    [JsonRequired]
    public long Seq { get; init; }

    /// <summary>When the message was made (UTC, milliseconds).</summary>
    [JsonPropertyOrder(-3)]
    public required DateTimeOffset Ts { get; init; }

    [JsonPropertyOrder(-2)]
    public required string Site { get; init; }

    [JsonPropertyOrder(-1)]
    public required string Gateway { get; init; }
}

/// <summary>
/// <c>edge/v1/{site}/{gw}/status</c>, retained. Published online at connect and on change, through the outbox
/// like every message (so with a <c>seq</c>). The Last Will is the same message with <see cref="Online"/> false,
/// composed at connect and published by the broker: it takes no number and carries <c>seq</c> 0.
/// </summary>
public sealed record StatusMessage : ContractMessage
{
    public required bool Online { get; init; }

    /// <summary>The gateway's software version.</summary>
    public required string Version { get; init; }

    /// <summary>Seconds since the gateway process started.</summary>
    [JsonPropertyName("uptime_s")]
    public required long UptimeS { get; init; }

    /// <summary>Messages queued in the outbox, not yet acknowledged by the broker.</summary>
    public required int OutboxDepth { get; init; }

    /// <summary>The most recent error of the MQTT link or outbox, if any.</summary>
    [JsonRequired]
    public string? LastError { get; init; }

    [JsonRequired]
    public DateTimeOffset? LastErrorTs { get; init; }

    /// <summary>
    /// Whether the gateway's wall clock is synchronised (NTP) and so its <c>ts</c> stamps are true time; null when the
    /// gateway cannot tell, and absent from gateways that predate the field (readers take absent as null).
    /// </summary>
    public bool? ClockSynced { get; init; }

    /// <summary>
    /// Set in the status message the gateway sends right after its wall clock stepped (NTP's first synchronisation, a
    /// manual set), null otherwise; absent from gateways that predate the field.
    /// </summary>
    public ClockStepReport? ClockStep { get; init; }

    /// <summary>The site's display name as the gateway's site file has it (<c>name:</c>, e.g. 临淄区演示充电棚); null when
    /// the file has none, absent from gateways that predate the field. The hub's registry name wins where it has one.</summary>
    public string? Name { get; init; }

    /// <summary>How the gateway itself is doing (sampling rounds, thinned telemetry, faulted ports, CPU, memory), in
    /// every status it sends while running; null in the Last Will and absent from gateways that predate the field.</summary>
    public GatewayFigures? Figures { get; init; }

    /// <summary>The shed's incoming supply as its RS-485 meter last read it (site key <c>supplyMeter</c>); null when the
    /// site has none or its meter has no fresh reading (a fault is an alarm), absent from gateways that predate the field.</summary>
    public ShedSupply? Supply { get; init; }
}

/// <summary>
/// The shed's incoming supply in a status (contract v1, additive): the supply meter's reading, what the ports' meters
/// added up to at that moment and the difference, the load no port meter sees.
/// </summary>
public sealed record ShedSupply
{
    /// <summary>When the meter was read.</summary>
    public required DateTimeOffset MeasuredTs { get; init; }

    public required double VoltageV { get; init; }

    public required double CurrentA { get; init; }

    public required double PowerW { get; init; }

    public required double PowerFactor { get; init; }

    public required double FrequencyHz { get; init; }

    /// <summary>The meter's imported active energy register (kWh).</summary>
    public required double ImportEnergyKwh { get; init; }

    /// <summary>The ports' power added up when the meter was read (W).</summary>
    public required double PortsPowerW { get; init; }

    /// <summary><see cref="PowerW"/> minus <see cref="PortsPowerW"/> (W): what draws before the port meters, plus their errors.</summary>
    public required double UnmeteredW { get; init; }
}

/// <summary>
/// A gateway's own figures in its status (contract v1, additive): what an operator of hundreds of sheds watches to see
/// a gateway falling behind before its shed does. Windowed values cover the time since the gateway's previous status.
/// </summary>
public sealed record GatewayFigures
{
    /// <summary>Sampling rounds completed since the process started.</summary>
    public required long Rounds { get; init; }

    /// <summary>Mean length of the rounds since the previous status, on the shed's clock (ms); null when none completed.</summary>
    public double? RoundMsMean { get; init; }

    /// <summary>Longest round since the previous status (ms); null when none completed.</summary>
    public double? RoundMsMax { get; init; }

    /// <summary>Telemetry messages thinned (dropped, oldest first) because the outbox was full, since the outbox was created.</summary>
    public required long ThinnedTotal { get; init; }

    /// <summary>Ports now in the fault state (a meter, relay or sensor fault).</summary>
    public required int PortsFaulted { get; init; }

    /// <summary>Processor time the gateway process used since the previous status, in percent of one core; null on the first.</summary>
    public double? CpuPct { get; init; }

    /// <summary>The process's resident memory (MiB).</summary>
    public required double MemoryMb { get; init; }
}

/// <summary>
/// A step of the gateway's wall clock: the gateway moved the stamps of the messages it had not yet sent by
/// <see cref="StepMs"/>; those it had already sent carry stamps off by that much.
/// </summary>
public sealed record ClockStepReport
{
    /// <summary>How far the wall clock stepped, in milliseconds (positive: forward).</summary>
    public required long StepMs { get; init; }

    /// <summary>When the gateway found the step (on the new clock).</summary>
    public required DateTimeOffset DetectedTs { get; init; }

    /// <summary>Unsent messages made before the step whose stamps were moved by the step.</summary>
    public required long Corrected { get; init; }

    /// <summary>Messages made before the step that had already been sent, with stamps off by <see cref="StepMs"/>.</summary>
    public required long SentCount { get; init; }

    /// <summary>The lowest seq among the sent ones; null when none.</summary>
    [JsonRequired]
    public long? SentFirstSeq { get; init; }

    /// <summary>The highest seq among the sent ones; null when none. Seqs in between may be corrected ones (the outbox drains alarms first).</summary>
    [JsonRequired]
    public long? SentLastSeq { get; init; }
}
