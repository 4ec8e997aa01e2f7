using System.Net;
using System.Text;

using EdgeGateway.Testing.Servers;

using Xunit.Abstractions;

namespace EdgeGateway.Hub.Tests.Servers;

/// <summary>
/// The VictoriaMetrics fixture itself, and how VictoriaMetrics 1.79 maps InfluxDB line protocol (README.md in
/// tests/EdgeGateway.Testing/Servers): measurement_field metric names, tags as labels, every field a number.
/// </summary>
[Trait("Category", "Servers")]
public sealed class VictoriaMetricsServerTests(ITestOutputHelper output)
{
    // Tag values with a space, a comma and an equals sign, escaped as line protocol wants.
    private const string Point = "port,site=Main\\ hall,feeder=A\\,B,rule=x\\=y power_w=12.5,current_a=0.05 1700000000123";

    private static readonly Dictionary<string, string> PointLabels = new() { ["site"] = "Main hall", ["feeder"] = "A,B", ["rule"] = "x=y" };

    [Fact]
    public async Task VictoriaMetrics_starts_on_a_loopback_port_and_leaves_no_process_or_directory_behind()
    {
        int pid;
        string directory;
        await using (VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync())
        {
            output.WriteLine($"victoria-metrics started in {server.LastStartDuration.TotalMilliseconds:F0} ms");
            Assert.Equal("127.0.0.1", server.Uri.Host);
            Assert.Equal(server.Port, server.Uri.Port);
            Assert.True(await Probe.Accepts(server.Port));
            Assert.True(Directory.Exists(server.DataDirectory));
            pid = server.ProcessId ?? throw new InvalidOperationException("victoria-metrics is not running");
            directory = server.Directory;
        }

        Assert.False(Probe.IsAlive(pid));
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task VictoriaMetrics_exports_points_written_over_the_v2_write_api_with_exact_values_and_timestamps()
    {
        await using VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync();
        await server.WriteLinesAsync(Point + "\nport,site=Main\\ hall,feeder=A\\,B,rule=x\\=y power_w=0.25,current_a=0 1700000001000",
            precision: "ms", bucket: "telemetry", org: "edgegateway");

        IReadOnlyList<VmSeries> series = await server.ExportAsync("{__name__=~\"port_.*\"}");

        // measurement_field is the metric name, the tags are the labels; bucket and org become no label.
        Assert.Equal(["port_current_a", "port_power_w"], series.Select(s => s.Name));
        VmSeries power = series[1];
        Assert.Equal(PointLabels, power.Labels);
        Assert.Equal([12.5, 0.25], power.Values);
        Assert.Equal([1700000000123L, 1700000001000L], power.Timestamps);
        Assert.Equal([0.05, 0], series[0].Values);
        Assert.Equal(2, await server.CountSamplesAsync("port_power_w{site=\"Main hall\"}"));
        Assert.Equal(0, await server.CountSamplesAsync("port_power_w{site=\"elsewhere\"}"));
    }

    [Fact]
    public async Task VictoriaMetrics_sees_a_sample_stamped_this_very_millisecond()
    {
        await using VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await server.WriteLinesAsync($"port,site=a power_w=1 {now}");

        VmSeries series = Assert.Single(await server.ExportAsync("port_power_w"));
        Assert.Equal([now], series.Timestamps);
    }

    [Fact]
    public async Task VictoriaMetrics_counts_a_point_written_twice_once()
    {
        await using VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync();
        await server.WriteLinesAsync(Point);
        await server.WriteLinesAsync(Point);
        Assert.Equal(1, await server.CountSamplesAsync("port_power_w"));

        // Also when the first copy is already in a searchable part of its own (-dedup.minScrapeInterval=1ms).
        await server.WriteLinesAsync(Point);
        Assert.Equal(1, await server.CountSamplesAsync("port_power_w"));
        VmSeries series = Assert.Single(await server.ExportAsync("port_power_w"));
        Assert.Equal([12.5], series.Values);
        Assert.Equal([1700000000123L], series.Timestamps);
    }

    [Fact]
    public async Task VictoriaMetrics_keeps_written_points_across_a_restart_on_the_same_port()
    {
        await using VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync();
        await server.WriteLinesAsync(Point);
        int port = server.Port;

        await server.StopAsync();
        Assert.False(server.IsRunning);
        Assert.False(await Probe.Accepts(port));
        await server.StartAsync();
        output.WriteLine($"victoria-metrics restarted in {server.LastStartDuration.TotalMilliseconds:F0} ms");

        Assert.Equal(port, server.Port);
        VmSeries series = Assert.Single(await server.ExportAsync("port_power_w"));
        Assert.Equal(PointLabels, series.Labels);
        Assert.Equal([12.5], series.Values);
        Assert.Equal([1700000000123L], series.Timestamps);

        // The same point again after the restart is still one sample.
        await server.WriteLinesAsync(Point);
        Assert.Equal(1, await server.CountSamplesAsync("port_power_w"));
    }

    [Fact]
    public async Task VictoriaMetrics_keeps_data_saved_by_a_stop_across_a_kill_and_starts_again_on_the_same_port()
    {
        await using VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync();
        await server.WriteLinesAsync(Point);
        await server.StopAsync();
        await server.StartAsync();
        int port = server.Port;

        await server.KillAsync();
        Assert.False(server.IsRunning);
        await server.StartAsync();

        Assert.Equal(port, server.Port);
        Assert.Equal(1, await server.CountSamplesAsync("port_power_w"));
    }

    [Fact]
    public async Task VictoriaMetrics_stores_every_field_as_a_number_booleans_as_1_and_0_and_text_as_0_or_the_number_it_spells()
    {
        await using VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync();
        await server.WriteLinesAsync(
            "port,site=a on=true,off=false,short_t=T,count=3i,unsigned=7u,fault=\"over current\",empty=\"\",spelled=\"12.5\",power_w=1 1700000000123");

        IReadOnlyList<VmSeries> series = await server.ExportAsync("{__name__=~\"port_.*\"}");
        var value = series.ToDictionary(s => s.Name, s => Assert.Single(s.Values));
        Assert.Equal(1, value["port_on"]);
        Assert.Equal(0, value["port_off"]);
        Assert.Equal(1, value["port_short_t"]);
        Assert.Equal(3, value["port_count"]);
        Assert.Equal(7, value["port_unsigned"]);
        Assert.Equal(0, value["port_fault"]); // the text is gone: "over current" is not a number
        Assert.Equal(0, value["port_empty"]);
        Assert.Equal(12.5, value["port_spelled"]);
        Assert.Equal(1, value["port_power_w"]);
        Assert.Equal(9, series.Count);
    }

    [Fact]
    public async Task VictoriaMetrics_labels_the_v1_db_argument_as_db_but_not_the_v2_bucket_or_org()
    {
        await using VictoriaMetricsServer server = await VictoriaMetricsServer.StartNewAsync();
        using var http = new HttpClient();
        using (var v1 = new StringContent("v1 x=1 1700000000123", Encoding.UTF8, "text/plain"))
        {
            using HttpResponseMessage response = await http.PostAsync(new Uri(server.Uri, "/write?db=legacy&precision=ms"), v1);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        using (var v2 = new StringContent("v2db x=1 1700000000123", Encoding.UTF8, "text/plain"))
        {
            using HttpResponseMessage response = await http.PostAsync(new Uri(server.Uri, "/api/v2/write?db=viadb&bucket=b&org=o&precision=ms"), v2);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await server.WriteLinesAsync("v2 x=1 1700000000123", bucket: "telemetry", org: "edgegateway");
        await server.WriteLinesAsync("tagged,db=own x=1 1700000000123", bucket: "telemetry", org: "edgegateway");

        IReadOnlyList<VmSeries> series = await server.ExportAsync("{__name__=~\"v1_x|v2_x|v2db_x|tagged_x\"}");
        var labels = series.ToDictionary(s => s.Name, s => s.Labels);
        Assert.Equal(new Dictionary<string, string> { ["db"] = "legacy" }, labels["v1_x"]);
        Assert.Equal(new Dictionary<string, string> { ["db"] = "viadb" }, labels["v2db_x"]);
        Assert.Empty(labels["v2_x"]);
        Assert.Equal(new Dictionary<string, string> { ["db"] = "own" }, labels["tagged_x"]);
    }
}
