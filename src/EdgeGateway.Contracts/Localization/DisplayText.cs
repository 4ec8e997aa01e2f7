using System.Globalization;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Localization;

/// <summary>
/// User-facing names for alarm kinds, severities and port states. Chinese (zh-CN) is the default:
/// property managers, maintenance staff and city-management staff read Chinese; English is selectable.
/// </summary>
public sealed class DisplayText
{
    public static readonly DisplayText Chinese = new(true);
    public static readonly DisplayText English = new(false);

    private readonly bool _chinese;

    private DisplayText(bool chinese) => _chinese = chinese;

    public CultureInfo Culture => _chinese ? CultureInfo.GetCultureInfo("zh-CN") : CultureInfo.GetCultureInfo("en");

    /// <summary>zh-CN (or zh, zh-Hans) gives Chinese; en gives English; anything else is refused.</summary>
    public static bool TryFor(string language, out DisplayText text)
    {
        if (language.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
        {
            text = Chinese;
            return true;
        }

        if (language.StartsWith("en", StringComparison.OrdinalIgnoreCase))
        {
            text = English;
            return true;
        }

        text = Chinese;
        return false;
    }

    public string Alarm(AlarmKind kind) => kind switch
    {
        AlarmKind.PortOverload => _chinese ? "端口过载" : "Port overload",
        AlarmKind.PortShortCircuit => _chinese ? "端口短路" : "Port short circuit",
        AlarmKind.ShedOverload => _chinese ? "车棚总功率超限" : "Shed overload",
        AlarmKind.PortMaliciousLoad => _chinese ? "恶意负载" : "Malicious load",
        AlarmKind.PortMaxDuration => _chinese ? "充电超时" : "Maximum session length",
        AlarmKind.PortNoLoad => _chinese ? "空载/充电器拔出" : "No load / charger pulled out",
        AlarmKind.PortSensorFault => _chinese ? "端口计量故障" : "Port meter fault",
        AlarmKind.RelayFault => _chinese ? "继电器故障" : "Relay fault",
        AlarmKind.OverTemperature => _chinese ? "柜内温度过高" : "Over-temperature",
        AlarmKind.Smoke => _chinese ? "烟雾报警" : "Smoke",
        AlarmKind.ShedSensorFault => _chinese ? "车棚传感器故障" : "Shed sensor fault",
        AlarmKind.UnmeteredLoad => _chinese ? "未计量用电" : "Unmetered load",
        AlarmKind.BinNearlyFull => _chinese ? "垃圾桶将满" : "Bin nearly full",
        AlarmKind.BinOverflow => _chinese ? "垃圾桶满溢" : "Bin overflow",
        AlarmKind.BinFire => _chinese ? "垃圾桶起火" : "Bin fire",
        AlarmKind.BinLidOpen => _chinese ? "桶盖未关" : "Bin lid open",
        AlarmKind.BinTamper => _chinese ? "垃圾桶倾倒/移动" : "Bin tipped or moved",
        AlarmKind.BinSensorFault => _chinese ? "垃圾桶传感器故障" : "Bin sensor fault",
        _ => kind.ToString(),
    };

    public string Severity(AlarmSeverity severity) => severity switch
    {
        AlarmSeverity.Critical => _chinese ? "紧急" : "Critical",
        AlarmSeverity.Major => _chinese ? "重要" : "Major",
        AlarmSeverity.Warning => _chinese ? "警告" : "Warning",
        _ => _chinese ? "提示" : "Info",
    };

    public string State(PortState state) => state switch
    {
        PortState.Idle => _chinese ? "空闲" : "Idle",
        PortState.Charging => _chinese ? "充电中" : "Charging",
        PortState.Complete => _chinese ? "已充满" : "Complete",
        PortState.Fault => _chinese ? "故障" : "Fault",
        PortState.Disabled => _chinese ? "已停用" : "Disabled",
        _ => state.ToString(),
    };

    /// <summary>Why a session ended, as the console's session history says it.</summary>
    public string EndReason(SessionEndReason reason) => reason switch
    {
        SessionEndReason.Complete => _chinese ? "充满自停" : "Battery full",
        SessionEndReason.NoLoad => _chinese ? "空载" : "No load",
        SessionEndReason.MaxDuration => _chinese ? "充电超时" : "Maximum length",
        SessionEndReason.Overload => _chinese ? "过载" : "Overload",
        SessionEndReason.ShortCircuit => _chinese ? "短路" : "Short circuit",
        SessionEndReason.MaliciousLoad => _chinese ? "恶意负载" : "Malicious load",
        SessionEndReason.ShedOverload => _chinese ? "车棚总功率超限" : "Shed overload",
        SessionEndReason.OverTemperature => _chinese ? "温度过高" : "Over-temperature",
        SessionEndReason.Smoke => _chinese ? "烟雾" : "Smoke",
        SessionEndReason.SensorFault => _chinese ? "计量故障" : "Meter fault",
        SessionEndReason.RelayFault => _chinese ? "继电器故障" : "Relay fault",
        SessionEndReason.StoppedByUser => _chinese ? "用户停止" : "Stopped by user",
        SessionEndReason.DisabledByOperator => _chinese ? "运维停用" : "Disabled by operator",
        SessionEndReason.Shutdown => _chinese ? "网关关机" : "Gateway shut down",
        SessionEndReason.PowerLoss => _chinese ? "断电未续充" : "Power lost, not resumed",
        SessionEndReason.LimitReached => _chinese ? "达到充电限额" : "Limit reached",
        SessionEndReason.UserStop => _chinese ? "用户结束充电" : "Ended by user",
        _ => reason.ToString(),
    };

    public string Port => _chinese ? "端口" : "Port";

    public string StateHeading => _chinese ? "状态" : "State";

    public string Power => _chinese ? "功率 W" : "Power W";

    public string Energy => _chinese ? "电量 Wh" : "Energy Wh";

    public string SessionTime => _chinese ? "充电时长" : "Session";

    public string PowerFactor => _chinese ? "功率因数" : "PF";

    public string Note => _chinese ? "备注" : "Note";

    /// <summary>
    /// Who pays for a charge, for the live table's note: the card (刷卡) or the platform's order (扫码), and its cost so
    /// far in 元; empty for a charge started without either (a console start, a demo).
    /// </summary>
    public string PaidBy(string? card, string? orderId, long? costFen)
    {
        string who = card is not null ? (_chinese ? $"刷卡 {card}" : $"card {card}")
            : orderId is not null ? (_chinese ? $"订单 {orderId}" : $"order {orderId}")
            : "";
        return who.Length == 0 || costFen is not { } fen ? who : string.Create(CultureInfo.InvariantCulture, $"{who} · ¥{fen / 100.0:0.00}");
    }

    public string RecentAlarms => _chinese ? "最近报警" : "Recent alarms";

    public string ShedTotal => _chinese ? "车棚总功率" : "Shed total";

    public string CabinetTemperature => _chinese ? "柜内温度" : "Cabinet";

    public string Cleared => _chinese ? "已解除" : "cleared";

    /// <summary>An alarm raised and cleared too often, held raised as one (the gateway's flap policy).</summary>
    public string Flapping => _chinese ? "反复" : "flapping";

    /// <summary>The bin classes by their wire name (recyclable, kitchen, hazardous, other).</summary>
    public string BinClass(string wireName) => wireName switch
    {
        "recyclable" => _chinese ? "可回收物" : "Recyclable",
        "kitchen" => _chinese ? "厨余垃圾" : "Kitchen waste",
        "hazardous" => _chinese ? "有害垃圾" : "Hazardous waste",
        "other" => _chinese ? "其他垃圾" : "Other waste",
        _ => wireName,
    };

    public string Bin => _chinese ? "垃圾桶" : "Bin";

    public string Class => _chinese ? "分类" : "Class";

    public string Fill => _chinese ? "满溢度 %" : "Fill %";

    public string FillSpeed => _chinese ? "日均增长 %" : "%/day";

    public string ForecastFull => _chinese ? "预计满桶" : "Full in";

    public string LastCollection => _chinese ? "上次清运" : "Last collection";

    public string Weight => _chinese ? "重量 kg" : "Weight kg";

    public string Temperature => _chinese ? "温度 °C" : "Temp °C";
}
