using System.Globalization;

namespace EdgeGateway.Configuration;

/// <summary>
/// The <c>check-config</c> command: checks site files and prints every problem as <c>FILE:LINE: message</c>
/// (the format editors and CI logs link to the line). Exit code 0 when every file is valid, 2 otherwise.
/// </summary>
public static class CheckConfig
{
    public const int Valid = 0;
    public const int Invalid = 2;

    /// <summary>Checks each file: problems go to <paramref name="error"/>, a one-line summary of each valid file to <paramref name="output"/>.</summary>
    public static int Run(IReadOnlyList<string> files, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        if (files.Count == 0)
        {
            error.WriteLine("check-config: name one or more site files, e.g. firmware-config/sites/demo.yaml");
            return Invalid;
        }

        int exitCode = Valid;
        foreach (string file in files)
        {
            SiteFileLoadResult result = SiteFileLoader.Load(file);
            if (result.IsValid)
            {
                output.WriteLine(Summary(file, result.Configuration!));
                continue;
            }

            exitCode = Invalid;
            foreach (ConfigurationProblem problem in result.Problems)
            {
                error.WriteLine(problem.ToString());
            }

            int count = result.Problems.Count;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}: invalid — {count} {(count == 1 ? "problem" : "problems")}"));
        }

        return exitCode;
    }

    private static string Summary(string file, SiteConfiguration configuration)
    {
        IReadOnlyList<ChargingPortDefinition> ports = configuration.Ports;
        int ac = ports.Count(p => p.Meter is not DcMeterDefinition);
        int dc = ports.Count(p => p.Meter is DcMeterDefinition);
        int disabled = ports.Count(p => p.Disabled);
        string disabledText = disabled > 0 ? string.Create(CultureInfo.InvariantCulture, $", {disabled} disabled") : "";
        string portsText = string.Create(CultureInfo.InvariantCulture, $"{ports.Count} ports ({ac} AC, {dc} DC{disabledText})");
        int bins = configuration.Bins.Count;
        string binsText = string.Create(CultureInfo.InvariantCulture, $"{bins} {(bins == 1 ? "bin" : "bins")}");
        string contents = (ports.Count, bins) switch
        {
            (_, 0) => portsText,
            (0, _) => binsText,
            _ => $"{portsText}, {binsText}",
        };
        return $"{file}: ok — site {configuration.Site.Id} (gateway {configuration.Site.Gateway}): {contents}";
    }
}
