using System.Globalization;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// A process's resident memory from <c>/proc/PID/smaps</c>, summed per kind of mapping, so that a growth of RSS can
/// be put on what grows (proc(5), "/proc/pid/smaps": one header line per mapping — address range, permissions,
/// offset, device, inode, path — then "Rss: N kB" among its fields). The groups add up to the process's RSS.
/// </summary>
internal static class MemoryMaps
{
    public const string JitCode = "JIT code (memfd:doublemapper)";
    public const string Arenas = "malloc arenas (anon, 64 MiB heaps)";
    public const string Anonymous = "other anonymous (GC heap, stacks, runtime)";
    public const string Brk = "[heap] (malloc main arena)";
    public const string Assemblies = "assemblies (.dll)";
    public const string Libraries = "native libraries (.so)";
    public const string Executable = "the executable (a Native AOT program's code)";
    public const string OtherFiles = "other files";
    public const string Kernel = "[stack], [vdso], …";

    public static readonly string[] Groups = [JitCode, Arenas, Anonymous, Brk, Assemblies, Libraries, Executable, OtherFiles, Kernel];

    // glibc's arenas other than the main one are "heaps" of HEAP_MAX_SIZE = 2 × DEFAULT_MMAP_THRESHOLD_MAX = 64 MiB
    // on a 64-bit build (malloc/arena.c, new_heap): mapped PROT_NONE, aligned to 64 MiB, and made read-write from the
    // start as they fill. In smaps that is an anonymous rw-p mapping on a 64 MiB boundary followed by the ---p rest,
    // 64 MiB together. Nothing else the runtime maps looks like that often enough to matter (the GC's regions are
    // inside one reservation of its own, far larger).
    private const long HeapMaxSize = 64L << 20;

    /// <summary>RSS in bytes per group of <see cref="Groups"/>; null when the process has gone.</summary>
    public static Dictionary<string, long>? Read(int pid)
    {
        string[] lines;
        string? executable;
        try
        {
            // The program file itself: dotnet's host (small) for a JIT process, all of the code for a Native AOT one.
            executable = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            lines = File.ReadAllLines($"/proc/{pid}/smaps");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null; // FileNotFound/DirectoryNotFound are IOExceptions: gone; ESRCH while reading: gone
        }

        var mappings = new List<Mapping>();
        foreach (string line in lines)
        {
            if (IsHeader(line))
            {
                mappings.Add(Mapping.Parse(line));
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal) && mappings.Count > 0)
            {
                mappings[^1].RssBytes = long.Parse(line["Rss:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        Dictionary<string, long> groups = Groups.ToDictionary(g => g, _ => 0L);
        for (int i = 0; i < mappings.Count; i++)
        {
            groups[mappings[i].Path == executable ? Executable : GroupOf(mappings, i)] += mappings[i].RssBytes;
        }

        return groups;
    }

    private static string GroupOf(List<Mapping> mappings, int i)
    {
        Mapping m = mappings[i];
        if (m.Path.Length == 0)
        {
            bool arena = m.Permissions.StartsWith("rw", StringComparison.Ordinal) && m.Start % HeapMaxSize == 0
                && (m.Size == HeapMaxSize
                    || (i + 1 < mappings.Count && mappings[i + 1] is { Path.Length: 0 } rest && rest.Start == m.End
                        && rest.Permissions.StartsWith("---", StringComparison.Ordinal) && m.Size + rest.Size == HeapMaxSize));
            return arena ? Arenas : Anonymous;
        }

        return m.Path switch
        {
            _ when m.Path.Contains("doublemapper", StringComparison.Ordinal) => JitCode,
            "[heap]" => Brk,
            _ when m.Path.StartsWith('[') => Kernel,
            _ when m.Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) => Assemblies,
            _ when m.Path.Contains(".so", StringComparison.Ordinal) => Libraries,
            _ => OtherFiles,
        };
    }

    // "7f12a0000000-7f12a4000000 rw-p 00000000 00:00 0   [path]"; field lines are "Name: value".
    private static bool IsHeader(string line)
    {
        int dash = line.IndexOf('-', StringComparison.Ordinal);
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        return dash > 0 && space > dash && Uri.IsHexDigit(line[0]) && !line[..dash].Contains(':', StringComparison.Ordinal);
    }

    private sealed class Mapping
    {
        public long Start { get; private init; }

        public long End { get; private init; }

        public long Size => End - Start;

        public string Permissions { get; private init; } = "";

        public string Path { get; private init; } = "";

        public long RssBytes { get; set; }

        public static Mapping Parse(string header)
        {
            string[] fields = header.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string[] range = fields[0].Split('-');
            return new Mapping
            {
                Start = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                End = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                Permissions = fields[1],
                Path = fields.Length > 5 ? fields[5].Trim() : "",
            };
        }
    }
}
