namespace EdgeGateway.Configuration;

/// <summary>
/// What <see cref="SiteFileLoader"/> made of a site file: the configuration (only when the file has no problems)
/// and every problem found, in line order.
/// </summary>
public sealed record SiteFileLoadResult(SiteConfiguration? Configuration, IReadOnlyList<ConfigurationProblem> Problems)
{
    public bool IsValid => Configuration is not null && Problems.Count == 0;
}

/// <summary>
/// One problem in a site file, at a 1-based line (0 when it concerns the whole file, e.g. the file is missing).
/// Prints as <c>FILE:LINE: message</c>, the format editors and CI logs turn into links.
/// </summary>
public sealed record ConfigurationProblem(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}
