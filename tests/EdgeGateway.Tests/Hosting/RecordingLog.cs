using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Tests.Hosting;

/// <summary>Keeps every log entry with its category and structured state (the message template's named values).</summary>
internal sealed class RecordingLog : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private long _order;

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join('\n', _entries.Select(e => $"{e.Level}: {e.Category}: {e.Message}{(e.Exception is null ? "" : " — " + e.Exception.Message)}"));

    /// <summary>An entry; <c>At</c> is its place in the whole run's log (its order of arrival).</summary>
    public sealed record Entry(long At, LogLevel Level, string Category, string Message, IReadOnlyDictionary<string, object?> State, Exception? Exception);

    private sealed class Logger(RecordingLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach ((string key, object? value) in pairs)
                {
                    values[key] = value;
                }
            }

            log._entries.Enqueue(new Entry(Interlocked.Increment(ref log._order), logLevel, category, formatter(state, exception), values, exception));
        }
    }
}
