using System.Text;
using EdgeGateway.Configuration;

namespace EdgeGateway.Tests.Configuration;

/// <summary>
/// A generated corpus of hostile site files: each is refused with a <c>FILE:LINE: message</c> that says what is
/// wrong, without a crash (50,000 nested '[' overflowed the stack and killed check-config, run and a live
/// reload_config) and without a hang (the deadline only bounds a failing run; no verdict depends on speed).
/// </summary>
public sealed class HostileSiteFileTests : IDisposable
{
    private static readonly TimeSpan HangBound = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Name, the file's bytes, the line the problem is reported at, and what the message says.</summary>
    public static TheoryData<string, int, string> Corpus => new()
    {
        { "deep-flow-sequences", 1, "nested deeper than 64 levels" },
        { "unclosed-flow-sequences", 1, "nested deeper than 64 levels" },
        { "deep-flow-mappings", 1, "nested deeper than 64 levels" },
        { "deep-block-mappings", 65, "nested deeper than 64 levels" },
        { "deep-value-of-a-duplicate-key", 3, "nested deeper than 64 levels" },
        { "huge-scalar", 3, "larger than 1048576 bytes" },
        { "huge-file-of-comments", 25576, "larger than 1048576 bytes" },
        { "billion-laughs", 2, "alias '*a' is not allowed" },
        { "duplicate-keys", 3, "duplicate key 'id'" },
        { "nul-byte", 2, "control character U+0000" },
        { "escape-character", 3, "control character U+001B" },
        { "invalid-utf8", 2, "invalid UTF-8 at byte 12" },
        { "truncated-utf8", 2, "invalid UTF-8 at byte" },
    };

    private static byte[] Make(string name) => name switch
    {
        "deep-flow-sequences" => Text("site: " + new string('[', 50_000) + new string(']', 50_000) + "\n"),
        "unclosed-flow-sequences" => Text("site: " + new string('[', 50_000) + "\n"),
        "deep-flow-mappings" => Text("site: " + string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "1" + new string('}', 20_000) + "\n"),
        "deep-block-mappings" => Text(string.Concat(Enumerable.Range(0, 300).Select(i => new string(' ', i) + "a:\n")) + new string(' ', 300) + "1\n"),
        "deep-value-of-a-duplicate-key" => Text("site:\n  id: a\n  id: " + new string('[', 50_000) + new string(']', 50_000) + "\n"),
        "huge-scalar" => Text("site:\n  id: x\n  name: " + new string('x', 2 * 1024 * 1024) + "\n"),
        "huge-file-of-comments" => Text(string.Concat(Enumerable.Repeat("# a comment line forty-one bytes long ..\n", 60_000))),
        "billion-laughs" => Text("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + string.Concat(Enumerable.Range(1, 9).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat(i == 1 ? "*a" : $"*l{i - 1}", 10))}]\n"))),
        "duplicate-keys" => Text("site:\n  id: a\n  id: b\n"),
        "nul-byte" => Text("site:\n  id: a\0b\n"),
        "escape-character" => Text("site:\n  id: a\n  name: \u001b[31mred\n"),
        "invalid-utf8" => [.. Encoding.ASCII.GetBytes("site:\n  id: "), 0xFF, 0xFE, (byte)'\n'],
        "truncated-utf8" => [.. Encoding.ASCII.GetBytes("site:\n  name: "), 0xE5, 0x8D, (byte)'\n'],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task A_hostile_site_file_is_refused_at_its_line_with_a_clear_message(string name, int line, string message)
    {
        string path = Path.Combine(_dir, name + ".yaml");
        await File.WriteAllBytesAsync(path, Make(name));

        SiteFileLoadResult result = await Task.Run(() => SiteFileLoader.Load(path)).WaitAsync(HangBound);

        Assert.False(result.IsValid);
        ConfigurationProblem problem = Assert.Single(result.Problems, p => p.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal(line, problem.Line);
        Assert.StartsWith($"{path}:{line}: ", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_limits_hold_for_text_given_directly()
    {
        SiteFileLoadResult deep = await Task.Run(() => SiteFileLoader.LoadText("deep.yaml", "site: " + new string('[', 50_000))).WaitAsync(HangBound);
        SiteFileLoadResult huge = await Task.Run(() => SiteFileLoader.LoadText("huge.yaml", "site:\n  name: " + new string('é', 600_000))).WaitAsync(HangBound);

        Assert.Equal("deep.yaml:1: nested deeper than 64 levels of mappings and lists, the most this file may have (a site file needs fewer than ten)",
            Assert.Single(deep.Problems).ToString());
        Assert.Contains("larger than 1048576 bytes", Assert.Single(huge.Problems).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_read_as_usual()
    {
        // 64 levels: refused as a site file (unknown keys), but by the reader, not by the nesting limit.
        string yaml = "site: " + new string('[', 63) + new string(']', 63) + "\n";

        SiteFileLoadResult result = SiteFileLoader.LoadText("nested.yaml", yaml);

        Assert.DoesNotContain(result.Problems, p => p.Message.Contains("nested deeper", StringComparison.Ordinal));
        Assert.NotEmpty(result.Problems);
    }
}
