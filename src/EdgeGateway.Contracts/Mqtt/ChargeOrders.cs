namespace EdgeGateway.Contracts.Mqtt;

/// <summary>
/// What ends a session started with an order (<c>cmd/port_start</c>'s <c>limit</c>, contract v1, added within v1): any
/// combination, the first reached ends it. Money is in fen (分, 1 元 = 100 分) as an integer: no binary fractions in billing.
/// </summary>
public sealed record ChargeLimit
{
    /// <summary>Energy (Wh), &gt; 0.</summary>
    public double? EnergyWh { get; init; }

    /// <summary>Duration (minutes), &gt; 0.</summary>
    public double? DurationMin { get; init; }

    /// <summary>Amount (fen), &gt; 0; needs a <see cref="ChargeTariff"/> on the same request.</summary>
    public long? AmountFen { get; init; }
}

/// <summary>
/// The price a session is charged at (<c>cmd/port_start</c>'s <c>tariff</c>): per kWh, or per started hour block, in
/// fen. One of the two.
/// </summary>
public sealed record ChargeTariff
{
    /// <summary>Fen per kWh, &gt;= 0.</summary>
    public long? FenPerKwh { get; init; }

    /// <summary>Fen per started hour block, &gt;= 0.</summary>
    public long? FenPerHour { get; init; }
}
