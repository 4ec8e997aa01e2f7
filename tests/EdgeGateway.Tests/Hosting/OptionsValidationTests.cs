using EdgeGateway.Diagnostics;
using EdgeGateway.Hosting;
using EdgeGateway.Messaging;
using EdgeGateway.Upgrading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Tests.Hosting;

/// <summary>
/// The options are checked by generated validators (no reflection, so the Native AOT build checks the same): bound from
/// configuration by the generated binder, a value out of range stops the gateway with the key named.
/// </summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("00:00:00")]
    [InlineData("06:00:01")]
    public void A_download_timeout_out_of_range_is_refused_naming_the_key(string timeout)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Upgrade:DownloadTimeout"] = timeout, ["Upgrade:MaxBundleBytes"] = "4096" });
        builder.AddUpgradeServices(Path.GetTempPath(), TimeProvider.System);
        using IHost host = builder.Build();

        OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<UpgradeOptions>>().Value);
        Assert.Contains("DownloadTimeout", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("MaxBundleBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bound_settings_in_range_are_taken()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Upgrade:DownloadTimeout"] = "00:02:00", ["Upgrade:Runner"] = "sh -c" });
        builder.AddUpgradeServices(Path.GetTempPath(), TimeProvider.System);
        using IHost host = builder.Build();

        UpgradeOptions options = host.Services.GetRequiredService<IOptions<UpgradeOptions>>().Value;

        Assert.Equal(TimeSpan.FromMinutes(2), options.DownloadTimeout);
        Assert.Equal("sh -c", options.Runner);
    }

    [Fact]
    public void Each_options_validator_checks_its_attributes()
    {
        Assert.True(new GatewayOptionsValidator().Validate(null, new GatewayOptions { SiteFile = "site.yaml" }).Succeeded);
        Assert.Contains("SiteFile", new GatewayOptionsValidator().Validate(null, new GatewayOptions()).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Language", new GatewayOptionsValidator().Validate(null, new GatewayOptions { SiteFile = "s", Language = "fr" }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("EmbeddedPort", new MqttOptionsValidator().Validate(null, new MqttOptions { EmbeddedPort = 0 }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("PrometheusPort", new GatewayMetricsOptionsValidator().Validate(null, new GatewayMetricsOptions { PrometheusPort = 65536 }).FailureMessage, StringComparison.Ordinal);
    }
}
