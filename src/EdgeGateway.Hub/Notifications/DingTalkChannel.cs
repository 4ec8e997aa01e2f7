using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Localization;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// DingTalk (钉钉) custom robot: <c>POST …/robot/send?access_token=TOKEN</c> with
/// <c>{"msgtype":"markdown","markdown":{"title":"…","text":"…"}}</c>; delivered when the answer's <c>errcode</c> is 0.
/// </summary>
/// <remarks>
/// <para>With the 加签 (signed request) security setting (open.dingtalk.com/document/orgapp/customize-robot-security-settings)
/// the URL also carries <c>timestamp</c> (Unix milliseconds, within an hour of DingTalk's clock) and
/// <c>sign</c> = URL-encoded Base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)), UTF-8 throughout.</para>
/// <para>A robot may send 20 messages a minute; beyond that DingTalk throttles it for 10 minutes (errcode 410100),
/// which the backoff rides out. With the keyword security setting, configure a word every notice contains
/// (报警 in Chinese, Alarm in English).</para>
/// </remarks>
internal sealed class DingTalkChannel(string name, Uri url, string? secret, DisplayText text) : NotificationChannel(name, url, secret, text)
{
    /// <summary>DingTalk states no markdown limit; notices are a few hundred bytes, so this only guards against a runaway detail.</summary>
    public const int MaxTextBytes = 4096;

    public override NotificationChannelType Type => NotificationChannelType.DingTalk;

    /// <summary>Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), before URL encoding.</summary>
    public static string Sign(long timestampMilliseconds, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        string stringToSign = string.Create(CultureInfo.InvariantCulture, $"{timestampMilliseconds}\n{secret}");
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign)));
    }

    protected override HttpRequestMessage CreateRequest(OutgoingNotice notice, DateTimeOffset now)
    {
        // Markdown paragraphs: DingTalk's renderer does not break lines on a single newline.
        string markdown = AlarmNoticeText.TruncateUtf8(notice.Text.ToMarkdown("#### ", "\n\n"), MaxTextBytes);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new DingTalkMarkdownMessage("markdown", new DingTalkMarkdown(notice.Text.Title, markdown)), NotificationJson.Readable.DingTalkMarkdownMessage);
        return Post(Secret is null ? Url : Signed(now), body);
    }

    protected override DeliveryResult ReadAnswer(string answer) => ParseReply(answer) switch
    {
        { ErrCode: 0 } => DeliveryResult.Success,
        { ErrCode: long code } reply => PlatformError("errcode", code, reply.ErrMsg),
        _ => Unreadable(answer),
    };

    private Uri Signed(DateTimeOffset now)
    {
        long timestamp = now.ToUnixTimeMilliseconds();
        string sign = Uri.EscapeDataString(Sign(timestamp, Secret!));
        string separator = string.IsNullOrEmpty(Url.Query) ? "?" : "&";
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{Url.AbsoluteUri}{separator}timestamp={timestamp}&sign={sign}"));
    }
}
