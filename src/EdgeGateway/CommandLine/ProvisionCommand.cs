using System.CommandLine;
using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Provisioning;

namespace EdgeGateway.CommandLine;

/// <summary>
/// <c>provision INVENTORY --output DIR [--templates DIR]</c>: a fleet's site files from an inventory of sheds (CSV),
/// each checked as check-config checks it, with the registry fragment and the gateway list for the broker's
/// credentials (deploy/README.md, "Fleet provisioning"). Exit 0 when every shed was provisioned, 2 when any row is
/// refused (nothing is written then).
/// </summary>
internal static class ProvisionCommand
{
    public static Command Create()
    {
        var inventory = new Argument<string>("inventory") { Description = "The inventory: CSV with site_id, name, company, address, template, ports (and gateway)" };
        var output = new Option<string>("--output") { Description = "Directory for sites/, tenants.yaml (the hub's registry) and gateways.txt", Required = true };
        var templates = new Option<string>("--templates") { Description = "Directory of wiring templates (site files; default: the shipped firmware-config/sites)" };
        var command = new Command("provision", "Make the site files of a fleet of sheds from an inventory, each checked like check-config");
        command.Arguments.Add(inventory);
        command.Options.Add(output);
        command.Options.Add(templates);
        command.SetAction(parse =>
        {
            string directory = parse.GetValue(output)!;
            FleetProvisioningResult result = FleetProvisioning.Run(parse.GetValue(inventory)!, parse.GetValue(templates) ?? Path.Combine(FirmwareConfig.Root, "sites"), directory);
            if (!result.Succeeded)
            {
                foreach (ConfigurationProblem problem in result.Problems)
                {
                    Console.Error.WriteLine(problem);
                }

                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"provision: {result.Problems.Count} problem{(result.Problems.Count == 1 ? "" : "s")}: nothing was written"));
                return CheckConfig.Invalid;
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"provision: {result.SiteFiles.Count} site files in {Path.Combine(directory, "sites")}, tenants.yaml and gateways.txt in {directory}"));
            return 0;
        });
        return command;
    }
}
