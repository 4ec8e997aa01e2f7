using System.Text.Json;
using EdgeGateway.Contracts.Localization;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// WeCom (企业微信) group robot: <c>POST …/cgi-bin/webhook/send?key=KEY</c> with
/// <c>{"msgtype":"markdown","markdown":{"content":"…"}}</c>; delivered when the answer's <c>errcode</c> is 0.
/// </summary>
/// <remarks>
/// Per the group robot documentation (developer.work.weixin.qq.com/document/path/91770): markdown content is at most
/// 4096 bytes of UTF-8, and a robot may send 20 messages a minute (errcode 45009 beyond; the backoff absorbs it).
/// Group robots have no request signing: the key in the URL is the only credential.
/// </remarks>
internal sealed class WeComChannel(string name, Uri url, DisplayText text) : NotificationChannel(name, url, null, text)
{
    /// <summary>The documented limit of <c>markdown.content</c>, in UTF-8 bytes.</summary>
    public const int MaxContentBytes = 4096;

    public override NotificationChannelType Type => NotificationChannelType.WeCom;

    protected override HttpRequestMessage CreateRequest(OutgoingNotice notice, DateTimeOffset now)
    {
        string content = AlarmNoticeText.TruncateUtf8(notice.Text.ToMarkdown(string.Empty, "\n"), MaxContentBytes);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(
            new WeComMarkdownMessage("markdown", new WeComMarkdown(content)), NotificationJson.Readable.WeComMarkdownMessage);
        return Post(Url, body);
    }

    protected override DeliveryResult ReadAnswer(string answer) => ParseReply(answer) switch
    {
        { ErrCode: 0 } => DeliveryResult.Success,
        { ErrCode: long code } reply => PlatformError("errcode", code, reply.ErrMsg),
        _ => Unreadable(answer),
    };
}
