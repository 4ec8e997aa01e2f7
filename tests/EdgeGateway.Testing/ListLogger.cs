using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Testing;

/// <summary>Keeps every formatted log line (with the exception's message), so tests can assert what was and was not logged.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Text => string.Join('\n', _lines);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string line = $"{logLevel}: {formatter(state, exception)}";
        if (exception is not null)
        {
            line += $" [{exception.GetType().Name}: {exception.Message}]";
        }

        _lines.Enqueue(line);
    }
}
