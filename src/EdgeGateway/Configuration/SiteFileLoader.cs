using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

/// <summary>
/// Loads a site file (firmware-config/sites/*.yaml) and checks it completely: every problem in the file is
/// reported with its line, not just the first. See firmware-config/README.md for the format.
/// </summary>
public static class SiteFileLoader
{
    /// <summary>Reads and checks the site file at <paramref name="path"/>; problems name the path as given.</summary>
    public static SiteFileLoadResult Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            return FileProblem(path, "is a directory, not a site file");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return FileProblem(path, "file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FileProblem(path, $"cannot read the file: {e.Message}");
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
    internal static bool TryParseYaml(string yaml, ProblemCollector problems, out YamlNode? root)
    {
        root = null;
        using var reader = new StringReader(yaml);
        var parser = new DuplicateKeyFilter(new Parser(reader), problems);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
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

    private static SiteFileLoadResult FileProblem(string path, string message) =>
        new(null, [new ConfigurationProblem(path, 0, message)]);
}
