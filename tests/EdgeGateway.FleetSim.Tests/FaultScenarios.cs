using EdgeGateway.FleetSim.District;
using EdgeGateway.FleetSim.Fleet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

[assembly: AssemblyTrait("Category", "Servers")]

namespace EdgeGateway.FleetSim.Tests;

/// <summary>
/// Every fault the district runs inject, on a small fleet (six gateways, telemetry every 2 s, overloads injected
/// throughout) for about half a minute of traffic each, against real Mosquitto, the built hub and InfluxDB 1.x: each
/// ends with the exact accounting — every seq stored once, every alarm, clear, session and notice where it belongs.
/// Each run starts its own servers; the faults are in three classes, which xunit runs side by side (two at a time on
/// two cores): the accounting must be exact however the cores are shared, and the suite takes half the time.
/// </summary>
public abstract class FaultScenarioRun(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fleet-fault-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A lazily unmounted tmpfs may still be busy for a moment; /tmp is cleaned anyway.
        }
    }

    private protected async Task RunExactAsync(FleetFault fault) => AssertExact(await RunAsync(fault, o => o));

    private protected async Task<FleetRunReport> RunAsync(FleetFault fault, Func<FleetRunOptions, FleetRunOptions> adjust)
    {
        FleetRunOptions options = adjust(new FleetRunOptions
        {
            Fleet = new FleetOptions
            {
                Gateways = 6,
                PortsPerGateway = 12,
                BinStationEvery = 3,
                TelemetryPeriod = TimeSpan.FromSeconds(2),
                MaxReconnectBackoff = TimeSpan.FromSeconds(2),
                ArrivalsPeakPerHour = 60,
                DataDirectory = Path.Combine(_directory, "fleet"),
            },
            Duration = TimeSpan.FromSeconds(35),
            FaultAt = TimeSpan.FromSeconds(8),
            FaultFor = TimeSpan.FromSeconds(12),
            FaultGroup = 3,
            OverloadsPerMinute = 30,
            SettleTimeout = TimeSpan.FromMinutes(4), // a hang bound: on a loaded machine the drain is slower, never lossy
            Fault = fault,
            Directory = _directory,
        });
        using ILoggerFactory logs = NullLoggerFactory.Instance;
        var progress = new StringWriter();
        FleetRunReport report = await FleetRun.RunAsync(fault.ToString(), options, logs, progress, CancellationToken.None);
        output.WriteLine(progress.ToString());
        output.WriteLine(report.Describe());
        return report;
    }

    private protected static void AssertExact(FleetRunReport report)
    {
        FleetAccount account = report.Account;
        string summary = report.Describe();
        Assert.True(account.Sent > 100, "too little traffic to prove anything: " + summary);
        Assert.True(account.AlarmsRaised > 0, "no alarm was raised: " + summary);
        Assert.True(account.Sessions > 0, "no session ended: " + summary);
        Assert.Equal(0, account.Lost);
        Assert.Equal(0, account.Duplicated);
        Assert.Equal(0, account.LeftInOutbox);
        Assert.Empty(account.AlarmsMissing);
        Assert.Empty(account.ClearsMissing);
        Assert.Empty(account.SessionsMissing);
        Assert.Empty(account.NoticesMissing);
        Assert.Empty(account.NoticesDuplicated);
        Assert.DoesNotContain(report.Notes, n => n.Contains("logged errors", StringComparison.Ordinal) || n.Contains("not drained", StringComparison.Ordinal));
        Assert.True(account.IsExact, summary);
    }
}

/// <summary>The broker and the network fail under the gateways.</summary>
public sealed class BrokerAndNetworkFaultTests(ITestOutputHelper output) : FaultScenarioRun(output)
{
    [Fact]
    public Task Broker_restart_during_traffic_loses_nothing() => RunExactAsync(FleetFault.BrokerRestart);

    [Fact]
    public Task Network_partition_of_a_group_of_gateways_loses_nothing() => RunExactAsync(FleetFault.Partition);
}

/// <summary>The servers behind the broker fail: the database and the hub.</summary>
public sealed class ServerFaultTests(ITestOutputHelper output) : FaultScenarioRun(output)
{
    [Fact]
    public Task InfluxDB_stopped_and_restarted_during_traffic_loses_nothing() => RunExactAsync(FleetFault.InfluxRestart);

    [Fact]
    public Task Hub_SIGKILLed_and_restarted_loses_nothing_and_notifies_each_alarm_once() => RunExactAsync(FleetFault.HubKill);
}

/// <summary>The gateways themselves fail: a real gateway process killed, outboxes on full disks.</summary>
public sealed class GatewayFaultTests(ITestOutputHelper output) : FaultScenarioRun(output)
{
    [Fact]
    public async Task Gateway_SIGKILLed_and_restarted_loses_nothing()
    {
        FleetRunReport report = await RunAsync(FleetFault.GatewayKill, o => o);

        Assert.Contains(report.Notes, n => n.StartsWith("real gateway SIGKILLed while running", StringComparison.Ordinal));
        Assert.Contains(report.Account.Gateways, g => g.Key == "linzi-demo-001/gw-01" && g.Sent > 0 && g.StoredDistinct == g.Sent);
        AssertExact(report);
    }

    [Fact]
    public async Task Outbox_disk_full_thins_telemetry_and_reports_exactly_what_it_thinned()
    {
        // Two gateways cut off with their outboxes on 160 KiB filesystems for 40 s at 28 messages every 2 s: far
        // more than fits, so the disk fills and telemetry must be thinned.
        FleetRunReport report = await RunAsync(FleetFault.DiskFull, o => o with { FaultGroup = 2, DiskFullKiB = 160, FaultFor = TimeSpan.FromSeconds(40), Duration = TimeSpan.FromSeconds(60) });

        FleetAccount account = report.Account;
        Assert.True(account.Thinned > 0, "the full disk thinned nothing: " + account.Summary());
        Assert.Equal(account.Sent - account.Thinned, account.Stored);
        AssertExact(report);
    }
}
