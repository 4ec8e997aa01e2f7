using Microsoft.Extensions.Logging;

namespace EdgeGateway.LiveView;

/// <summary>
/// While the live table owns the terminal, warnings and errors are kept here and shown under the
/// table instead of scrolling it away.
/// </summary>
public sealed class LiveViewLogProvider : ILoggerProvider
{
    private const int Capacity = 5;
    private static readonly Queue<string> Lines = new();
    private static readonly Lock Gate = new();

    public static IReadOnlyList<string> Recent
    {
        get
        {
            lock (Gate)
            {
                return [.. Lines];
            }
        }
    }

    // Alarms are in the table's own panel already; everything else that warns shows here.
    public ILogger CreateLogger(string categoryName) =>
        categoryName == typeof(Events.EventJournal).FullName ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance : new Logger(categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string line = $"{logLevel}: {category.Split('.')[^1]}: {formatter(state, exception)}{(exception is null ? "" : " — " + exception.Message)}";
            lock (Gate)
            {
                Lines.Enqueue(line);
                while (Lines.Count > Capacity)
                {
                    Lines.Dequeue();
                }
            }
        }
    }
}
