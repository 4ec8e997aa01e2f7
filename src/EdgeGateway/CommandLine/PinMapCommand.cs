using System.CommandLine;
using EdgeGateway.Configuration;

namespace EdgeGateway.CommandLine;

/// <summary>
/// <c>pin-map FILE [--config-txt]</c>: the wiring document of a site file (Markdown: buses, ports → meters → ADC
/// channels or multiplexer channels → relay pins, bins → sensors, the 40-pin header, free pins) and the lines the
/// Raspberry Pi's config.txt needs for it. The committed maps in firmware-config/raspberry-pi/pin-maps are this
/// command's output, and a test fails when they drift from their site files; deploy/gateway/install.sh writes the
/// <c>--config-txt</c> lines into the board's config.txt. The command loads and reports; <see cref="PinMap"/> renders.
/// </summary>
internal static class PinMapCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = $"Site file (e.g. firmware-config/sites/demo.yaml or {FirmwareConfig.InstalledSite})" };
        var configTxt = new Option<bool>("--config-txt") { Description = "Print only the lines the board's config.txt needs (install.sh writes them)" };
        var command = new Command("pin-map", "Print the wiring and pin map of a site file (Markdown), or its config.txt lines");
        command.Arguments.Add(file);
        command.Options.Add(configTxt);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            SiteFileLoadResult load = SiteFileLoader.Load(path);
            if (!load.IsValid)
            {
                foreach (ConfigurationProblem problem in load.Problems)
                {
                    Console.Error.WriteLine(problem);
                }

                Console.Error.WriteLine($"pin-map: {path} is invalid (check-config shows the same problems)");
                return CheckConfig.Invalid;
            }

            Console.Out.Write(parse.GetValue(configTxt) ? PinMap.ConfigTxt(load.Configuration!) : PinMap.Document(load.Configuration!, path));
            return 0;
        });
        return command;
    }
}
