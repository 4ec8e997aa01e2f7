using System.Text.RegularExpressions;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.WebConsole;
using EdgeGateway.Hub.WebConsole.Dashboard;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>The 详情 line of a notice renders the alarm's reason code in the reader's language.</summary>
public sealed partial class ReasonNoticeTests
{
    private static readonly AlarmMessage Overload = Alarms.Raised(
        kind: "port_overload", severity: Contracts.Alarms.AlarmSeverity.Major, value: 2612.4, threshold: 2400,
        detail: "2612 W above the 2400 W limit for 2000 ms") with { Reason = ReasonCatalogue.PowerOverLimit(2612.4, 2400, 2000) };

    [Fact]
    public void A_Chinese_overload_notice_has_no_English_words_besides_units_and_ids()
    {
        string text = AlarmNoticeText.Compose(Overload, NoticeKind.Raised, DisplayText.Chinese, NotificationRig.Start).ToPlainText();

        Assert.Contains("详情：功率 2612 W 超过上限 2400 W，持续 2000 ms", text, StringComparison.Ordinal);
        string withoutIds = text.Replace(Overload.Site, "", StringComparison.Ordinal).Replace(Overload.Gateway, "", StringComparison.Ordinal)
            .Replace(Overload.AlarmId, "", StringComparison.Ordinal).Replace("p03", "", StringComparison.Ordinal);
        string[] words = [.. AsciiWord().Matches(withoutIds).Select(m => m.Value).Distinct()];
        Assert.All(words, word => Assert.Contains(word, new[] { "W", "ms", "UTC" }));
    }

    [Fact]
    public void An_English_notice_says_the_same_in_English_and_an_unknown_code_keeps_the_gateways_detail()
    {
        AlarmNotice english = AlarmNoticeText.Compose(Overload, NoticeKind.Raised, DisplayText.English, NotificationRig.Start);
        AlarmNotice newer = AlarmNoticeText.Compose(Overload with { Reason = new ContractReason { Code = "a_newer_code" } }, NoticeKind.Raised, DisplayText.Chinese, NotificationRig.Start);

        Assert.Contains(new NoticeField("Detail", "2612 W above the 2400 W limit for 2000 ms"), english.Fields);
        Assert.Contains(new NoticeField("详情", "2612 W above the 2400 W limit for 2000 ms"), newer.Fields);
    }

    [Fact]
    public void A_cleared_notice_gives_the_clear_reason_in_the_reader_s_language_and_the_gateway_s_English_without_a_code()
    {
        AlarmMessage reset = Alarms.Cleared(Overload, NotificationRig.Start.AddMinutes(5), "reset by li: charger replaced") with { ClearCode = ReasonCatalogue.ResetBy("li", "charger replaced") };

        AlarmNotice zh = AlarmNoticeText.Compose(reset, NoticeKind.Cleared, DisplayText.Chinese, NotificationRig.Start);
        AlarmNotice en = AlarmNoticeText.Compose(reset, NoticeKind.Cleared, DisplayText.English, NotificationRig.Start);
        AlarmNotice older = AlarmNoticeText.Compose(reset with { ClearCode = null }, NoticeKind.Cleared, DisplayText.Chinese, NotificationRig.Start);

        Assert.Contains(new NoticeField("解除原因", "由 li 复位：charger replaced"), zh.Fields);
        Assert.Contains(new NoticeField("Clear reason", "reset by li: charger replaced"), en.Fields);
        Assert.Contains(new NoticeField("解除原因", "reset by li: charger replaced"), older.Fields);
    }

    [Fact]
    public void The_live_board_gives_a_port_s_and_a_bin_s_fault_in_both_languages_from_its_code()
    {
        var board = new LiveDashboard(new DashboardStream(), TimeProvider.System);
        const string Spi = "adc1 ch0: spi timeout";
        var state = new PortStateMessage
        {
            Seq = 7, Ts = NotificationRig.Start, Site = "dongguan", Gateway = "shed-1", Port = "P01", State = Contracts.Ports.PortState.Fault, PreviousState = null,
            Reason = Spi, Fault = Spi, Lockout = null, FaultCode = ReasonCatalogue.MeterFault(Spi),
        };
        Assert.True(board.Apply(Topic("ports/P01/state"), ContractJson.Serialize(state)));
        Assert.True(board.Apply(Topic("ports/P02/state"), ContractJson.Serialize(state with { Seq = 8, Port = "P02", FaultCode = null })));

        PortView coded = board.FindPort("dongguan", "shed-1", "P01")!;
        Assert.Equal(Spi, coded.Fault);
        Assert.Equal("电表故障：" + Spi, coded.FaultText!["zh-CN"]);
        Assert.Equal(Spi, coded.FaultText["en"]);
        Assert.Null(board.FindPort("dongguan", "shed-1", "P02")!.FaultText);
    }

    private static ContractTopic Topic(string rest) =>
        ContractTopics.TryParse($"edge/v1/dongguan/shed-1/{rest}", out ContractTopic topic) ? topic : throw new InvalidOperationException();

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex AsciiWord();
}
