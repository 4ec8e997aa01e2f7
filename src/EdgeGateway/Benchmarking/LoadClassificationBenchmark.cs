using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Hosting;
using EdgeGateway.Simulation;

namespace EdgeGateway.Benchmarking;

/// <summary>
/// The malicious-load rule's confusion matrix: many simulated loads (heaters, kettles, thermostatic heaters, chargers
/// with and without PFC, induction cookers, hair dryers; several powers, several noise seeds) each plugged alone into
/// a one-port shed with the product's default thresholds, run through the simulated MCP3208, the real sampler and
/// protection at <c>--speed 0</c> until the port is locked out or the session ends or the time is up.
/// </summary>
public static class LoadClassificationBenchmark
{
    // One AC port as the demo shed wires each of its twenty (an SCT-013-030 on an MCP3208), default protection.
    private const string SiteYaml = """
        site: { id: bench-loads, gateway: gw-bench }
        mains:
          nominalVoltageV: 220
          frequencyHz: 50
          voltageSensor: { adc: adc0, channel: 0 }
          voltsPerAdcVolt: 268.97
        adcs:
          - { id: adc0, chip: mcp3208, spiBus: 0, chipSelect: 0, clockHz: 1000000, referenceV: 3.3 }
        ports:
          - id: P01
            meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }
            relay: { gpio: 5 }
        shedSensors:
          thermometers:
            - { id: cabinet, deviceId: 28-0316a2794dff }
          smoke: { gpio: 27, activeLow: true }
        sampling:
          cyclesPerMeasurement: 1
          roundPeriodMs: 500
        """;

    // After the window: a round to close the relay, a round whose read straddles the contacts closing, and a round of
    // slack (rounds are 500 ms).
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    /// <summary>What was plugged in, and whether the rule should lock it out.</summary>
    private sealed record LoadCase(string Kind, double PowerW, double? PowerFactor, Expectation Expected, Func<int, int, OutletLoad> Create);

    private enum Expectation
    {
        /// <summary>A resistive load of at least the power floor: must be locked out as malicious within the window.</summary>
        Malicious,

        /// <summary>An e-bike charger: must never be locked out as malicious.</summary>
        Charger,

        /// <summary>Neither: reported as it falls.</summary>
        Other,
    }

    private sealed record RunResult(string Outcome, bool MaliciousLockout, TimeSpan? Decided, double MinPf, double MaxPf, double MinResidual, double MaxResidual);

