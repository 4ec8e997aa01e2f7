using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeGateway.Testing.Servers;

namespace EdgeGateway.FleetSim.District;

/// <summary>
/// End-to-end latency, gateway <c>ts</c> → point visible in InfluxDB: polls InfluxDB every <see cref="Interval"/> for
/// the port telemetry of a few sample sheds newer than the last seen, and takes (poll time − point time) for each new
/// point. Resolution is the poll interval (a point is seen at most one interval after it became visible); shed time
/// must run at the wall clock's pace (acceleration 1) for the difference to mean anything.
/// </summary>
internal sealed class VisibilityProbe(InfluxDbServer influx, string database, IReadOnlyList<string> sites) : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly List<double> _latenciesMs = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public IReadOnlyList<double> LatenciesMs
    {
        get
        {
            lock (_latenciesMs)
            {
                return [.. _latenciesMs];
            }
        }
    }

    public void Start() => _loop = Task.Run(() => PollAsync(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        string filter = string.Join('|', sites);
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, cancellationToken);
                InfluxQueryResult result = await influx.QueryAsync(database, string.Create(CultureInfo.InvariantCulture,
                    $"SELECT \"seq\" FROM \"port\" WHERE time >= {after + 1}ms AND \"site\" =~ /^({filter})$/"), cancellationToken);
                long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                lock (_latenciesMs)
                {
                    foreach (IReadOnlyDictionary<string, JsonElement> row in result.Rows)
                    {
                        long time = row["time"].GetInt64();
                        _latenciesMs.Add(now - time);
                        after = Math.Max(after, time);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is InfluxDbException or HttpRequestException)
            {
                // InfluxDB down (a fault scenario): keep polling; what becomes visible later is measured then.
                Debug.WriteLine(ex.Message);
            }
        }
    }
}

/// <summary>Percentiles of a sample (nearest rank).</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        int rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
