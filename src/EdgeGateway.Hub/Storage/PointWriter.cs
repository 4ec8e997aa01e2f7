using InfluxDB.Client.Writes;

namespace EdgeGateway.Hub.Storage;

/// <summary>
/// Writes a batch of points durably, or says why not. Implementations do not retry: the ingest pipeline decides
/// (back off and retry a <see cref="PointWriteException.Transient"/> failure forever; split a batch the database
/// refused so that only the points it cannot take are dead-lettered).
/// </summary>
public interface IPointWriter
{
    /// <summary>Which API and where, for logs (never credentials).</summary>
    string Describe { get; }

    /// <summary>Returns when the database acknowledged the whole batch (HTTP 204). Throws <see cref="PointWriteException"/>.</summary>
    Task WriteAsync(IReadOnlyList<PointData> points, CancellationToken cancellationToken);
}

/// <summary>A failed write. <see cref="Transient"/>: the database was unreachable, overloaded or timed out (retry);
/// otherwise it refused the data (HTTP 400: a field type conflict, an unparsable point), and retrying cannot help.</summary>
public sealed class PointWriteException(string message, bool transient, Exception? inner = null) : Exception(message, inner)
{
    public bool Transient { get; } = transient;
}
