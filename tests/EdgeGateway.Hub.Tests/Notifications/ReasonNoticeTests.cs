using System.Text.RegularExpressions;
using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Hub.Notifications;

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

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex AsciiWord();
}
