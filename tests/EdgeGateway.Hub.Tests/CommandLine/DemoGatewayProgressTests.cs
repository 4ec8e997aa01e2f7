using EdgeGateway.Hub.CommandLine;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.CommandLine;

/// <summary>The demo says what its gateway is doing instead of staying silent while `dotnet run` builds it (issue 17).</summary>
public sealed class DemoGatewayProgressTests
{
    [Fact]
    public void The_demo_says_it_is_building_then_once_that_the_gateway_runs_with_how_long_it_took_then_that_it_stopped()
    {
        var console = new StringWriter();
        var time = new FakeTimeProvider();
        var progress = new DemoGatewayProgress(console, time, "/tmp/demo/gateway.log");

        progress.Starting();
        Assert.Contains("building and starting the simulated gateway", console.ToString(), StringComparison.Ordinal);
        Assert.Contains("正在编译并启动模拟网关", console.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("is running", console.ToString(), StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(83));
        progress.OnGatewayOutput(null);
        Assert.DoesNotContain("is running", console.ToString(), StringComparison.Ordinal);
        progress.OnGatewayOutput("info: EdgeGateway.Hosting.SamplingService[0] Sampling started");
        progress.OnGatewayOutput("info: more");

        string said = console.ToString();
        Assert.Single(said.Split('\n'), line => line.Contains("the simulated gateway is running after 83 s", StringComparison.Ordinal));
        Assert.Contains("模拟网关已启动", said, StringComparison.Ordinal);

        progress.OnGatewayExited(1);
        progress.OnGatewayExited(1);
        Assert.Single(console.ToString().Split('\n'), line => line.Contains("the simulated gateway stopped (exit code 1); its log: /tmp/demo/gateway.log", StringComparison.Ordinal));
    }

    [Fact]
    public void A_gateway_that_stops_before_any_output_is_reported_stopped_and_never_running()
    {
        var console = new StringWriter();
        var progress = new DemoGatewayProgress(console, new FakeTimeProvider(), "gateway.log");
        progress.Starting();

        progress.OnGatewayExited(1);
        progress.OnGatewayOutput("late line");

        Assert.Contains("stopped (exit code 1)", console.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("is running", console.ToString(), StringComparison.Ordinal);
    }
}
