using ArchUnitNET.Domain;
using ArchUnitNET.Domain.Dependencies;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using EdgeGateway.Hub.Hosting;
using static ArchUnitNET.Fluent.Slices.SliceRuleDefinition;

namespace EdgeGateway.Hub.Tests.Architecture;

/// <summary>
/// The hub's areas import each other one way only: an area can be read, tested and changed knowing only the areas below
/// it. A back-reference fails here, naming the cycle it closes and the types that close it.
/// </summary>
public sealed class HubAreaTests
{
    private const string HubRoot = "EdgeGateway.Hub.";

    // Loaded once: reading the hub assembly's IL takes seconds.
    private static readonly ArchUnitNET.Domain.Architecture Hub =
        new ArchLoader().LoadAssemblies(typeof(HubHost).Assembly).Build();

    /// <summary>
    /// Areas are the hub's first namespace level (Ingest, Storage, Console…), each with whatever lies under it.
    /// ArchUnitNET 0.13.5 slices <c>EdgeGateway.Hub.(*)..</c> per namespace (WebConsole and WebConsole.Dashboard are two slices),
    /// which would count Console's composition root and its sub-areas as a cycle; so the areas are grouped here from the
    /// dependencies ArchUnitNET reads from the IL (fields, signatures, method bodies).
    /// </summary>
    [Fact]
    public void Hub_areas_depend_on_each_other_one_way_only()
    {
        var uses = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (IType type in Hub.Types)
        {
            string? from = Area(type.Namespace?.FullName);
            if (from is null)
            {
                continue;
            }

            // A generic parameter is no dependency; 0.13.5 also files the generated TryGetTypeInfoForRuntimeCustomConverter<T>
            // of every JsonSerializerContext under one of them, which reads as Ingest using Notifications.
            foreach (ITypeDependency dependency in type.Dependencies.Where(d => d.Target is not GenericParameter))
            {
                string? to = Area(dependency.Target?.Namespace?.FullName);
                if (to is not null && to != from)
                {
                    Dictionary<string, string> targets = uses.TryGetValue(from, out Dictionary<string, string>? known) ? known : uses[from] = new(StringComparer.Ordinal);
                    targets.TryAdd(to, $"{type.FullName} -> {dependency.Target!.FullName}");
                }
            }
        }

        List<string>? cycle = FindCycle(uses);
        Assert.True(
            cycle is null,
            cycle is null ? "" : "Hub areas in a cycle: " + string.Join(" -> ", cycle) + Environment.NewLine + string.Join(
                Environment.NewLine,
                cycle.Zip(cycle.Skip(1), (from, to) => $"  {from} -> {to}: {uses[from][to]}")));
    }

    [Fact]
    public void Console_sub_areas_depend_on_each_other_one_way_only() =>
        Slices().Matching("EdgeGateway.Hub.WebConsole.(*)..").Should().BeFreeOfCycles().Check(Hub);

    private static string? Area(string? ns) =>
        ns is not null && ns.StartsWith(HubRoot, StringComparison.Ordinal) ? ns[HubRoot.Length..].Split('.')[0] : null;

    /// <summary>The first cycle found, as its areas with the first repeated at the end; null when there is none.</summary>
    private static List<string>? FindCycle(Dictionary<string, Dictionary<string, string>> uses)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (string start in uses.Keys.Order(StringComparer.Ordinal))
        {
            List<string>? cycle = Visit(start);
            if (cycle is not null)
            {
                return cycle;
            }
        }

        return null;

        List<string>? Visit(string area)
        {
            int onPath = path.IndexOf(area);
            if (onPath >= 0)
            {
                return [.. path.Skip(onPath), area];
            }

            if (!done.Add(area))
            {
                return null;
            }

            path.Add(area);
            if (uses.TryGetValue(area, out Dictionary<string, string>? targets))
            {
                foreach (string next in targets.Keys.Order(StringComparer.Ordinal))
                {
                    List<string>? cycle = Visit(next);
                    if (cycle is not null)
                    {
                        return cycle;
                    }
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }
    }
}
