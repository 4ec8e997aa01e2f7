using System.Globalization;
using System.Text.Json;

namespace EdgeGateway.Testing.Servers;

/// <summary>
/// What an InfluxDB /query answered, flattened for assertions: every series of every statement, and all their rows
/// in answer order. A row maps each column ("time" first: Unix milliseconds with epoch=ms) to its JSON value, with
/// the series' tags (GROUP BY) merged in as JSON strings; a column wins over a tag of the same name.
/// </summary>
public sealed class InfluxQueryResult
{
    private InfluxQueryResult(IReadOnlyList<InfluxSeries> series)
    {
        Series = series;
        Rows = [.. series.SelectMany(s => s.Rows)];
    }

    public IReadOnlyList<InfluxSeries> Series { get; }

    /// <summary>The rows of all series, in the order InfluxDB returned them.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Rows { get; }

    /// <summary>Parses a /query answer; an error anywhere in it (or a non-2xx status) throws <see cref="InfluxDbException"/>.</summary>
    public static InfluxQueryResult Parse(string json, int statusCode)
    {
        JsonElement root;
        try
        {
            root = JsonSerializer.Deserialize<JsonElement>(json);
        }
        catch (JsonException e)
        {
            throw new InfluxDbException($"/query answered {statusCode.ToString(CultureInfo.InvariantCulture)} with something that is not JSON: {json}", e);
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out JsonElement topError))
        {
            throw new InfluxDbException(topError.GetString() ?? json);
        }

        if (statusCode is < 200 or > 299)
        {
            throw new InfluxDbException($"/query answered {statusCode.ToString(CultureInfo.InvariantCulture)}: {json}");
        }

        var series = new List<InfluxSeries>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("results", out JsonElement results))
        {
            return new InfluxQueryResult(series);
        }

        foreach (JsonElement statement in results.EnumerateArray())
        {
            if (statement.TryGetProperty("error", out JsonElement error))
            {
                throw new InfluxDbException(error.GetString() ?? statement.ToString());
            }

            if (!statement.TryGetProperty("series", out JsonElement statementSeries))
            {
                continue;
            }

            foreach (JsonElement s in statementSeries.EnumerateArray())
            {
                series.Add(InfluxSeries.From(s));
            }
        }

        return new InfluxQueryResult(series);
    }
}

/// <summary>One series of a /query answer: measurement name, GROUP BY tags, columns and their values by row.</summary>
public sealed class InfluxSeries
{
    private InfluxSeries(string name, IReadOnlyDictionary<string, string> tags, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<JsonElement>> values)
    {
        Name = name;
        Tags = tags;
        Columns = columns;
        Values = values;
        var rows = new List<IReadOnlyDictionary<string, JsonElement>>(values.Count);
        foreach (IReadOnlyList<JsonElement> value in values)
        {
            var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach ((string tag, string tagValue) in tags)
            {
                row[tag] = JsonSerializer.SerializeToElement(tagValue);
            }

            for (int i = 0; i < columns.Count && i < value.Count; i++)
            {
                row[columns[i]] = value[i];
            }

            rows.Add(row);
        }

        Rows = rows;
    }

    /// <summary>The measurement.</summary>
    public string Name { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<IReadOnlyList<JsonElement>> Values { get; }

    /// <summary>Each row as column → value, with <see cref="Tags"/> merged in.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Rows { get; }

    internal static InfluxSeries From(JsonElement series)
    {
        string name = series.TryGetProperty("name", out JsonElement n) ? n.GetString() ?? "" : "";
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (series.TryGetProperty("tags", out JsonElement t) && t.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty tag in t.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.ValueKind == JsonValueKind.String ? tag.Value.GetString()! : tag.Value.ToString();
            }
        }

        List<string> columns = series.TryGetProperty("columns", out JsonElement c)
            ? [.. c.EnumerateArray().Select(column => column.GetString() ?? "")]
            : [];
        List<IReadOnlyList<JsonElement>> values = series.TryGetProperty("values", out JsonElement v)
            ? [.. v.EnumerateArray().Select(row => (IReadOnlyList<JsonElement>)[.. row.EnumerateArray()])]
            : [];
        return new InfluxSeries(name, tags, columns, values);
    }
}
