using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EdgeGateway.Configuration;

/// <summary>
/// Sits between YamlDotNet's parser and <c>YamlStream</c>. The representation model throws on the first
/// duplicate mapping key, which would hide every other problem in the file; this filter reports each
/// duplicate key (with the line of the first one), drops the duplicate key and its value, and lets the
/// load go on. It also remembers the last line the parser reached, for parser failures that carry no position.
/// </summary>
internal sealed class DuplicateKeyFilter(IParser inner, ProblemCollector problems) : IParser
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
