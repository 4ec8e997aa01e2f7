using EdgeGateway.Contracts.Localization;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Tests;

public sealed class EndReasonTextTests
{
    [Fact]
    public void Every_end_reason_has_its_own_text_in_both_languages()
    {
        foreach (DisplayText text in new[] { DisplayText.Chinese, DisplayText.English })
        {
            string[] names = [.. Enum.GetValues<SessionEndReason>().Select(text.EndReason)];
            Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        }

        // A reason without a case falls back to its C# name, which is ASCII: every Chinese text has a Chinese character.
        Assert.All(Enum.GetValues<SessionEndReason>(), reason => Assert.Contains(DisplayText.Chinese.EndReason(reason), c => c > 0x2E80));

        Assert.Equal(("断电未续充", "Power lost, not resumed"), (DisplayText.Chinese.EndReason(SessionEndReason.PowerLoss), DisplayText.English.EndReason(SessionEndReason.PowerLoss)));
    }
}