    public static int Run(int seeds, double minutes, TextWriter output)
    {
        if (seeds < 1 || minutes <= 0)
        {
            output.WriteLine("--seeds must be at least 1 and --minutes above 0");
            return 2;
        }

        SiteConfiguration site = SiteFileLoader.LoadText("bench-loads.yaml", SiteYaml).Configuration!;
        PortProtectionSettings rule = site.PortProtection;
        CultureInfo c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"load classification: seeds 1..{seeds}, up to {minutes:0.##} min of shed time per run, --speed 0, one port, default thresholds (PF >= {rule.MaliciousMinPowerFactor}, >= {rule.MaliciousMinPowerW} W, flat within {rule.MaliciousMaxVariation:P0} for {rule.MaliciousWindow.TotalSeconds} s, shape residual <= {rule.MaliciousMaxShapeResidual:P1}; port limit {rule.MaxPowerW} W)"));
        output.WriteLine();
        output.WriteLine("| load | W | PF asked | expected | runs | locked out | not locked out | how the runs ended | time to decide, s | measured PF | shape residual |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");

        int pfcRuns = 0, pfcLocked = 0, maliciousRuns = 0, maliciousCaught = 0, chargerRuns = 0, chargerLocked = 0;
        foreach (LoadCase load in Cases())
        {
            var results = new List<RunResult>();
            for (int seed = 1; seed <= seeds; seed++)
            {
                results.Add(RunOne(site, load.Create(seed, seeds), seed, TimeSpan.FromMinutes(minutes)));
            }

            int locked = results.Count(r => r.Outcome.StartsWith("locked out", StringComparison.Ordinal));
            TimeSpan[] decided = [.. results.Where(r => r.Decided is not null).Select(r => r.Decided!.Value)];
            string ended = string.Join(", ", results.GroupBy(r => r.Outcome).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
            string times = decided.Length == 0 ? "–" : string.Create(c, $"{decided.Min().TotalSeconds:0.0}–{decided.Max().TotalSeconds:0.0}");
            RunResult[] measured = [.. results.Where(r => r.MaxPf > 0)];
            string pf = measured.Length == 0 ? "–" : string.Create(c, $"{measured.Min(r => r.MinPf):0.000}–{measured.Max(r => r.MaxPf):0.000}");
            string residual = measured.Length == 0 ? "–" : string.Create(c, $"{measured.Min(r => r.MinResidual):P1}–{measured.Max(r => r.MaxResidual):P1}");
            output.WriteLine(string.Create(c, $"| {load.Kind} | {load.PowerW:0} | {(load.PowerFactor is { } asked ? asked.ToString("0.###", c) : "–")} | {Describe(load.Expected)} | {results.Count} | {locked} | {results.Count - locked} | {ended} | {times} | {pf} | {residual} |"));

            if (load.Kind.StartsWith("PFC charger", StringComparison.Ordinal))
            {
                pfcRuns += results.Count;
                pfcLocked += locked;
            }

            if (load.Expected == Expectation.Charger)
            {
                chargerRuns += results.Count;
                chargerLocked += results.Count(r => r.MaliciousLockout);
            }
            else if (load.Expected == Expectation.Malicious)
            {
                maliciousRuns += results.Count;
                maliciousCaught += results.Count(r => r.Decided <= rule.MaliciousWindow + Slack);
            }
        }

        output.WriteLine();
        output.WriteLine(string.Create(c, $"PFC chargers locked out: {pfcLocked} of {pfcRuns} runs ({(pfcRuns == 0 ? 0 : pfcLocked / (double)pfcRuns):P1} false lock-outs)"));
        output.WriteLine(string.Create(c, $"all e-bike chargers locked out as malicious load: {chargerLocked} of {chargerRuns} runs"));
        output.WriteLine(string.Create(c, $"heaters, kettles and thermostatic heaters >= {rule.MaliciousMinPowerW} W (up to the port limit, plugged in while drawing) locked out within {(rule.MaliciousWindow + Slack).TotalSeconds} s of plugging in: {maliciousCaught} of {maliciousRuns} runs"));
        return 0;
    }

    private static string Describe(Expectation expected) => expected switch
    {
        Expectation.Malicious => "lock out",
        Expectation.Charger => "charge",
        _ => "–",
    };

    private static IEnumerable<LoadCase> Cases()
    {
        const double V = 220;
        // Rated at 220 V; the shed's supply wanders by a volt or two, so a heater rated at the 200 W floor itself draws
        // 198–202 W and is judged only while it stays above it.
        yield return new LoadCase("heater (rated at the floor)", 200, null, Expectation.Other, (_, _) => new ResistiveLoad(200, V, "heater"));
        foreach (double w in new[] { 210, 250, 300, 600, 900 })
        {
            yield return new LoadCase("heater", w, null, Expectation.Malicious, (_, _) => new ResistiveLoad(w, V, "heater"));
        }

        foreach (double w in new[] { 900, 1500, 2000 })
        {
            yield return new LoadCase("kettle (boils, then off)", w, null, w <= 1000 ? Expectation.Malicious : Expectation.Other, (_, _) => new Kettle(w, V));
        }

        // Two minutes on, three off; plugged in at a point of the on period that differs per seed (the element must be
        // on for a whole window to be judged).
        foreach (double w in new[] { 300, 600 })
        {
            yield return new LoadCase("thermostatic heater (plugged in while on)", w, null, Expectation.Malicious,
                (seed, seeds) => new ThermostaticHeater(w, V, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(110.0 * (seed - 1) / seeds)));
        }

        // Plugged in with 70–150 s of the off period left: it draws nothing before the no-load rule ends the session.
        yield return new LoadCase("thermostatic heater (plugged in while off)", 600, null, Expectation.Other,
            (seed, seeds) => new ThermostaticHeater(600, V, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(150 + (80.0 * (seed - 1) / seeds))));

        foreach (double w in new[] { 150, 250, 400, 600, 900 })
        {
            foreach (double pf in new[] { 0.95, 0.99, 0.995, 0.999 })
            {
                yield return new LoadCase("PFC charger (lithium)", w, pf, Expectation.Charger, (_, _) => new PfcCharger(BatteryChemistry.Lithium, w, pf, 0.3, 720));
            }
        }

        foreach (double w in new[] { 100, 200, 300 })
        {
            yield return new LoadCase("charger without PFC (lithium)", w, null, Expectation.Charger, (_, _) => new EBikeCharger(BatteryChemistry.Lithium, w, 0.3, 720));
        }

        yield return new LoadCase("charger without PFC (lead-acid)", 250, null, Expectation.Charger, (_, _) => new EBikeCharger(BatteryChemistry.LeadAcid, 250, 0.3, 576));

        foreach (double w in new[] { 1200, 1800 })
        {
            yield return new LoadCase("induction cooker", w, 0.97, Expectation.Other, (_, _) => new InductionCooker(w, 0.97));
        }

        foreach (double w in new[] { 400, 1000 })
        {
            foreach (double pf in new[] { 0.95, 0.98 })
            {
                yield return new LoadCase("hair dryer", w, pf, Expectation.Other, (_, _) => new HairDryer(w, V, pf));
            }
        }
    }

    private static RunResult RunOne(SiteConfiguration site, OutletLoad load, int seed, TimeSpan limit)
    {
        var events = new DecisionSink();
        var start = new DateTimeOffset(2026, 11, 25, 19, 0, 0, SimulatedShed.ChinaStandardTime);
        using var runtime = ShedRuntime.Simulated(site, Scenario.Quiet(start, seed), 0, events);
        SimulatedShed shed = runtime.Simulation!;
        DateTimeOffset plugged = shed.Clock.GetUtcNow();
        TimeSpan until = shed.Clock.Elapsed + limit;
        shed.Model.PlugAndRequestStart(shed.Model.Outlets[0], load);

        double minPf = double.MaxValue, maxPf = 0, minResidual = double.MaxValue, maxResidual = 0;
        bool started = false;
        while (shed.Clock.Elapsed < until)
        {
            runtime.Pacer.BeforeRound();
            runtime.Sampler.RunRound();
            runtime.Pacer.AfterRound(CancellationToken.None);
            PortSnapshot port = runtime.Protection.Snapshot.Ports[0];
            started |= port.State == PortState.Charging;
            if (port.RelayClosed && port.PowerFactor is { } pf && port.ShapeResidual is { } residual && port.PowerW > site.PortProtection.NoLoadW)
            {
                (minPf, maxPf) = (Math.Min(minPf, pf), Math.Max(maxPf, pf));
                (minResidual, maxResidual) = (Math.Min(minResidual, residual), Math.Max(maxResidual, residual));
            }

            if (started && port.State != PortState.Charging)
            {
                break;
            }
        }

        PortSnapshot last = runtime.Protection.Snapshot.Ports[0];
        Alarm? lockout = events.Lockout;
        string outcome = last.Lockout is { } kind
            ? "locked out: " + kind
            : events.EndReason is { } reason ? "ended: " + reason.WireName() : "charging";
        return new RunResult(
            outcome,
            lockout?.Kind == AlarmKind.PortMaliciousLoad,
            lockout is null ? null : lockout.RaisedAt - plugged,
            maxPf == 0 ? 0 : minPf,
            maxPf,
            maxPf == 0 ? 0 : minResidual,
            maxResidual);
    }

    /// <summary>Keeps the first lockout alarm and the session's end; the rest of the events are not needed here.</summary>
    private sealed class DecisionSink : IGatewayEventSink
    {
        public Alarm? Lockout { get; private set; }

        public SessionEndReason? EndReason { get; private set; }

        public void Publish(GatewayEvent gatewayEvent)
        {
            switch (gatewayEvent)
            {
                case AlarmRaised { Alarm: var alarm } when Lockout is null && alarm.Kind.LatchesUntilReset():
                    Lockout = alarm;
                    break;
                case SessionClosed closed:
                    EndReason ??= closed.Session.EndReason;
                    break;
            }
        }
    }
}
