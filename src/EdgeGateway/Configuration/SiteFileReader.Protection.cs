namespace EdgeGateway.Configuration;

// The protection thresholds: `protection.port` and `protection.shed`, and the keys a port overrides under its own
// `protection:`.
internal sealed partial class SiteFileReader
{
    private static readonly string[] ProtectionKeys = ["port", "shed"];
    private static readonly string[] ShedProtectionKeys = ["maxPowerW", "overloadDebounceMs", "overTemperatureC", "temperatureHysteresisC", "alarmClearSeconds", "resumeAfterRestart", "resumeAfterRestartMinutes", "resumeAfterOverTemperature", "resumeAfterSmoke", "resumeAfterShedAlarmMinutes"];

    /// <summary>The keys of <c>protection.port</c>, which are also the keys of a port's own <c>protection:</c> overrides.</summary>
    internal static readonly string[] PortProtectionKeys =
    [
        "maxPowerW", "overloadDebounceMs", "shortCircuitPeakA", "completeFloorW", "completeHoldMinutes", "noLoadW",
        "noLoadTimeoutSeconds", "cutoffConfirmSeconds", "maxSessionHours", "maliciousMinPowerFactor", "maliciousMinPowerW",
        "maliciousMaxVariationPct", "maliciousWindowSeconds", "maliciousMaxShapeResidualPct", "relayFaultCurrentA", "sensorFaultReads", "stuckReadings",
    ];

    private (PortProtectionSettings Port, ShedProtectionSettings Shed) ReadProtection(MappingReader root, out int? shortCircuitLine)
    {
        MappingReader m = root.Mapping("protection", required: false, ProtectionKeys);
        MappingReader p = m.Mapping("port", required: false, PortProtectionKeys);
        PortProtectionSettings port = ReadPortProtection(p, new PortProtectionSettings());
        shortCircuitLine = p.Has("shortCircuitPeakA") ? p.LineOf("shortCircuitPeakA") : null;

        MappingReader s = m.Mapping("shed", required: false, ShedProtectionKeys);
        var defaults = new ShedProtectionSettings();
        var shed = new ShedProtectionSettings
        {
            MaxPowerW = s.Number("maxPowerW", required: false, 500, 50_000, "W") ?? defaults.MaxPowerW,
            OverloadDebounce = s.Duration("overloadDebounceMs", required: false, 0, 30_000) ?? defaults.OverloadDebounce,
            OverTemperatureC = s.Number("overTemperatureC", required: false, 30, 100, "°C") ?? defaults.OverTemperatureC,
            TemperatureHysteresisC = s.Number("temperatureHysteresisC", required: false, 1, 20, "°C") ?? defaults.TemperatureHysteresisC,
            AlarmClearAfter = s.Duration("alarmClearSeconds", required: false, 0, 3600) ?? defaults.AlarmClearAfter,
            ResumeAfterRestart = s.Bool("resumeAfterRestart") ?? defaults.ResumeAfterRestart,
            ResumeWindow = s.Duration("resumeAfterRestartMinutes", required: false, 0, 1440) ?? defaults.ResumeWindow,
            ResumeAfterOverTemperature = s.Bool("resumeAfterOverTemperature") ?? defaults.ResumeAfterOverTemperature,
            ResumeAfterSmoke = s.Bool("resumeAfterSmoke") ?? defaults.ResumeAfterSmoke,
            ResumeAfterShedAlarmWindow = s.Duration("resumeAfterShedAlarmMinutes", required: false, 1, 1440) ?? defaults.ResumeAfterShedAlarmWindow,
        };
        return (port, shed);
    }

    /// <summary>
    /// Reads port protection keys over <paramref name="defaults"/>: the site's <c>protection.port</c> over the
    /// model's defaults, or a port's own <c>protection:</c> over the site's.
    /// </summary>
    private PortProtectionSettings ReadPortProtection(MappingReader m, PortProtectionSettings defaults)
    {
        var settings = new PortProtectionSettings
        {
            MaxPowerW = m.Number("maxPowerW", required: false, 50, 3500, "W") ?? defaults.MaxPowerW,
            OverloadDebounce = m.Duration("overloadDebounceMs", required: false, 0, 10_000) ?? defaults.OverloadDebounce,
            ShortCircuitPeakA = m.Number("shortCircuitPeakA", required: false, 5, 200, "A (peak)") ?? defaults.ShortCircuitPeakA,
            CompleteFloorW = m.Number("completeFloorW", required: false, 1, 100, "W") ?? defaults.CompleteFloorW,
            CompleteHold = m.Duration("completeHoldMinutes", required: false, 0.05, 240) ?? defaults.CompleteHold,
            NoLoadW = m.Number("noLoadW", required: false, 0, 50, "W") ?? defaults.NoLoadW,
            NoLoadTimeout = m.Duration("noLoadTimeoutSeconds", required: false, 1, 600) ?? defaults.NoLoadTimeout,
            CutoffConfirm = m.Duration("cutoffConfirmSeconds", required: false, 2, 600) ?? defaults.CutoffConfirm,
            MaxSession = m.Duration("maxSessionHours", required: false, 0.01, 24) ?? defaults.MaxSession,
            MaliciousMinPowerFactor = m.Number("maliciousMinPowerFactor", required: false, 0.8, 1.0, "") ?? defaults.MaliciousMinPowerFactor,
            MaliciousMinPowerW = m.Number("maliciousMinPowerW", required: false, 50, 3000, "W") ?? defaults.MaliciousMinPowerW,
            MaliciousMaxVariation = m.Number("maliciousMaxVariationPct", required: false, 0.5, 20, "%") / 100 ?? defaults.MaliciousMaxVariation,
            MaliciousWindow = m.Duration("maliciousWindowSeconds", required: false, 1, 120) ?? defaults.MaliciousWindow,
            MaliciousMaxShapeResidual = m.Number("maliciousMaxShapeResidualPct", required: false, 0.5, 50, "%") / 100 ?? defaults.MaliciousMaxShapeResidual,
            RelayFaultCurrentA = m.Number("relayFaultCurrentA", required: false, 0.02, 5, "A (RMS)") ?? defaults.RelayFaultCurrentA,
            SensorFaultReads = m.Int("sensorFaultReads", required: false, 1, 100, "consecutive reads") ?? defaults.SensorFaultReads,
            StuckReadings = m.Int("stuckReadings", required: false, 3, 1000, "consecutive readings") ?? defaults.StuckReadings,
        };

        if ((m.Has("noLoadW") || m.Has("completeFloorW")) && settings.NoLoadW >= settings.CompleteFloorW)
        {
            string key = m.Has("noLoadW") ? "noLoadW" : "completeFloorW";
            _problems.Add(
                m.LineOf(key),
                $"{m.Path}: noLoadW {YamlText.Format(settings.NoLoadW)} W must be below completeFloorW {YamlText.Format(settings.CompleteFloorW)} W (at or below noLoadW nothing is plugged in; below completeFloorW a charge is finishing)");
        }

        return settings;
    }
}
