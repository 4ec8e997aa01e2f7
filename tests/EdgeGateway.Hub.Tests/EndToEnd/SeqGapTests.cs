using System.Text.Json;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Testing.Mosquitto;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>A gateway whose seq skips numbers: once the grace period passes, the missing run is recorded in the
/// <c>gateway</c> measurement and counted, and numbers that only arrived late are not.</summary>
[Trait("Category", "Servers")]
public sealed class SeqGapTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hub-gap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Telemetry(long seq) => ContractJson.SerializeToString(new PortTelemetryMessage
    {
        Seq = seq, Ts = DateTimeOffset.UtcNow, Site = "s1", Gateway = "g1", Port = "p1", State = PortState.Idle, RelayClosed = false,
        VoltageV = 230, CurrentA = 0, PowerW = 0, PowerFactor = null, SessionEnergyWh = 0, SessionS = null, LifetimeEnergyWh = 10, MeasuredTs = DateTimeOffset.UtcNow,
    });

    [Fact]
    public async Task Numbers_still_missing_after_the_grace_period_are_recorded_as_one_gap()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartNewAsync(MosquittoBrokerOptions.ForHub);
        await using InfluxDbServer influx = await InfluxDbServer.StartNewAsync();
        await influx.CreateDatabaseAsync("edge");
        await using HubProcess hub = await HubProcess.StartAsync(broker, influx.Uri, "v1", "edge", Path.Combine(_dir, "hub"),
            environment: new Dictionary<string, string> { ["Hub__Ingest__SeqGapGrace"] = "00:00:02" });
        await using ProbeClient gateway = await ProbeClient.ConnectAsync(broker, clientId: "g1-stand-in");

        foreach (long seq in new long[] { 1, 2, 6, 3, 7 }) // 3 arrives late; 4 and 5 never
        {
            await gateway.PublishAsync("edge/v1/s1/g1/ports/p1/telemetry", Telemetry(seq));
        }

        // The counter moves when the gap is found and the row lands after the write that follows it: wait for both.
        // The deadline only bounds a failing run; a busy machine may take long before the first point is stored.
        const string Query = "SELECT seq_missing, seq_missing_from, seq_missing_to FROM gateway WHERE gateway = 'g1'";
        DateTime until = DateTime.UtcNow.AddSeconds(90);
        InfluxQueryResult gaps = await influx.QueryAsync("edge", Query);
        while ((gaps.Rows.Count == 0 || (await hub.HealthAsync()).GetProperty("seq_missing").GetInt64() == 0) && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
            gaps = await influx.QueryAsync("edge", Query);
        }

        Assert.True(gaps.Rows.Count > 0, "no gap recorded; hub output:\n" + hub.Process.Output);
        Assert.Equal(2, (await hub.HealthAsync()).GetProperty("seq_missing").GetInt64());
        IReadOnlyDictionary<string, JsonElement> gap = Assert.Single(gaps.Rows);
        Assert.Equal((2L, 4L, 5L), (gap["seq_missing"].GetInt64(), gap["seq_missing_from"].GetInt64(), gap["seq_missing_to"].GetInt64()));
        Assert.Contains("seq 4..5 never arrived", hub.Process.Output);
        hub.AssertNoErrorsLogged();
    }
}
