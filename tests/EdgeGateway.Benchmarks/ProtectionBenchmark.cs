using BenchmarkDotNet.Attributes;
using EdgeGateway.Configuration;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;
using Microsoft.Extensions.Time.Testing;
using UnitsNet;

namespace EdgeGateway.Benchmarks;

/// <summary>The decision cost alone: every protection rule for 20 charging ports, from ready measurements.</summary>
[MemoryDiagnoser]
public class ProtectionBenchmark
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 11, 0, 0, TimeSpan.Zero));
    private ShedProtection _protection = null!;
    private readonly MeterReading[] _readings = new MeterReading[64];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        PortProtectionPlan[] ports = Enumerable.Range(1, 20).Select(i => new PortProtectionPlan($"P{i:00}", new PortProtectionSettings(), IsAc: true)).ToArray();
        _protection = new ShedProtection(new ShedProtectionSettings(), ports, new NoRelays(), new GatewayEventChannel(), _time);
        _protection.ApplyConfiguration();
        foreach (PortProtectionPlan port in ports)
        {
            _ = _protection.SubmitAsync(new PortCommand(PortCommandKind.Start, port.Id, "bench"));
        }

        _protection.ProcessCommands();
        // Live readings jitter (identical ones would trip the stuck-meter rule).
        var random = new Random(1);
        for (int i = 0; i < _readings.Length; i++)
        {
            double amps = 1.36 + (random.NextDouble() * 0.01);
            _readings[i] = MeterReading.Ok(new PortMeasurement(
                ElectricPotential.FromVolts(224.1), ElectricCurrent.FromAmperes(amps), Power.FromWatts(amps * 224.1 * 0.652), Power.FromWatts(amps * 224.1), 0.652, ElectricCurrent.FromAmperes(amps * 2.6), false));
        }
    }

    [Benchmark(Description = "protection: 20 ports, one measurement each")]
    public void Round()
    {
        _time.Advance(TimeSpan.FromMilliseconds(500));
        for (int i = 0; i < 20; i++)
        {
            _protection.OnPortMeasured(i, _readings[_next++ & 63]);
        }

        _protection.OnRoundComplete();
    }

    private sealed class NoRelays : IRelayBank
    {
        public bool TrySetClosed(int port, bool closed, out string? failure)
        {
            failure = null;
            return true;
        }
    }
}
