using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Platform;
using EdgeGateway.Hub.Tenants;

namespace EdgeGateway.Hub.Tests.Platform;

/// <summary>
/// Money and limits of a start: 元 with at most two decimals to integer fen, the cost by the site's tariff (元/kWh to the
/// nearest fen, as the gateway bills, 元 per started hour block), a site's <c>tariff:</c> in the registry file (problems as
/// <c>FILE:LINE: message</c>), and the start request's validation.
/// </summary>
public sealed class TariffTests
{
    private static readonly TenantSite WithTariff = new("s1", "棚", null, null, "acme", new ChargeTariff { FenPerKwh = 120 });
    private static readonly TenantSite WithoutTariff = new("s2", "棚", null, null, "acme");

    [Theory]
    [InlineData("5", 500)]
    [InlineData("1.5", 150)]
    [InlineData("0.01", 1)]
    [InlineData("1000", 100_000)]
    public void An_amount_in_yuan_becomes_whole_fen(string yuan, long fen)
    {
        Assert.True(Tariffs.TryFen(decimal.Parse(yuan, System.Globalization.CultureInfo.InvariantCulture), out long converted));
        Assert.Equal(fen, converted);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.234")]
    [InlineData("1000.01")]
    public void A_fraction_of_a_fen_a_non_positive_or_an_absurd_amount_is_refused(string yuan) =>
        Assert.False(Tariffs.TryFen(decimal.Parse(yuan, System.Globalization.CultureInfo.InvariantCulture), out _));

    [Fact]
    public void The_hub_prices_as_the_gateway_bills_per_kwh_to_the_nearest_fen_and_per_hour_every_started_block()
    {
        Assert.Equal(120, Tariffs.CostFen(new ChargeTariff { FenPerKwh = 120 }, 1000, TimeSpan.Zero));
        Assert.Equal(60, Tariffs.CostFen(new ChargeTariff { FenPerKwh = 120 }, 499, TimeSpan.Zero)); // 59.88 fen
        Assert.Equal(59, Tariffs.CostFen(new ChargeTariff { FenPerKwh = 120 }, 494, TimeSpan.Zero)); // 59.28 fen
        Assert.Equal(100, Tariffs.CostFen(new ChargeTariff { FenPerHour = 100 }, 0, TimeSpan.FromMinutes(1)));
        Assert.Equal(100, Tariffs.CostFen(new ChargeTariff { FenPerHour = 100 }, 0, TimeSpan.FromMinutes(60)));
        Assert.Equal(200, Tariffs.CostFen(new ChargeTariff { FenPerHour = 100 }, 0, TimeSpan.FromMinutes(61)));
        Assert.Equal(100, Tariffs.CostFen(new ChargeTariff { FenPerHour = 100 }, 0, TimeSpan.Zero)); // the first block starts with the charge
        Assert.Null(Tariffs.CostFen(null, 1000, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void A_sites_tariff_is_read_from_the_registry_and_written_back()
    {
        TenantFileResult read = TenantFile.Parse("tenants.yaml", """
            companies:
              - id: acme
                name: 物业
                sites:
                  - id: s1
                    name: 一号棚
                    tariff: { yuanPerKwh: 1.2 }
                  - id: s2
                    name: 二号棚
                    tariff:
                      yuanPerHour: 0.5
                  - id: s3
                    name: 三号棚
            """);

        Assert.Empty(read.Problems);
        Assert.Equal(new ChargeTariff { FenPerKwh = 120 }, read.Directory!.Site("s1")!.Tariff);
        Assert.Equal(new ChargeTariff { FenPerHour = 50 }, read.Directory.Site("s2")!.Tariff);
        Assert.Null(read.Directory.Site("s3")!.Tariff);

        TenantFileResult again = TenantFile.Parse("again.yaml", TenantFile.Text(read.Directory));
        Assert.Empty(again.Problems);
        Assert.Equal(new ChargeTariff { FenPerKwh = 120 }, again.Directory!.Site("s1")!.Tariff);
        Assert.Equal(new ChargeTariff { FenPerHour = 50 }, again.Directory.Site("s2")!.Tariff);
    }

    [Theory]
    [InlineData("tariff: { yuanPerKwh: 1.2, yuanPerHour: 1 }", 7, "not both")]
    [InlineData("tariff: {}", 7, "not neither")]
    [InlineData("tariff: { yuanPerKwh: -1 }", 7, "from 0 to 100")]
    [InlineData("tariff: { yuanPerKwh: 1.234 }", 7, "at most two decimals")]
    [InlineData("tariff: { yuanPerKwh: 101 }", 7, "from 0 to 100")]
    [InlineData("tariff: { perKwh: 1 }", 7, "unknown key 'perKwh'")]
    [InlineData("tariff: 1.2", 7, "expected a mapping")]
    public void A_wrong_tariff_is_refused_at_its_line(string tariff, int line, string says)
    {
        TenantFileResult read = TenantFile.Parse("tenants.yaml", $"""
            companies:
              - id: acme
                name: 物业
                sites:
                  - id: s1
                    name: 一号棚
                    {tariff}
            """);

        Assert.Null(read.Directory);
        string problem = Assert.Single(read.Problems);
        Assert.StartsWith($"tenants.yaml:{line}: companies[0].sites[0].tariff", problem, StringComparison.Ordinal);
        Assert.Contains(says, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_with_an_amount_at_a_site_with_a_tariff_carries_fen()
    {
        Dictionary<string, string[]> errors = PlatformApi.Validate(new StartRequest("order-1", null, new StartLimit(500, null, 2.5m)), WithTariff, out ChargeLimit? limit);

        Assert.Empty(errors);
        Assert.Equal(new ChargeLimit { EnergyWh = 500, AmountFen = 250 }, limit);
    }

    [Theory]
    [InlineData(null, 100.0, null, null, "order_id")]
    [InlineData("bad order", 100.0, null, null, "order_id")]
    [InlineData("o1", null, null, null, "limit")]
    [InlineData("o1", 0.0, null, null, "limit.energy_wh")]
    [InlineData("o1", 100_001.0, null, null, "limit.energy_wh")]
    [InlineData("o1", null, -5.0, null, "limit.duration_min")]
    [InlineData("o1", null, 1441.0, null, "limit.duration_min")]
    [InlineData("o1", null, null, "0", "limit.amount_yuan")]
    [InlineData("o1", null, null, "1.001", "limit.amount_yuan")]
    public void A_start_without_an_order_or_with_a_zero_or_absurd_limit_is_refused(string? order, double? energy, double? minutes, string? yuan, string field)
    {
        decimal? amount = yuan is null ? null : decimal.Parse(yuan, System.Globalization.CultureInfo.InvariantCulture);
        Dictionary<string, string[]> errors = PlatformApi.Validate(new StartRequest(order, null, new StartLimit(energy, minutes, amount)), WithTariff, out ChargeLimit? limit);

        Assert.Equal([field], errors.Keys);
        Assert.Null(limit);
    }

    [Fact]
    public void An_amount_at_a_site_without_a_tariff_is_refused_with_what_to_do()
    {
        Dictionary<string, string[]> errors = PlatformApi.Validate(new StartRequest("o1", null, new StartLimit(null, null, 5m)), WithoutTariff, out _);

        Assert.Contains("no tariff", Assert.Single(errors["limit.amount_yuan"]), StringComparison.Ordinal);
    }
}
