using System.Device.Gpio;
using EdgeGateway.CommandLine;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Hosting;
using EdgeGateway.Tests.Simulation;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Tests.Hosting;

/// <summary>
/// The end of a run when releasing the hardware goes wrong (issue 12: under emulation GpioController.Dispose threw out of
/// the runtime's Dispose and the run exited 1). The relays are opened first, every part is released even when one
/// throws, the failure is logged, and the run still exits 0.
/// </summary>
public sealed class ShutdownTests
{
    private static EBikeCharger Lithium() => new(BatteryChemistry.Lithium, 200, 0.3, 720);

    [Fact]
    public void A_GPIO_header_that_throws_while_being_released_leaves_every_relay_open_and_the_rest_of_the_board_released()
    {
        var shed = new ShedHarness();
        shed.PlugAndStart("P1", Lithium()); // relay on the Pi's GPIO 5
        shed.PlugAndStart("P3", Lithium()); // relay on the MCP23017
        shed.Round();
        Assert.True(shed.RelayClosed("P1") && shed.RelayClosed("P3"), "both sessions are live before the shutdown");
        var fault = new InvalidOperationException("simulated: releasing the GPIO header failed");
        shed.Shed.Gpio.DisposeFault = fault;

        // What `using (runtime)` and the test harness do; it threw the GPIO header's exception before the fix.
        shed.Runtime.Dispose();

        Assert.All(shed.Model.Outlets, o => Assert.False(o.CoilEnergized, $"{o.Id} still energised"));
        // Resuming after a restart is on by default: the sessions are suspended for the journal, not closed.
        Assert.Equal(["P1", "P3"], shed.EventsOf<SessionSuspended>().Select(e => e.PortId));
        Assert.Empty(shed.EventsOf<SessionClosed>());
        Assert.True(shed.Shed.Gpio.IsDisposed, "the GPIO header was released (and threw)");
        Assert.Throws<ObjectDisposedException>(() => shed.Shed.Buses.I2c.CreateDevice(0x55)); // released after it all the same
        shed.Runtime.Dispose(); // a second time does nothing
    }

    [Fact]
    public void A_part_that_throws_while_being_released_is_logged_with_the_part_and_its_exception()
    {
        var shed = new ShedHarness();
        var fault = new InvalidOperationException("simulated: releasing the GPIO header failed");
        shed.Shed.Gpio.DisposeFault = fault;
        var log = new RecordingLog();

        shed.Runtime.Shutdown(log.CreateLogger(typeof(ShedRuntime).FullName!));

        RecordingLog.Entry entry = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal("board buses (GPIO header, I2C bus)", entry.State["Part"]);
        Assert.Same(fault, entry.Exception);
        Assert.Contains("Releasing board buses (GPIO header, I2C bus) at shutdown failed", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_whose_GPIO_header_throws_while_being_released_exits_0_with_every_relay_open()
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("edgegateway-shutdown-");
        try
        {
            // Two chargers plugged in at the first second: at the end of the minute both sessions are still live.
            string scenario = Path.Combine(directory.FullName, "two-sessions.yaml");
            File.WriteAllText(scenario, """
                speed: 0
                events:
                  - at: "00:00:01"
                    port: P01
                    plug: { load: lithium }
                  - at: "00:00:01"
                    port: P09
                    plug: { load: lithium }
                """);
            var fault = new InvalidOperationException("simulated: releasing the GPIO header failed");
            var log = new RecordingLog();
            ShedRuntime? runtime = null;
            int p01Closings = 0, p09Closings = 0;

            int exitCode = await RunCommand.RunAsync(
                new RunCommand.RunArguments(null, true, scenario, 0, Path.Combine(directory.FullName, "data"), "en", TimeSpan.FromMinutes(1), "none"),
                CancellationToken.None,
                new RunCommand.RunHooks(
                    r =>
                    {
                        runtime = r;
                        r.Simulation!.Gpio.DisposeFault = fault;
                        r.Simulation.Gpio.OutputChanged += (pin, level) => p01Closings += pin == 5 && level == PinValue.High ? 1 : 0; // P01: BCM 5
                        r.Simulation.Expander("relays-a").OutputsChanged += levels => p09Closings += (levels & 1) != 0 ? 1 : 0; // P09: GPA0
                    },
                    log));

            Assert.True(exitCode == 0, $"exit {exitCode}; log:\n{log}");
            Assert.True(p01Closings > 0 && p09Closings > 0, $"P01 closed {p01Closings} times, P09 {p09Closings} times: both sessions ran");
            Assert.All(runtime!.Simulation!.Model.Outlets, o => Assert.False(o.CoilEnergized, $"{o.Id} still energised"));
            Assert.Contains(log.Entries, e => e.Message == "Sampling stopped; every relay open");
            RecordingLog.Entry failure = Assert.Single(log.Entries, e => e.Exception is not null);
            Assert.Same(fault, failure.Exception);
            Assert.Equal("board buses (GPIO header, I2C bus)", failure.State["Part"]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
