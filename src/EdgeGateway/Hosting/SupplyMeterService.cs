using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Metering.SupplyMeters;
using EdgeGateway.Protection;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// Reads the shed's supply meter on its own thread every poll period (site key <c>supplyMeter.pollPeriodMs</c>) and
/// hands each reading, or its fault, to protection, which applies it on the sampling thread: a Modbus exchange (six
/// requests, tens of milliseconds at 9600 baud, a timeout and its retries when the meter is silent) never holds up the
/// ports' protection loop.
/// </summary>
public sealed partial class SupplyMeterService(ShedRuntime runtime, ILogger<SupplyMeterService> logger) : PeriodicSamplingService(runtime)
{
    private string? _lastFault;

    protected override string ThreadName => "supply-meter";

    protected override TimeSpan? Period => Runtime.Site.SupplyMeter?.PollPeriod;

    protected override void OnStarted(TimeSpan period)
    {
        SupplyMeterDefinition meter = Runtime.Site.SupplyMeter!;
        LogStarted(meter.Map, meter.Serial, meter.Unit, period);
    }

    protected override void SampleOnce(CancellationToken stopping)
    {
        SupplyMeterPoll poll = Poll(Runtime.Board.SupplyMeter, Runtime.Board.SupplyMeterFault);
        Runtime.Protection.SubmitSupplyPoll(poll);
        if (poll.Fault != _lastFault)
        {
            _lastFault = poll.Fault;
            if (poll.Fault is not null)
            {
                LogFault(poll.Fault);
            }
        }
    }

    private static SupplyMeterPoll Poll(SupplyMeter? meter, string? openFault)
    {
        if (meter is null)
        {
            return SupplyMeterPoll.Failed(openFault ?? "supply meter not open");
        }

        return meter.TryRead(out SupplyMeterReading reading, out string? fault) ? SupplyMeterPoll.Read(reading) : SupplyMeterPoll.Failed(fault!);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading the supply meter ({Map}) on {Serial} at unit {Unit} every {Period}")]
    private partial void LogStarted(string map, string serial, int unit, TimeSpan period);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Supply meter: {Fault}")]
    private partial void LogFault(string fault);
}
