using InfluxDB.Client;
using InfluxDB.Client.Core.Exceptions;
using InfluxDB.Client.Writes;

namespace EdgeGateway.Hub.Storage;

/// <summary>
/// InfluxDB.Client's write API (<c>POST /api/v2/write</c>): InfluxDB 1.8+, 2.x, 3.x, Cloud and VictoriaMetrics. The
/// token is sent as the Authorization header by the client library and never logged.
/// </summary>
public sealed class InfluxV2PointWriter : IPointWriter, IDisposable
{
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _write;
    private readonly string _bucket;
    private readonly string _org;

    public InfluxV2PointWriter(Uri server, string bucket, string org, string? token, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        var options = new InfluxDBClientOptions(server.ToString())
        {
            // InfluxDB.Client insists on a token; a server without authentication (VictoriaMetrics, InfluxDB 1.8 with
            // auth off) ignores the header, so a placeholder stands in when none is configured.
            Token = string.IsNullOrEmpty(token) ? "unauthenticated" : token,
            Bucket = bucket,
            Org = org,
            Timeout = timeout,
        };
        _client = new InfluxDBClient(options);
        _write = _client.GetWriteApiAsync();
        _bucket = bucket;
        _org = org;
        Describe = $"InfluxDB v2 write API at {server.GetLeftPart(UriPartial.Authority)} bucket {bucket} org {org}";
    }

    public string Describe { get; }

    public async Task WriteAsync(IReadOnlyList<PointData> points, CancellationToken cancellationToken)
    {
        try
        {
            await _write.WritePointsAsync(points as List<PointData> ?? [.. points], _bucket, _org, cancellationToken);
        }
        catch (BadRequestException exception)
        {
            throw new PointWriteException($"the database refused the points: {exception.Message}", transient: false, exception);
        }
        catch (UnprocessableEntityException exception)
        {
            throw new PointWriteException($"the database refused the points: {exception.Message}", transient: false, exception);
        }
        catch (HttpException exception)
        {
            throw new PointWriteException($"InfluxDB answered {exception.Status}: {exception.Message}", transient: true, exception);
        }
        catch (HttpRequestException exception)
        {
            throw new PointWriteException($"InfluxDB unreachable: {exception.Message}", transient: true, exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PointWriteException("InfluxDB write timed out", transient: true, exception);
        }
    }

    public void Dispose() => _client.Dispose();
}
