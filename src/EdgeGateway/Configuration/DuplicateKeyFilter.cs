using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EdgeGateway.Configuration;

/// <summary>
/// Sits between YamlDotNet's parser and <c>YamlStream</c>. The representation model throws on the first
/// duplicate mapping key, which would hide every other problem in the file; this filter reports each
/// duplicate key (with the line of the first one), drops the duplicate key and its value, and lets the
/// load go on. It also remembers the last line the parser reached, for parser failures that carry no position, and
/// refuses what would hurt whoever reads the document (<see cref="YamlLimitException"/>): nesting deeper than
/// <paramref name="maxDepth"/> (the representation model recurses per level) and aliases (a few nested aliases
/// stand for billions of nodes).
/// </summary>
internal sealed class DuplicateKeyFilter(IParser inner, ProblemCollector problems, int maxDepth) : IParser
{
    private readonly Stack<Frame> _frames = new();

    public ParsingEvent? Current { get; private set; }

    /// <summary>The line the last event read from the parser ended on (1-based).</summary>
    public int LastLine { get; private set; } = 1;

    public bool MoveNext()
    {
        while (inner.MoveNext())
        {
            ParsingEvent parsingEvent = inner.Current!;
            LastLine = YamlText.LineOf(parsingEvent.End);

            if (_frames.TryPeek(out Frame? frame) && frame.IsMapping && frame.ExpectingKey && parsingEvent is Scalar key)
            {
                int line = YamlText.LineOf(key.Start);
                if (!frame.Keys.TryAdd(key.Value, line))
                {
                    problems.Add(line, $"duplicate key '{key.Value}' (first given at line {frame.Keys[key.Value]}); each key may appear once per mapping");
                    SkipNode();
                    continue;
                }
            }

            if (parsingEvent is MappingStart or SequenceStart && _frames.Count >= maxDepth)
            {
                throw new YamlLimitException(YamlText.LineOf(parsingEvent.Start), TooDeep());
            }

            if (parsingEvent is AnchorAlias alias)
            {
                throw new YamlLimitException(YamlText.LineOf(parsingEvent.Start), $"YAML alias '*{alias.Value}' is not allowed: write the value out (aliases can make a small file stand for billions of values)");
            }

            switch (parsingEvent)
            {
                case MappingStart:
                    _frames.Push(new Frame(isMapping: true));
                    break;
                case SequenceStart:
                    _frames.Push(new Frame(isMapping: false));
                    break;
                case MappingEnd or SequenceEnd:
                    _frames.Pop();
                    NodeCompleted();
                    break;
                case Scalar or AnchorAlias:
                    NodeCompleted();
                    break;
            }

            Current = parsingEvent;
            return true;
        }

        Current = null;
        return false;
    }

    private string TooDeep() => string.Create(CultureInfo.InvariantCulture,
        $"nested deeper than {maxDepth} levels of mappings and lists, the most this file may have (a site file needs fewer than ten)");

    /// <summary>Reads past one whole node (the value of a dropped duplicate key).</summary>
    private void SkipNode()
    {
        int depth = 0;
        do
        {
            if (!inner.MoveNext())
            {
                return;
            }

            LastLine = YamlText.LineOf(inner.Current!.End);
            depth += inner.Current.NestingIncrease;
            if (_frames.Count + depth > maxDepth)
            {
                throw new YamlLimitException(LastLine, TooDeep());
            }
        }
        while (depth > 0);
    }

    /// <summary>A key or a value finished: in a mapping, keys and values alternate.</summary>
    private void NodeCompleted()
    {
        if (_frames.TryPeek(out Frame? parent) && parent.IsMapping)
        {
            parent.ExpectingKey = !parent.ExpectingKey;
        }
    }

    private sealed class Frame(bool isMapping)
    {
        public bool IsMapping { get; } = isMapping;

        public bool ExpectingKey { get; set; } = true;

        public Dictionary<string, int> Keys { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>A limit of <see cref="DuplicateKeyFilter"/> that ends the parse: the problem and its line.</summary>
internal sealed class YamlLimitException(int line, string problem) : Exception(problem)
{
    public int Line { get; } = line;

    public string Problem { get; } = problem;
}
