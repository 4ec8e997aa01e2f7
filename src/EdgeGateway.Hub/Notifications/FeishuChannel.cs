using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Localization;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// Feishu (飞书) / Lark custom bot: <c>POST …/open-apis/bot/v2/hook/ID</c> with
/// <c>{"msg_type":"text","content":{"text":"…"}}</c>; delivered when the answer's <c>code</c> is 0 (older
/// deployments answer <c>StatusCode</c> 0 instead).
/// </summary>
/// <remarks>
/// <para>With signature verification (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot) the body also carries
/// <c>timestamp</c> (Unix seconds, as a string, within an hour of Feishu's clock) and
/// <c>sign</c> = Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)). Note the key/message order is
/// the reverse of DingTalk's.</para>
/// <para>The request body may be at most 20 KB; a bot may post 100 times a minute and 5 times a second.
/// Plain text rather than rich text ("post") so every Feishu and Lark client shows it the same way.</para>
/// </remarks>
internal sealed class FeishuChannel(string name, Uri url, string? secret, DisplayText text) : NotificationChannel(name, url, secret, text)
{
    /// <summary>Under the documented 20 KB body limit, with room for the JSON around the text.</summary>
    public const int MaxTextBytes = 16 * 1024;

    public override NotificationChannelType Type => NotificationChannelType.Feishu;

    /// <summary>Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = no bytes)).</summary>
    public static string Sign(long timestampSeconds, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        string key = string.Create(CultureInfo.InvariantCulture, $"{timestampSeconds}\n{secret}");
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Array.Empty<byte>()));
    }

    protected override HttpRequestMessage CreateRequest(OutgoingNotice notice, DateTimeOffset now)
    {
        string text = AlarmNoticeText.TruncateUtf8(notice.Text.ToPlainText(), MaxTextBytes);
        string? timestamp = null;
        string? sign = null;
        if (Secret is not null)
        {
            long seconds = now.ToUnixTimeSeconds();
            timestamp = seconds.ToString(CultureInfo.InvariantCulture);
            sign = Sign(seconds, Secret);
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new FeishuTextMessage("text", new FeishuText(text), timestamp, sign), NotificationJson.Readable.FeishuTextMessage);
        return Post(Url, body);
    }

    protected override DeliveryResult ReadAnswer(string answer) => ParseReply(answer) switch
    {
        { Code: 0 } => DeliveryResult.Success,
        { Code: long code } reply => PlatformError("code", code, reply.Msg),
        { StatusCode: 0 } => DeliveryResult.Success,
        { StatusCode: long status } reply => PlatformError("StatusCode", status, reply.StatusMessage),
        _ => Unreadable(answer),
    };
}
