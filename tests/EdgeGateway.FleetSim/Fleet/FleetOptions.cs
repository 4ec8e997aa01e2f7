namespace EdgeGateway.FleetSim.Fleet;

/// <summary>The district to simulate: how many gateways, how big, how often they report, how fast time runs.</summary>
internal sealed record FleetOptions
{
    /// <summary>Gateways (sheds). Linzi district: 645.</summary>
    public int Gateways { get; init; } = 645;

    /// <summary>Charging ports per shed: 645 × 28 = 18,060, the district's "over 18,000".</summary>
    public int PortsPerGateway { get; init; } = 28;

    /// <summary>A recycling station (four bins) beside every this-many sheds, wired to that shed's gateway. 0: none.</summary>
    public int BinStationEvery { get; init; } = 3;

    /// <summary>The telemetry period (shed time): the site default is 10 s.</summary>
    public TimeSpan TelemetryPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The sampling round period (shed time): the site default is 500 ms.</summary>
    public TimeSpan RoundPeriod { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Shed time runs this many times faster than the wall clock (a district day in 24 min at 60).</summary>
    public double Acceleration { get; init; } = 1;

    /// <summary>Users arriving per shed per hour at the evening peak.</summary>
    public double ArrivalsPeakPerHour { get; init; } = 6;

    /// <summary>Each gateway's outbox bound (the product default is 200,000 messages).</summary>
    public long OutboxMaxMessages { get; init; } = 200_000;

    /// <summary>The reconnect back-off cap (the product default is 30 s; fault tests shorten it).</summary>
    public TimeSpan MaxReconnectBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Threads running the gateways' sampling rounds (each gateway always on the same one).</summary>
    public int SamplingThreads { get; init; } = 2;

    /// <summary>Site ids are <c>{SitePrefix}-{n:000}</c>, gateways <c>gw1</c>.</summary>
    public string SitePrefix { get; init; } = "linzi";

    /// <summary>Where each gateway's outbox lives (one directory per gateway).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The first this-many gateways connect through <see cref="PartitionBroker"/> (a cuttable proxy) instead of the broker.</summary>
    public int PartitionedGateways { get; init; }

    public Uri? PartitionBroker { get; init; }

    public int Seed { get; init; } = 645;

    /// <summary>Each outbox's disk-full reserve file (the product default is 8 MiB; 645 of those would be 5 GiB here).</summary>
    public long DiskFullReserveBytes { get; init; } = 64 * 1024;
}
