using System.IO.Ports;
using EdgeGateway.Hardware.Metering.SupplyMeters;

namespace EdgeGateway.Configuration;

// The shed's supply meter: `supplyMeter:`, an RS-485 Modbus RTU energy meter on the incoming supply, and the rules that
// use it (unmetered load, the shed overload on the measured supply).
internal sealed partial class SiteFileReader
{
    private static readonly string[] SupplyMeterKeys =
    [
        "serial", "baud", "parity", "unit", "map", "pollPeriodMs", "responseTimeoutMs", "retries",
        "unmeteredToleranceW", "unmeteredTolerancePercent", "unmeteredDebounceSeconds", "shedOverloadOnSupply",
    ];

    /// <summary>The line speeds the supported meters offer (DDSU666: 1200–9600; SDM120: 1200–9600; SDM630: up to 38400).</summary>
    private static readonly int[] SupplyMeterBauds = [1200, 2400, 4800, 9600, 19200, 38400];

    /// <summary>
    /// The optional <c>supplyMeter:</c> section: <c>{ serial: /dev/ttyUSB0, map: sdm120, unit: 1 }</c>; the line's
    /// speed and parity default to the map's factory settings.
    /// </summary>
    private (SupplyMeterDefinition? Meter, SupplyRuleSettings? Rules) ReadSupplyMeter(MappingReader root)
    {
        if (!root.Has("supplyMeter"))
        {
            return (null, null);
        }

        MappingReader m = root.Mapping("supplyMeter", required: false, SupplyMeterKeys);
        string? serial = m.String("serial", required: true);
        if (serial is not null && !serial.StartsWith("/dev/", StringComparison.Ordinal))
        {
            _problems.Add(m.LineOf("serial"), $"{m.Name("serial")}: '{serial}' is not a serial device path (e.g. /dev/ttyUSB0, an RS-485 adapter)");
            serial = null;
        }

        if (serial is not null && _serialAddressClaims.FirstOrDefault(c => c.Key.Serial == serial) is { } bl0942)
        {
            _problems.Add(m.LineOf("serial"), $"{m.Name("serial")}: {serial} is the BL0942 UART of the {bl0942.Owner} (line {bl0942.Line}); the supply meter needs its own RS-485 line");
            serial = null;
        }

        string? mapId = m.Choice("map", required: true, [.. SupplyMeterMap.All.Select(map => map.Id)]);
        SupplyMeterMap? map = mapId is not null && SupplyMeterMap.TryGet(mapId, out SupplyMeterMap? found) ? found : null;
        int? unit = m.Int("unit", required: false, 1, 247, "(the meter's Modbus address)");
        int? baud = m.Int("baud", required: false, 1200, 38400, "baud");
        if (baud is { } b && !SupplyMeterBauds.Contains(b))
        {
            _problems.Add(m.LineOf("baud"), $"{m.Name("baud")}: {b} is not a meter line speed; use one of {string.Join(", ", SupplyMeterBauds)}");
            baud = null;
        }

        string? parity = m.Choice("parity", required: false, "none", "even", "odd");
        TimeSpan poll = m.Duration("pollPeriodMs", required: false, 200, 60_000) ?? TimeSpan.FromSeconds(2);
        TimeSpan timeout = m.Duration("responseTimeoutMs", required: false, 20, 5000) ?? TimeSpan.FromMilliseconds(500);
        int retries = m.Int("retries", required: false, 0, 5) ?? 2;
        var defaults = new SupplyRuleSettings();
        var rules = new SupplyRuleSettings
        {
            UnmeteredToleranceW = m.Number("unmeteredToleranceW", required: false, 0, 100_000, "W") ?? defaults.UnmeteredToleranceW,
            UnmeteredTolerancePercent = m.Number("unmeteredTolerancePercent", required: false, 0, 100, "%") ?? defaults.UnmeteredTolerancePercent,
            UnmeteredDebounce = m.Duration("unmeteredDebounceSeconds", required: false, 0, 3600) ?? defaults.UnmeteredDebounce,
            ShedOverloadOnSupply = m.Bool("shedOverloadOnSupply") ?? defaults.ShedOverloadOnSupply,

            // A reading is used for five poll periods and a failing poll's timeouts; after that the meter is faulted.
            FreshFor = (5 * poll) + ((retries + 1) * timeout),
        };

        if (timeout * (retries + 1) >= poll)
        {
            _problems.Add(m.LineOf("responseTimeoutMs"), $"{m.Name("responseTimeoutMs")}: {timeout.TotalMilliseconds:0} ms × {retries + 1} attempts does not fit in pollPeriodMs ({poll.TotalMilliseconds:0} ms)");
        }

        if (serial is null || map is null)
        {
            return (null, rules);
        }

        Parity lineParity = parity switch
        {
            "even" => Parity.Even,
            "odd" => Parity.Odd,
            "none" => Parity.None,
            _ => map.DefaultParity,
        };
        return (new SupplyMeterDefinition(serial, baud ?? map.DefaultBaud, lineParity, unit ?? 1, map.Id, poll, timeout, retries, m.Line), rules);
    }
}
