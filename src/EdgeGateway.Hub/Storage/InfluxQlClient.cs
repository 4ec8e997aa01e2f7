using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EdgeGateway.Hub.Storage;

/// <summary>One row of an InfluxQL answer: each column ("time" in Unix milliseconds) and the series' tags (GROUP BY).</summary>
public sealed class InfluxQlRow(string measurement, IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, JsonElement> values)
{
    public string Measurement { get; } = measurement;

    public IReadOnlyDictionary<string, string> Tags { get; } = tags;

    public IReadOnlyDictionary<string, JsonElement> Values { get; } = values;

    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(Values["time"].GetInt64());

    public double? Number(string column) =>
        Values.TryGetValue(column, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    public string? Text(string column) =>
        Values.TryGetValue(column, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public bool? Flag(string column) =>
        Values.TryGetValue(column, out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    /// <summary>A tag of the series, or a string column of the same name.</summary>
    public string? Tag(string name) => Tags.TryGetValue(name, out string? tag) ? tag : Text(name);
}

/// <summary>Why a query could not be answered: unreachable, refused, or an InfluxQL error (the server's message).</summary>
public sealed class InfluxQlException(string message, bool unreachable, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>No answer at all (connection refused, timeout): the console says "InfluxDB is not reachable".</summary>
    public bool Unreachable { get; } = unreachable;
}

/// <summary>
/// InfluxQL over <c>GET /query?db=…&amp;q=…&amp;epoch=ms</c>: served by InfluxDB 1.x, by 2.x through its v1 compatibility
/// API (a DBRP mapping for the bucket; the token as <c>Authorization: Token</c>) and by 3.x. The console reads trends,
/// histories and details with it. Literals go through <see cref="Literal"/> and identifiers through
/// <see cref="Identifier"/>; nothing else from a request is put into a query.
/// </summary>
public sealed class InfluxQlClient : IDisposable
{
    /// <summary>The named client of <see cref="IHttpClientFactory"/> this client's <see cref="HttpClient"/> comes from
    /// (registered by <see cref="StorageServiceCollectionExtensions.AddInfluxHttpClients"/>).</summary>
    public const string HttpClientName = "EdgeGateway.Hub.Storage.InfluxQl";

    private readonly HttpClient _http;
    private readonly string _database;

    /// <summary>Queries the server of <paramref name="settings"/> through <paramref name="http"/>, which this client sets
    /// up (base address, timeout, credentials) and owns from then on.</summary>
    public InfluxQlClient(HttpClient http, InfluxSettings settings)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(settings);
        _database = settings.Database;
        _http = http;
        _http.BaseAddress = settings.Url;
        _http.Timeout = settings.Timeout;
        if (settings.Api == InfluxApi.V1 && !string.IsNullOrEmpty(settings.Username))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(settings.Username + ":" + settings.ResolvePassword())));
        }
        else if (settings.ResolveToken() is { Length: > 0 } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        }
    }

    /// <summary>Runs one or more statements (separated by ';') and returns the rows of all of them, in order.</summary>
    public async Task<IReadOnlyList<InfluxQlRow>> QueryAsync(string influxQl, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(influxQl);
        var uri = new Uri("query?db=" + Uri.EscapeDataString(_database) + "&epoch=ms&q=" + Uri.EscapeDataString(influxQl), UriKind.Relative);
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(uri, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new InfluxQlException($"InfluxDB at {_http.BaseAddress} is not reachable: {exception.Message}", unreachable: true, exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InfluxQlException($"InfluxDB at {_http.BaseAddress} did not answer in time", unreachable: true, exception);
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InfluxQlException(
                    string.Create(CultureInfo.InvariantCulture, $"InfluxDB answered {(int)response.StatusCode} to /query: {InfluxV1PointWriter.Trim(body)}"),
                    unreachable: response.StatusCode == System.Net.HttpStatusCode.NotFound);
            }

            return Parse(body);
        }
    }

    /// <summary>A string literal: single quotes, with backslashes and quotes escaped.</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
    }

    /// <summary>An identifier (measurement, tag or field key): double quotes, with backslashes and quotes escaped.</summary>
    public static string Identifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>An RFC 3339 time literal.</summary>
    public static string Time(DateTimeOffset value) => "'" + value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "'";

    public void Dispose() => _http.Dispose();

    internal static IReadOnlyList<InfluxQlRow> Parse(string body)
    {
        using var document = JsonDocument.Parse(body);
        JsonElement root = document.RootElement;
        if (root.TryGetProperty("error", out JsonElement topError))
        {
            throw new InfluxQlException(topError.GetString() ?? body, unreachable: false);
        }

        var rows = new List<InfluxQlRow>();
        if (!root.TryGetProperty("results", out JsonElement results))
        {
            return rows;
        }

        foreach (JsonElement statement in results.EnumerateArray())
        {
            if (statement.TryGetProperty("error", out JsonElement error))
            {
                throw new InfluxQlException(error.GetString() ?? "InfluxQL error", unreachable: false);
            }

            if (!statement.TryGetProperty("series", out JsonElement series))
            {
                continue;
            }

            foreach (JsonElement one in series.EnumerateArray())
            {
                string name = one.TryGetProperty("name", out JsonElement n) ? n.GetString() ?? "" : "";
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                if (one.TryGetProperty("tags", out JsonElement t))
                {
                    foreach (JsonProperty tag in t.EnumerateObject())
                    {
                        tags[tag.Name] = tag.Value.GetString() ?? "";
                    }
                }

                string[] columns = [.. one.GetProperty("columns").EnumerateArray().Select(c => c.GetString() ?? "")];
                if (!one.TryGetProperty("values", out JsonElement values))
                {
                    continue;
                }

                foreach (JsonElement value in values.EnumerateArray())
                {
                    var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                    int i = 0;
                    foreach (JsonElement cell in value.EnumerateArray())
                    {
                        row[columns[i++]] = cell.Clone();
                    }

                    rows.Add(new InfluxQlRow(name, tags, row));
                }
            }
        }

        return rows;
    }
}
