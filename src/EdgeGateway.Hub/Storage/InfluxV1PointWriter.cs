using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using InfluxDB.Client.Writes;

namespace EdgeGateway.Hub.Storage;

/// <summary>
/// The InfluxDB 1.x <c>POST /write?db=DB&amp;precision=ns</c> endpoint, for servers older than 1.8 that have no v2 write
/// API (1.8+ serve both). The body is line protocol made by <see cref="PointData.ToLineProtocol"/>, so escaping is the
/// library's. Credentials (1.x auth) go in a Basic header, never in the logged URL.
/// </summary>
public sealed class InfluxV1PointWriter : IPointWriter, IDisposable
{
    /// <summary>The named client of <see cref="IHttpClientFactory"/> this writer's <see cref="HttpClient"/> comes from
    /// (registered by <see cref="StorageServiceCollectionExtensions.AddInfluxHttpClients"/>).</summary>
    public const string HttpClientName = "EdgeGateway.Hub.Storage.InfluxV1Write";

    private readonly HttpClient _http;
    private readonly Uri _write;

    /// <summary>Writes to <paramref name="server"/> through <paramref name="http"/>, which this writer sets up (timeout,
    /// credentials) and owns from then on.</summary>
    public InfluxV1PointWriter(
        HttpClient http, Uri server, string database, string? retentionPolicy, string? username, string? password, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrEmpty(database);
        string query = "db=" + Uri.EscapeDataString(database) + "&precision=ns"
            + (string.IsNullOrEmpty(retentionPolicy) ? "" : "&rp=" + Uri.EscapeDataString(retentionPolicy));
        _write = new Uri(server, "write?" + query);
        _http = http;
        _http.Timeout = timeout;
        if (!string.IsNullOrEmpty(username))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + (password ?? ""))));
        }

        Describe = $"InfluxDB v1 /write at {server.GetLeftPart(UriPartial.Authority)} database {database}";
    }

    public string Describe { get; }

    public async Task WriteAsync(IReadOnlyList<PointData> points, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(points);
        var body = new StringBuilder(points.Count * 200);
        foreach (PointData point in points)
        {
            body.Append(point.ToLineProtocol()).Append('\n');
        }

        using var content = new StringContent(body.ToString(), Encoding.UTF8, "text/plain");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(_write, content, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new PointWriteException($"InfluxDB unreachable: {exception.Message}", transient: true, exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PointWriteException("InfluxDB write timed out", transient: true, exception);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return;
            }

            string detail = await response.Content.ReadAsStringAsync(cancellationToken);
            int status = (int)response.StatusCode;
            // 400: the points were refused (type conflict, bad line); 404: no such database; 401/403: credentials.
            // Only 400 is the data's fault; the others are fixed by an operator, so they are retried.
            throw new PointWriteException(
                string.Create(CultureInfo.InvariantCulture, $"InfluxDB answered {status}: {Trim(detail)}"),
                transient: status != 400);
        }
    }

    public void Dispose() => _http.Dispose();

    internal static string Trim(string text) => text.Length <= 300 ? text.Trim() : text[..300] + "…";
}
