using EdgeGateway.Contracts.Alarms;

namespace EdgeGateway.Configuration;

// `alarmFlapping`: when an alarm that comes and goes is held as one flapping alarm, site-wide and per alarm kind.
internal sealed partial class SiteFileReader
{
    private static readonly string[] AlarmFlapPolicyKeys = ["maxCycles", "windowMinutes", "holdMinutes"];
    private static readonly string[] AlarmFlappingKeys = [.. AlarmFlapPolicyKeys, "kinds"];

    private static AlarmFlapSettings ReadAlarmFlapping(MappingReader root)
    {
        MappingReader m = root.Mapping("alarmFlapping", required: false, AlarmFlappingKeys);
        AlarmFlapPolicy site = ReadAlarmFlapPolicy(m, AlarmFlapPolicy.Default);
        string[] wireNames = [.. Enum.GetValues<AlarmKind>().Select(kind => kind.WireName())];
        MappingReader kinds = m.Mapping("kinds", required: false, wireNames);
        var overrides = new Dictionary<AlarmKind, AlarmFlapPolicy>();
        foreach (AlarmKind kind in Enum.GetValues<AlarmKind>().Where(kind => kinds.Has(kind.WireName())))
        {
            // A kind's keys it does not set come from the site-wide policy.
            overrides[kind] = ReadAlarmFlapPolicy(kinds.Mapping(kind.WireName(), required: false, AlarmFlapPolicyKeys), site);
        }

        return new AlarmFlapSettings { Default = site, Kinds = overrides };
    }

    private static AlarmFlapPolicy ReadAlarmFlapPolicy(MappingReader m, AlarmFlapPolicy defaults) => new(
        m.Int("maxCycles", required: false, 1, 1000, "raises and clears") ?? defaults.MaxCycles,
        m.Duration("windowMinutes", required: false, 1, 1440) ?? defaults.Window,
        m.Duration("holdMinutes", required: false, 0, 1440) ?? defaults.Hold);
}
