using System.Text.Json;

using EdgeGateway.Testing.Servers;

using Xunit.Abstractions;

namespace EdgeGateway.Hub.Tests.Servers;

/// <summary>The InfluxDB fixture itself: a real influxd on loopback that stores, answers, survives restarts and kills, and leaves nothing behind.</summary>
[Trait("Category", "Servers")]
public sealed class InfluxDbServerTests(ITestOutputHelper output)
{
    private const string Database = "telemetry";

    // Tag values with a space, a comma and an equals sign, escaped as line protocol wants; a string field with a quote.
    private const string Point =
        "port,site=Main\\ hall,feeder=A\\,B,rule=x\\=y power_w=12.5,fault=\"over \\\"current\\\"\",on=true,count=3i 1700000000123";

    [Fact]
    public async Task InfluxDb_starts_on_loopback_ports_and_leaves_no_process_or_directory_behind()
    {
        int pid;
        string directory;
        await using (InfluxDbServer server = await InfluxDbServer.StartNewAsync())
        {
            output.WriteLine($"influxd started in {server.LastStartDuration.TotalMilliseconds:F0} ms");
            Assert.Equal("127.0.0.1", server.Uri.Host);
            Assert.Equal(server.Port, server.Uri.Port);
            Assert.NotEqual(server.Port, server.RpcPort);
            Assert.True(await Probe.Accepts(server.Port));
            Assert.True(await Probe.Accepts(server.RpcPort));
            Assert.Contains("reporting-enabled = false", await File.ReadAllTextAsync(server.ConfigFile), StringComparison.Ordinal);

            // Its own configuration is the one in force: no _internal monitor database ([monitor] store-enabled = false).
            InfluxQueryResult databases = await server.QueryAsync("", "SHOW DATABASES");
            Assert.DoesNotContain(databases.Rows, row => row["name"].GetString() == "_internal");
            output.WriteLine(server.Log);
            pid = server.ProcessId ?? throw new InvalidOperationException("influxd is not running");
            directory = server.Directory;
        }

        Assert.False(Probe.IsAlive(pid));
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task InfluxDb_returns_written_points_with_their_exact_tags_values_and_timestamps()
    {
        await using InfluxDbServer server = await InfluxDbServer.StartNewAsync();
        await server.CreateDatabaseAsync(Database);
        await server.WriteLinesAsync(Database, Point + "\nport,site=Main\\ hall,feeder=A\\,B,rule=x\\=y power_w=0.25 1700000001000");

        InfluxQueryResult result = await server.QueryAsync(Database, "SELECT * FROM \"port\" GROUP BY *");

        InfluxSeries series = Assert.Single(result.Series);
        Assert.Equal("port", series.Name);
        Assert.Equal(new Dictionary<string, string> { ["site"] = "Main hall", ["feeder"] = "A,B", ["rule"] = "x=y" }, series.Tags);
        Assert.Equal(["time", "count", "fault", "on", "power_w"], series.Columns);
        Assert.Equal(2, result.Rows.Count);
        IReadOnlyDictionary<string, JsonElement> first = result.Rows[0];
        Assert.Equal(1700000000123, first["time"].GetInt64());
        Assert.Equal(12.5, first["power_w"].GetDouble());
        Assert.Equal("over \"current\"", first["fault"].GetString());
        Assert.True(first["on"].GetBoolean());
        Assert.Equal(3, first["count"].GetInt64());
        Assert.Equal("Main hall", first["site"].GetString());
        Assert.Equal("A,B", first["feeder"].GetString());
        IReadOnlyDictionary<string, JsonElement> second = result.Rows[1];
        Assert.Equal(1700000001000, second["time"].GetInt64());
        Assert.Equal(0.25, second["power_w"].GetDouble());
        Assert.Equal(JsonValueKind.Null, second["fault"].ValueKind);
        Assert.Equal(2, await server.CountAsync(Database, "port", "power_w"));
        Assert.Equal(1, await server.CountAsync(Database, "port", "fault"));
        Assert.Equal(0, await server.CountAsync(Database, "absent", "power_w"));
    }

    [Fact]
    public async Task InfluxDb_counts_a_point_written_twice_once_and_keeps_the_last_values()
    {
        await using InfluxDbServer server = await InfluxDbServer.StartNewAsync();
        await server.CreateDatabaseAsync(Database);
        await server.WriteLinesAsync(Database, Point);
        await server.WriteLinesAsync(Database, Point);
        Assert.Equal(1, await server.CountAsync(Database, "port", "power_w"));

        // Same series and timestamp, new value: the point is overwritten field by field, not added.
        await server.WriteLinesAsync(Database, "port,site=Main\\ hall,feeder=A\\,B,rule=x\\=y power_w=13 1700000000123");
        InfluxQueryResult result = await server.QueryAsync(Database, "SELECT power_w, fault FROM port");
        IReadOnlyDictionary<string, JsonElement> row = Assert.Single(result.Rows);
        Assert.Equal(13, row["power_w"].GetDouble());
        Assert.Equal("over \"current\"", row["fault"].GetString());
    }

    [Fact]
    public async Task InfluxDb_keeps_written_points_across_a_restart_on_the_same_port()
    {
        await using InfluxDbServer server = await InfluxDbServer.StartNewAsync();
        await server.CreateDatabaseAsync(Database);
        await server.WriteLinesAsync(Database, Point);
        int port = server.Port;

        await server.StopAsync();
        Assert.False(server.IsRunning);
        Assert.False(await Probe.Accepts(port));
        await server.StartAsync();
        output.WriteLine($"influxd restarted in {server.LastStartDuration.TotalMilliseconds:F0} ms");

        Assert.Equal(port, server.Port);
        InfluxQueryResult result = await server.QueryAsync(Database, "SELECT power_w FROM port");
        IReadOnlyDictionary<string, JsonElement> row = Assert.Single(result.Rows);
        Assert.Equal(1700000000123, row["time"].GetInt64());
        Assert.Equal(12.5, row["power_w"].GetDouble());
    }

    [Fact]
    public async Task InfluxDb_keeps_acknowledged_points_across_a_kill()
    {
        await using InfluxDbServer server = await InfluxDbServer.StartNewAsync();
        await server.CreateDatabaseAsync(Database);
        await server.WriteLinesAsync(Database, Point);

        // SIGKILL right after the 204: the point is only in the (fsynced) WAL, which the next start replays.
        await server.KillAsync();
        Assert.False(server.IsRunning);
        await server.StartAsync();

        Assert.Equal(1, await server.CountAsync(Database, "port", "power_w"));
        InfluxQueryResult result = await server.QueryAsync(Database, "SELECT power_w FROM port");
        Assert.Equal(12.5, Assert.Single(result.Rows)["power_w"].GetDouble());
    }

    [Fact]
    public async Task InfluxDb_errors_surface_as_exceptions_with_the_server_message()
    {
        await using InfluxDbServer server = await InfluxDbServer.StartNewAsync();

        InfluxDbException missingQuery = await Assert.ThrowsAsync<InfluxDbException>(() => server.QueryAsync("nowhere", "SELECT * FROM port"));
        Assert.Contains("database not found", missingQuery.Message, StringComparison.Ordinal);
        InfluxDbException missingWrite = await Assert.ThrowsAsync<InfluxDbException>(() => server.WriteLinesAsync("nowhere", Point));
        Assert.Contains("database not found", missingWrite.Message, StringComparison.Ordinal);

        await server.CreateDatabaseAsync(Database);
        InfluxDbException syntax = await Assert.ThrowsAsync<InfluxDbException>(() => server.QueryAsync(Database, "SELECT FROM"));
        Assert.Contains("error parsing query", syntax.Message, StringComparison.Ordinal);
        InfluxDbException badLine = await Assert.ThrowsAsync<InfluxDbException>(() => server.WriteLinesAsync(Database, "port power_w= 1"));
        Assert.Contains("400", badLine.Message, StringComparison.Ordinal);
    }
}
