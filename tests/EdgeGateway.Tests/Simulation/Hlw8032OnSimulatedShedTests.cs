using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Hlw8032;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// HLW8032 ports on the simulated shed: the gateway opens each IC's UART with System.IO.Ports on its own
/// pseudo-terminal and takes every frame as it arrives, so a short or an overload on any port is acted on at the next
/// frame of that port whatever its turn in the round; an IC that goes silent is a sensor fault on its own port only.
/// </summary>
public sealed class Hlw8032OnSimulatedShedTests
{
    private const string Site = """
        site: { id: test-hlw8032, gateway: gw-test }
        ports:
          - id: P1
            meter: { type: hlw8032, serial: /dev/ttyUSB0, voltageCoefficient: 1.88, currentCoefficient: 1.0 }
            relay: { gpio: 5 }
          - id: P2
            meter: { type: hlw8032, serial: /dev/ttyUSB1, voltageCoefficient: 1.88, currentCoefficient: 1.0 }
            relay: { gpio: 6 }
          - id: P3
            meter: { type: hlw8032, serial: /dev/ttyUSB2, voltageCoefficient: 1.88, currentCoefficient: 1.0 }
            relay: { gpio: 12 }
        protection:
          port: { maxPowerW: 1000, overloadDebounceMs: 500, shortCircuitPeakA: 40 }
        sampling: { roundPeriodMs: 500, temperaturePeriodSeconds: 1 }
        """;

    [Fact]
    public void A_short_between_rounds_trips_on_its_ports_next_refreshed_frame()
    {
        using var shed = new ShedHarness(Site);
        shed.ChargeEveryPort();
        ShedOutlet p3 = shed.Outlet("P3");
        TimeSpan? opened = null;
        p3.ContactChanged += closed => opened ??= closed ? null : shed.Now;

        TimeSpan onset = shed.Now + TimeSpan.FromMilliseconds(137);
        p3.Plug(new OnsetLoad(p3.Load!, new ShortCircuitLoad(), onset));
        shed.RunUntil(() => opened is not null, TimeSpan.FromSeconds(2), "P3's relay opening");

        // Up to a 50 ms refresh, the wait for the next frame to start (up to 55 ms), its 55 ms on the wire, a 3 ms watch.
        Assert.True(opened - onset <= TimeSpan.FromMilliseconds(50 + 55 + 55 + 3), $"relay opened {(opened - onset)!.Value.TotalMilliseconds} ms after the onset");
        Assert.True(shed.RaisedAlarm(AlarmKind.PortShortCircuit, "port:P3").Value > 40);
        Assert.True(shed.Outlet("P1").ContactClosed);
        Assert.True(shed.Outlet("P2").ContactClosed);
    }

    [Fact]
    public void An_overload_trips_on_the_first_frame_after_its_debounce()
    {
        using var shed = new ShedHarness(Site);
        shed.ChargeEveryPort();
        ShedOutlet p1 = shed.Outlet("P1");
        TimeSpan? opened = null;
        p1.ContactChanged += closed => opened ??= closed ? null : shed.Now;
        TimeSpan onset = shed.Now + TimeSpan.FromMilliseconds(5);
        p1.Plug(new OnsetLoad(p1.Load!, new ResistiveLoad(1500, 220, "kettle"), onset));

        shed.RunUntil(() => opened is not null, TimeSpan.FromSeconds(5), "P1's relay opening");

        // The first frame refreshed after the onset starts the debounce (up to 160 ms, as for a short); the first after
        // the debounce decides (up to 55 ms later).
        Assert.InRange((opened - onset)!.Value.TotalMilliseconds, 500, 500 + 50 + 55 + 55 + 55 + 3);
        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortOverload, "port:P1");
        Assert.InRange(alarm.Value!.Value, 1400, 1600);
        Assert.True(shed.Outlet("P2").ContactClosed);
    }

    [Fact]
    public void Readings_of_a_charging_port_follow_the_model_and_a_silent_ic_faults_its_port_only()
    {
        using var shed = new ShedHarness(Site);
        shed.ChargeEveryPort();
        shed.RunFor(TimeSpan.FromSeconds(3));
        ShedOutlet p1 = shed.Outlet("P1");
        Assert.InRange(shed.Port("P1").PowerW!.Value, p1.TrueRealPowerW * 0.95, p1.TrueRealPowerW * 1.05);
        Assert.False(shed.HasAlarm(AlarmKind.PortSensorFault, "port:P1"));

        Assert.True(shed.Shed.TryHlw8032("P2", out SimulatedHlw8032? ic));
        ic.Fault = Hlw8032Fault.Silent;
        shed.RunUntil(() => shed.HasAlarm(AlarmKind.PortSensorFault, "port:P2"), TimeSpan.FromSeconds(10), "P2's sensor fault");

        Assert.Contains("no frame for", shed.RaisedAlarm(AlarmKind.PortSensorFault, "port:P2").Detail, StringComparison.Ordinal);
        Assert.False(shed.Outlet("P2").ContactClosed);
        Assert.Equal(PortState.Charging, shed.Port("P1").State);
        Assert.Equal(PortState.Charging, shed.Port("P3").State);
    }
}
