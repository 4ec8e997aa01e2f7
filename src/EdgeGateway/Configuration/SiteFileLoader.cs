using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

/// <summary>
/// Loads a site file (firmware-config/sites/*.yaml) and checks it completely: every problem in the file is
/// reported with its line, not just the first. See firmware-config/README.md for the format.
/// </summary>
public static class SiteFileLoader
{
    /// <summary>
    /// The largest site file read: 1 MiB. The largest shipped site file is a few kilobytes; a bigger one is the wrong
    /// file or an attack (a 50 MB file took 18 s and 628 MB to parse). Checked before the file is read further.
    /// </summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>
    /// The deepest nesting of mappings and lists: 64. A site file nests 4 or 5 levels; YamlDotNet's representation model
    /// recurses once per level, so 50,000 nested '[' overflowed the stack and killed the process (check-config, run and
    /// a live reload_config alike). Checked on the parser's events, before the model is built.
    /// </summary>
    public const int MaxNestingDepth = 64;

    /// <summary>Reads and checks the site file at <paramref name="path"/>; problems name the path as given.</summary>
    public static SiteFileLoadResult Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            return FileProblem(path, "is a directory, not a site file");
        }

        byte[] bytes;
        try
        {
            bytes = ReadAtMost(path, MaxFileBytes + 1);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return FileProblem(path, "file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FileProblem(path, $"cannot read the file: {e.Message}");
        }

        var problems = new ProblemCollector(path);
        if (bytes.Length > MaxFileBytes)
        {
            problems.Add(LineAtByte(bytes, MaxFileBytes), $"the file is larger than {MaxFileBytes} bytes (1 MiB), the most a site file may be; a site file is a few kilobytes (wrong file?)");
            return new SiteFileLoadResult(null, problems.InLineOrder());
        }

        if (!TryDecodeUtf8(bytes, problems, out string? text))
        {
            return new SiteFileLoadResult(null, problems.InLineOrder());
        }

        return LoadText(path, text);
    }

    /// <summary>Checks site-file text; <paramref name="fileName"/> is only used to name the file in problems.</summary>
    public static SiteFileLoadResult LoadText(string fileName, string yaml)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(yaml);

        var problems = new ProblemCollector(fileName);
        if (!TryParseYaml(yaml, problems, out YamlNode? root))
        {
            return new SiteFileLoadResult(null, problems.InLineOrder());
        }

        SiteConfiguration? configuration = new SiteFileReader(fileName, problems).Read(root);
        return new SiteFileLoadResult(problems.Count == 0 ? configuration : null, problems.InLineOrder());
    }

    /// <summary>
    /// Parses YAML into YamlDotNet's representation model (shared with the other YAML files that report
    /// <c>FILE:LINE: message</c>, e.g. simulation scenarios). A syntax error ends the parse (nothing after it
    /// can be trusted), so it is the only problem reported and this returns false; duplicate keys are reported
    /// and the load goes on. <paramref name="root"/> is null for a file with no document (empty or comments only).
    /// </summary>
    /// <remarks>Hostile input is refused before or while parsing, never by a crash: more than <see cref="MaxFileBytes"/>,
    /// a control character (a binary file), nesting deeper than <see cref="MaxNestingDepth"/>, or an alias (one alias
    /// of an alias of … multiplies a small file into billions of nodes for whoever walks it).</remarks>
    internal static bool TryParseYaml(string yaml, ProblemCollector problems, out YamlNode? root)
    {
        root = null;
        if (yaml.Length > MaxFileBytes || System.Text.Encoding.UTF8.GetByteCount(yaml) > MaxFileBytes)
        {
            problems.Add(LineAtChar(yaml, Math.Min(yaml.Length, MaxFileBytes)), $"the file is larger than {MaxFileBytes} bytes (1 MiB), the most a site file may be; a site file is a few kilobytes (wrong file?)");
            return false;
        }

        for (int i = 0; i < yaml.Length; i++)
        {
            // YAML 1.2 §5.1: only printable characters; C0 controls other than tab, LF and CR, DEL and the noncharacters
            // U+FFFE/U+FFFF mark a binary or corrupted file.
            char c = yaml[i];
            if ((c < ' ' && c is not ('\t' or '\n' or '\r')) || c is '\u007F' or '\uFFFE' or '\uFFFF')
            {
                problems.Add(LineAtChar(yaml, i), $"control character U+{(int)c:X4} is not allowed: the file must be UTF-8 text (a binary or corrupted file?)");
                return false;
            }
        }

        using var reader = new StringReader(yaml);
        var parser = new DuplicateKeyFilter(new Parser(reader), problems, MaxNestingDepth);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (YamlLimitException e)
        {
            problems.Add(e.Line, $"{e.Problem}");
            return false;
        }
        catch (YamlException e)
        {
            // For a tab the scanner's start mark is the scalar before it; its end mark is the tab itself.
            bool isTab = e.Message.Contains("tab character", StringComparison.OrdinalIgnoreCase);
            string hint = isTab ? " (YAML indents with spaces, never tabs)" : "";
            problems.Add(YamlText.LineOf(isTab ? e.End : e.Start), $"YAML syntax error: {e.Message}{hint}");
            return false;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unterminated flow collections ("[1, 2" with no "]").
            problems.Add(parser.LastLine, $"YAML syntax error: the YAML ends unexpectedly here or just after (an unclosed '[', '{{' or quote?)");
            return false;
        }

        if (stream.Documents.Count > 1)
        {
            problems.Add(YamlText.LineOf(stream.Documents[1].RootNode), $"only one YAML document per file: remove this '---' and what follows, or move it to its own file");
        }

        root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        return true;
    }

    /// <summary>The first <paramref name="limit"/> bytes of the file (fewer when it is shorter): a huge file or a device
    /// is never read whole.</summary>
    private static byte[] ReadAtMost(string path, int limit)
    {
        using FileStream stream = File.OpenRead(path);
        byte[] buffer = new byte[(int)Math.Min(limit, stream.CanSeek ? Math.Max(stream.Length, 0) : limit)];
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        if (total < buffer.Length)
        {
            Array.Resize(ref buffer, total);
        }

        return buffer;
    }

    /// <summary>Strict UTF-8 (an optional byte order mark skipped): an invalid sequence is a problem at its line, not
    /// a replacement character that reads on as if it were text.</summary>
    private static bool TryDecodeUtf8(byte[] bytes, ProblemCollector problems, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        ReadOnlySpan<byte> content = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes.AsSpan(3) : bytes;
        char[] chars = new char[content.Length];
        if (System.Text.Unicode.Utf8.ToUtf16(content, chars, out int read, out int written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            int offset = bytes.Length - content.Length + read;
            problems.Add(LineAtByte(bytes, offset), $"invalid UTF-8 at byte {offset}: the file must be UTF-8 text (saved in another encoding, or a binary file?)");
            text = null;
            return false;
        }

        text = new string(chars, 0, written);
        return true;
    }

    private static int LineAtByte(byte[] bytes, int offset) => bytes.AsSpan(0, Math.Min(offset, bytes.Length)).Count((byte)'\n') + 1;

    private static int LineAtChar(string text, int index) => text.AsSpan(0, Math.Min(index, text.Length)).Count('\n') + 1;

    private static SiteFileLoadResult FileProblem(string path, string message) =>
        new(null, [new ConfigurationProblem(path, 0, message)]);
}
