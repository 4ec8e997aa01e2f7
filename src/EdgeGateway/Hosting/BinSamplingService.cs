using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>Samples the bins on their own thread at the site's bin sampling period.</summary>
public sealed partial class BinSamplingService(ShedRuntime runtime, ILogger<BinSamplingService> logger) : PeriodicSamplingService(runtime)
{
    protected override string ThreadName => "bin-sampling";

    protected override TimeSpan? Period => Runtime.Bins is null ? null : Runtime.Site.BinSampling.Period;

    protected override void OnStarted(TimeSpan period) => LogStarted(Runtime.Site.Bins.Count, period);

    protected override void SampleOnce(CancellationToken stopping)
    {
        try
        {
            Runtime.Bins!.SampleAll(stopping);
        }
#pragma warning disable CA1031 // a failing sample must not end bin monitoring; it is logged and the next one runs
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSampleFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sampling {Bins} bins every {Period}")]
    private partial void LogStarted(int bins, TimeSpan period);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bin sample failed")]
    private partial void LogSampleFailed(Exception exception);
}
