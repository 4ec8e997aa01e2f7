using System.Globalization;

namespace EdgeGateway.Configuration;

/// <summary>Collects the problems of one site file; messages are formatted with the invariant culture.</summary>
internal sealed class ProblemCollector(string file)
{
    private readonly List<ConfigurationProblem> _problems = [];

    public int Count => _problems.Count;

    public void Add(int line, FormattableString message) =>
        _problems.Add(new ConfigurationProblem(file, Math.Max(line, 0), message.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The problems in line order; problems on the same line keep the order they were found in.</summary>
    public IReadOnlyList<ConfigurationProblem> InLineOrder() => [.. _problems.OrderBy(p => p.Line)];
}
