using System.CommandLine;
using System.Text;
using EdgeGateway.Board;
using EdgeGateway.Calibration;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Hosting;
using EdgeGateway.Simulation;
using static System.FormattableString;

namespace EdgeGateway.CommandLine;

/// <summary>
/// <c>calibrate --config SITE --port P --reference-w W [--reference-a A] [--reference-v V] [--yes] [--dry-run]</c>: measures a
/// port under the installer's known resistive load and writes its meter's scale factors into the site file, changing
/// nothing else in it (docs/calibration.md). Exit codes: 0 written (or a dry run), 1 not confirmed, 2 bad arguments or
/// site file, 3 the board cannot be opened, 4 the measurement was refused.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Site file to calibrate", DefaultValueFactory = _ => FirmwareConfig.InstalledSite };
        var port = new Option<string>("--port") { Description = "The port the reference load is plugged into (e.g. P02)", Required = true };
        var watts = new Option<double?>("--reference-w") { Description = "The load's real power in W, as the reference meter reads it" };
        var amps = new Option<double?>("--reference-a") { Description = "The load's current in A, as a clamp meter reads it (instead of --reference-w)" };
        var volts = new Option<double?>("--reference-v") { Description = "The mains voltage in V, as the reference meter reads it (calibrates the voltage)" };
        var yes = new Option<bool>("--yes") { Description = "Write without asking" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Measure and show the new factors; write nothing" };
        var maxCorrection = new Option<double>("--max-correction-pct") { Description = "Refuse corrections larger than this (default 25 %)", DefaultValueFactory = _ => PortCalibration.DefaultMaxCorrection * 100 };
        var simulate = new Option<bool>("--simulate") { Description = "Measure the bus-level simulator with the reference load plugged in, instead of the board" };
        var hardware = new Option<string?>("--simulated-hardware") { Description = "With --simulate: the site file whose factors the simulated chips really have (default: --config's)" };
        var loadPort = new Option<string?>("--simulated-load-port") { Description = "With --simulate: the port the load is really plugged into (default: --port; 'none' for no load)" };

        var command = new Command("calibrate", "Measure a port under a known resistive load and write its meter's scale factors into the site file");
        foreach (Option option in new Option[] { config, port, watts, amps, volts, yes, dryRun, maxCorrection, simulate, hardware, loadPort })
        {
            command.Options.Add(option);
        }

        // Ctrl+C cancels the token: the measurement stops between two readings and the relay is opened before the exit.
        command.SetAction((parse, cancellation) => Task.FromResult(Run(
            new CalibrateArguments(parse.GetValue(config)!, parse.GetValue(port)!, new CalibrationReferences(parse.GetValue(watts), parse.GetValue(amps), parse.GetValue(volts)))
            {
                Yes = parse.GetValue(yes),
                DryRun = parse.GetValue(dryRun),
                MaxCorrectionPct = parse.GetValue(maxCorrection),
                Simulate = parse.GetValue(simulate),
                SimulatedHardware = parse.GetValue(hardware),
                SimulatedLoadPort = parse.GetValue(loadPort),
            },
            Console.Out,
            Console.Error,
            Console.In,
            cancellation)));
        return command;
    }

    /// <summary>The calibration itself; <paramref name="answers"/> is where the confirmation is read from.</summary>
    internal static int Run(CalibrateArguments args, TextWriter output, TextWriter error, TextReader answers, CancellationToken cancellation = default)
    {
        CalibrationReferences references = args.References;
        if (ArgumentProblem(args) is { } problem)
        {
            error.WriteLine($"calibrate: {problem}");
            return 2;
        }

        SiteFileLoadResult load = SiteFileLoader.Load(args.Config);
        if (!load.IsValid)
        {
            return Refuse(error, load.Problems, $"calibrate: {args.Config} is invalid: fix it first (check-config lists every problem)");
        }

        SiteConfiguration site = load.Configuration!;
        int portIndex = site.Ports.ToList().FindIndex(p => p.Id == args.Port);
        if (portIndex < 0)
        {
            error.WriteLine($"calibrate: unknown port '{args.Port}' in {args.Config}; its ports: {string.Join(", ", site.Ports.Select(p => p.Id))}");
            return 2;
        }

        ChargingPortDefinition port = site.Ports[portIndex];
        if (!MeterCalibrations.CanCalibrate(port, out string? whyNot))
        {
            error.WriteLine($"calibrate: {whyNot}");
            return 2;
        }

        byte[] original = File.ReadAllBytes(args.Config);
        ShedBoard board;
        try
        {
            if (OpenBoard(args, site, error) is not { } opened)
            {
                return 2;
            }

            board = opened;
        }
        catch (BoardException ex)
        {
            error.WriteLine($"calibrate: the board cannot be opened: {ex.Message} (is the gateway service still running? stop it first: systemctl stop edgegateway)");
            return 3;
        }

        CalibrationOutcome outcome;
        IMeterCalibration calibration;
        try
        {
            calibration = MeterCalibrations.For(site, port, board.Meters[portIndex], board.Time, out whyNot)!;
            output.WriteLine($"{port.Id}: {calibration.Description}");
            output.WriteLine(Invariant($"relay of {port.Id} closed; measuring {calibration.ReadingsExplained} ..."));
            IReadOnlyList<MeterReading> readings = CalibrationBench.Measure(board, portIndex, calibration, out string? relayProblem, cancellation);
            if (relayProblem is not null)
            {
                error.WriteLine($"calibrate: the relay of {port.Id}: {relayProblem}");
                return 3;
            }

            output.WriteLine($"relay of {port.Id} open");
            if (cancellation.IsCancellationRequested)
            {
                error.WriteLine($"calibrate: interrupted; {args.Config} not changed");
                return 1;
            }

            outcome = PortCalibration.Compute(port.Id, references, calibration.Factors, readings, args.MaxCorrectionPct / 100);
        }
        finally
        {
            board.DriveEveryRelayOpen();
            foreach (PartReleaseFailure failure in board.Release())
            {
                error.WriteLine($"calibrate: warning: releasing {failure.Part} failed: {failure.Exception.Message}");
            }
        }

        Print(output, references, outcome);
        if (outcome.Refused)
        {
            error.WriteLine($"calibrate: refused: {outcome.Refusal}");
            error.WriteLine($"calibrate: {args.Config} not changed");
            return 4;
        }

        // A factor that reads the same to six digits needs no writing.
        IReadOnlyList<FactorChange> changes = [.. outcome.Changes.Where(c => SiteFileText.Number(c.NewValue) != SiteFileText.Number(c.Factor.Value))];
        if (changes.Count == 0)
        {
            output.WriteLine($"the factors are right already: {args.Config} not changed");
            return 0;
        }

        if (args.DryRun)
        {
            output.WriteLine($"dry run: {args.Config} not changed");
            return 0;
        }

        if (!args.Yes)
        {
            output.Write($"write the new factors into {args.Config}? [y/N] ");
            string? answer = answers.ReadLine()?.Trim();
            if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
            {
                output.WriteLine($"{args.Config} not changed");
                return 1;
            }
        }

        return Write(args.Config, original, changes, output, error);
    }

    /// <summary>Edits each factor's text in place, writes the file whole (a temporary file renamed over it), and reads it back through the checker.</summary>
    private static int Write(string path, byte[] original, IReadOnlyList<FactorChange> changes, TextWriter output, TextWriter error)
    {
        byte[] bom = [0xEF, 0xBB, 0xBF];
        bool hasBom = original.AsSpan().StartsWith(bom);
        string text = new UTF8Encoding(false, true).GetString(original, hasBom ? 3 : 0, original.Length - (hasBom ? 3 : 0));
        foreach (FactorChange change in changes)
        {
            if (!SiteFileText.TrySetScalar(text, change.Factor.Path, SiteFileText.Number(change.NewValue), out text, out string? problem))
            {
                error.WriteLine($"calibrate: {path}: {problem}; the file was not changed");
                return 2;
            }
        }

        byte[] body = new UTF8Encoding(false).GetBytes(text);
        WriteWhole(path, hasBom ? [.. bom, .. body] : body);
        SiteFileLoadResult reread = SiteFileLoader.Load(path);
        if (!reread.IsValid)
        {
            WriteWhole(path, original);
            return Refuse(error, reread.Problems, $"calibrate: the calibrated file does not pass the checks above; {path} is as it was");
        }

        output.WriteLine($"written: {path} (check-config: ok)");
        return 0;
    }

    private static void WriteWhole(string path, byte[] bytes)
    {
        string temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.calibrate-{Environment.ProcessId}");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private static void Print(TextWriter output, CalibrationReferences references, CalibrationOutcome outcome)
    {
        if (outcome.PowerW == 0 && outcome.VoltageV == 0)
        {
            return;
        }

        output.WriteLine("                 measured   reference   error");
        output.WriteLine(Row("voltage (V)", outcome.VoltageV, references.VoltageV, "0.0"));
        double? referenceA = references.CurrentA ?? (references.PowerW is { } w ? w / (references.VoltageV ?? outcome.VoltageV * outcome.VoltageRatio) : null);
        output.WriteLine(Row("current (A)", outcome.CurrentA, referenceA, "0.000"));
        output.WriteLine(Row("power (W)", outcome.PowerW, references.PowerW, "0.0"));
        output.WriteLine(Invariant($"power factor     {outcome.PowerFactor ?? 0,8:0.000}"));
        if (outcome.Refused)
        {
            return;
        }

        foreach (FactorChange change in outcome.Changes)
        {
            string shared = change.Factor.SharedBy is { } who ? $" (shared by {who})" : "";
            output.WriteLine(Invariant($"{change.Factor.Path}: {SiteFileText.Number(change.Factor.Value)} -> {SiteFileText.Number(change.NewValue)} ({Percent((change.NewValue / change.Factor.Value) - 1)}){shared}"));
        }

        output.WriteLine(Invariant($"with the new factors: {outcome.VoltageV * outcome.VoltageRatio:0.0} V, {outcome.CurrentA * outcome.CurrentRatio:0.000} A, {outcome.PowerW * outcome.VoltageRatio * outcome.CurrentRatio:0.0} W"));
    }

    private static string Row(string name, double measured, double? reference, string format)
    {
        string value = measured.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        if (reference is not { } r)
        {
            return Invariant($"{name,-16} {value,8}");
        }

        return Invariant($"{name,-16} {value,8}   {r.ToString(format, System.Globalization.CultureInfo.InvariantCulture),9}   {Percent((measured / r) - 1)}");
    }

    /// <summary>A signed percentage to 0.01 %; one that rounds to nothing reads +0.00 %, never -0.00 %.</summary>
    private static string Percent(double share) => ((Math.Round(share, 4) + 0.0) * 100).ToString("+0.00;-0.00", System.Globalization.CultureInfo.InvariantCulture) + " %";

    private static string? ArgumentProblem(CalibrateArguments args)
    {
        CalibrationReferences r = args.References;
        if (r.PowerW is null && r.CurrentA is null && r.VoltageV is null)
        {
            return "give the reference: --reference-w (the load's power) or --reference-a (its current), and --reference-v (the mains voltage)";
        }

        if (r.PowerW is not null && r.CurrentA is not null)
        {
            return "give --reference-w or --reference-a, not both (the power factor of the load is taken as measured)";
        }

        return r switch
        {
            { PowerW: < 100 or > 3500 } => "--reference-w: 100..3500 W (a 1000 W heater or lamp is best: well above the meter's noise, below a port's limits)",
            { CurrentA: < 0.5 or > 16 } => "--reference-a: 0.5..16 A",
            { VoltageV: < 90 or > 280 } => "--reference-v: 90..280 V",
            _ when args.MaxCorrectionPct is < 1 or > 50 => "--max-correction-pct: 1..50",
            _ when !args.Simulate && (args.SimulatedHardware is not null || args.SimulatedLoadPort is not null) => "--simulated-hardware and --simulated-load-port need --simulate",
            _ => null,
        };
    }

    /// <summary>The board as <c>run</c> opens it (every relay open): the real buses, or the simulator's with the load plugged in.</summary>
    private static ShedBoard? OpenBoard(CalibrateArguments args, SiteConfiguration site, TextWriter error)
    {
        if (!args.Simulate)
        {
            return ShedBoard.Create(site, new LinuxBoardBuses(site.Board), ShedRuntime.Ds18b20);
        }

        SiteConfiguration hardware = site;
        if (args.SimulatedHardware is { } hardwareFile)
        {
            SiteFileLoadResult hardwareLoad = SiteFileLoader.Load(hardwareFile);
            if (!hardwareLoad.IsValid)
            {
                Refuse(error, hardwareLoad.Problems, $"calibrate: --simulated-hardware {hardwareFile} is invalid");
                return null;
            }

            hardware = hardwareLoad.Configuration!;
            if (!hardware.Ports.Select(p => p.Id).SequenceEqual(site.Ports.Select(p => p.Id)))
            {
                error.WriteLine($"calibrate: --simulated-hardware {hardwareFile} must have the same ports as {args.Config}");
                return null;
            }
        }

        string? loadPort = args.SimulatedLoadPort switch
        {
            null => args.Port,
            "none" => null,
            var other => other,
        };
        if (loadPort is not null && !site.Ports.Any(p => p.Id == loadPort))
        {
            error.WriteLine($"calibrate: --simulated-load-port: unknown port '{loadPort}'");
            return null;
        }

        CalibrationReferences r = args.References;
        double supplyV = r.VoltageV ?? site.Mains?.NominalVoltageV ?? 220;
        OutletLoad? load = r.PowerW is { } w ? CalibrationShed.Heater(w, supplyV)
            : r.CurrentA is { } a ? CalibrationShed.Heater(a * supplyV, supplyV)
            : null;
        SimulatedShed shed = CalibrationShed.Create(hardware, loadPort, load, supplyV);
        return ShedBoard.Create(site, shed.Buses, shed.ThermometerFor, time: shed.Clock);
    }

    private static int Refuse(TextWriter error, IReadOnlyList<ConfigurationProblem> problems, string summary)
    {
        foreach (ConfigurationProblem problem in problems)
        {
            error.WriteLine(problem);
        }

        error.WriteLine(summary);
        return 2;
    }

    internal sealed record CalibrateArguments(string Config, string Port, CalibrationReferences References)
    {
        public bool Yes { get; init; }

        public bool DryRun { get; init; }

        public double MaxCorrectionPct { get; init; } = PortCalibration.DefaultMaxCorrection * 100;

        public bool Simulate { get; init; }

        public string? SimulatedHardware { get; init; }

        public string? SimulatedLoadPort { get; init; }
    }
}
