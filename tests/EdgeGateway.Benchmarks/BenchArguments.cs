using System.Globalization;

namespace EdgeGateway.Benchmarks;

/// <summary>The bench commands' options: <c>--name value</c> pairs, read with the invariant culture.</summary>
internal static class BenchArguments
{
    /// <summary>The value after <paramref name="name"/>, or none.</summary>
    public static IEnumerable<string> Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).Take(1);

    /// <summary>Every value of an option that may be given more than once.</summary>
    public static IEnumerable<string> Options(string[] args, string name) => args.Zip(args.Skip(1)).Where(p => p.First == name).Select(p => p.Second);

    public static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    public static double Double(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>
    /// A named value, <c>NAME=VALUE</c> (<c>--variant</c>, <c>--publish</c>): split at the first '=', so the value may hold
    /// more of them and the name none; <paramref name="usage"/> is the error's text for a value without a name.
    /// </summary>
    public static (string Name, string Value) Named(string option, string usage)
    {
        int equals = option.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 ? (option[..equals], option[(equals + 1)..]) : throw new ArgumentException($"{usage}, not '{option}'");
    }

    /// <summary>
    /// Environment variables, <c>VAR=VALUE[;VAR=VALUE]…</c> (<c>--variant</c>, <c>--publish</c>); <paramref name="usage"/>
    /// names the option in the error for a pair without '='.
    /// </summary>
    public static Dictionary<string, string> Environment(string text, string usage) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length == 2 ? pair[1] : throw new ArgumentException($"{usage}: '{string.Join('=', pair)}' is not VAR=VALUE"));

    /// <summary>A comma-separated list of integers: <c>0,10</c>.</summary>
    public static int[] IntList(string text) => [.. text.Split(',').Select(Int)];
}
