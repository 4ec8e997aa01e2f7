namespace EdgeGateway.Hub.Storage;

/// <summary>Which InfluxDB write API the hub uses.</summary>
public enum InfluxApi
{
    /// <summary><c>/api/v2/write</c> through InfluxDB.Client: InfluxDB 1.8+, 2.x, 3.x, Cloud, VictoriaMetrics.</summary>
    V2,

    /// <summary><c>/write</c>: InfluxDB servers older than 1.8.</summary>
    V1,
}

/// <summary>Where points go (section <c>Hub:Influx</c>). Secrets: <see cref="Token"/> is best given by environment
/// (<c>Hub__Influx__Token</c>) or <see cref="TokenFile"/>; it is never logged.</summary>
public sealed class InfluxSettings
{
    /// <summary>False (<c>--influx-url none</c>): no ingest at all — the demo without a database; the console still shows
    /// the live board, and the trends say what they need.</summary>
    public bool Enabled { get; set; } = true;

    public Uri Url { get; set; } = new("http://127.0.0.1:8086");

    public InfluxApi Api { get; set; } = InfluxApi.V2;

    /// <summary>The bucket (v2) or database (v1).</summary>
    public string Database { get; set; } = "edge";

    /// <summary>The organization (v2; InfluxDB 1.8 and VictoriaMetrics ignore it).</summary>
    public string Org { get; set; } = "edge";

    public string? Token { get; set; }

    /// <summary>A file whose first line is the token (preferred to <see cref="Token"/>: not in the process's environment).</summary>
    public string? TokenFile { get; set; }

    /// <summary>InfluxDB 1.x authentication (v1 API).</summary>
    public string? Username { get; set; }

    public string? PasswordFile { get; set; }

    /// <summary>v1: the retention policy to write into; null for the database's default.</summary>
    public string? RetentionPolicy { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    internal string? ResolveToken() => ReadFirstLine(TokenFile) ?? Token;

    internal string? ResolvePassword() => ReadFirstLine(PasswordFile);

    private static string? ReadFirstLine(string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        string text = File.ReadAllText(file);
        int end = text.IndexOfAny(['\r', '\n']);
        return end >= 0 ? text[..end] : text;
    }
}
