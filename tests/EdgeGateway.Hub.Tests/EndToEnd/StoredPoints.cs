using System.Globalization;
using System.Text.Json;
using EdgeGateway.Hub.Storage;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.Hub.Tests.EndToEnd;

/// <summary>Reads back what the hub stored: every <c>seq</c> of a gateway over all the hub's measurements.</summary>
internal static class StoredPoints
{
    private static readonly string AllMeasurements = string.Join(", ", ContractPoints.Measurements);

    /// <summary>InfluxDB 1.x: one row per stored message, so a number stored twice appears twice.</summary>
    public static async Task<List<long>> SeqsAsync(InfluxDbServer influx, string database, string gateway)
    {
        InfluxQueryResult result = await influx.QueryAsync(database, $"SELECT seq FROM {AllMeasurements} WHERE gateway = '{gateway}' AND seq > 0");
        return [.. result.Rows.Select(r => r["seq"].GetInt64())];
    }

    /// <summary>VictoriaMetrics: every sample of every <c>{measurement}_seq</c> series (after a flush).</summary>
    public static async Task<List<long>> SeqsAsync(VictoriaMetricsServer vm, string gateway)
    {
        await vm.FlushAsync();
        string names = string.Join("|", ContractPoints.Measurements.Select(m => m + "_seq"));
        IReadOnlyList<VmSeries> series = await vm.ExportAsync($"{{__name__=~\"{names}\",gateway=\"{gateway}\"}}");
        return [.. series.SelectMany(s => s.Values).Select(v => (long)v).Where(v => v > 0)];
    }

    /// <summary>Polls until <paramref name="read"/> returns at least <paramref name="expected"/> numbers (or the time is up), then returns the last read.</summary>
    public static async Task<List<long>> WaitForAsync(Func<Task<List<long>>> read, int expected, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        List<long> seqs = await read();
        while (seqs.Count < expected && DateTime.UtcNow < until)
        {
            await Task.Delay(500);
            seqs = await read();
        }

        return seqs;
    }

    public static double Number(JsonElement element) => element.ValueKind == JsonValueKind.Number ? element.GetDouble() : double.NaN;

    public static long Millis(JsonElement body) =>
        DateTimeOffset.Parse(body.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
}
