using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// The request and answer bodies of the chat platforms and the generic webhook. Every name is spelled out with
/// <see cref="JsonPropertyNameAttribute"/> because the platforms disagree (<c>msgtype</c>, <c>msg_type</c>, <c>StatusCode</c>).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WeComMarkdownMessage))]
[JsonSerializable(typeof(DingTalkMarkdownMessage))]
[JsonSerializable(typeof(FeishuTextMessage))]
[JsonSerializable(typeof(WebhookNotice))]
[JsonSerializable(typeof(PlatformReply))]
[JsonSerializable(typeof(AssignmentNotice))]
internal sealed partial class NotificationJson : JsonSerializerContext
{
    /// <summary>
    /// Chinese text written as UTF-8, not <c>\uXXXX</c> escapes: a third of the bytes, which matters against the
    /// platforms' size limits, and readable in a receiver's log. HTML-sensitive characters are still escaped.
    /// </summary>
    public static NotificationJson Readable { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    });
}

/// <summary>WeCom group robot, markdown message.</summary>
internal sealed record WeComMarkdownMessage(
    [property: JsonPropertyName("msgtype")] string MsgType,
    [property: JsonPropertyName("markdown")] WeComMarkdown Markdown);

internal sealed record WeComMarkdown([property: JsonPropertyName("content")] string Content);

/// <summary>DingTalk custom robot, markdown message: the title shows in the conversation list, the text in the group.</summary>
internal sealed record DingTalkMarkdownMessage(
    [property: JsonPropertyName("msgtype")] string MsgType,
    [property: JsonPropertyName("markdown")] DingTalkMarkdown Markdown);

internal sealed record DingTalkMarkdown(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("text")] string Text);

/// <summary>Feishu/Lark custom bot, text message; <c>timestamp</c> and <c>sign</c> only when the bot has a signature secret.</summary>
internal sealed record FeishuTextMessage(
    [property: JsonPropertyName("msg_type")] string MsgType,
    [property: JsonPropertyName("content")] FeishuText Content,
    [property: JsonPropertyName("timestamp")] string? Timestamp,
    [property: JsonPropertyName("sign")] string? Sign);

internal sealed record FeishuText([property: JsonPropertyName("text")] string Text);

/// <summary>
/// The generic webhook's body; <see cref="Alarm"/> is the contract v1 alarm message as it arrived, or, for an
/// incident's assignment, <see cref="Assignment"/> the <see cref="AssignmentNotice"/> (never both).
/// </summary>
internal sealed record WebhookNotice(
    [property: JsonPropertyName("notice")] string Notice,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("alarm")] JsonElement? Alarm,
    [property: JsonPropertyName("assignment")] JsonElement? Assignment = null);

/// <summary>
/// The answer of WeCom and DingTalk (<c>errcode</c>/<c>errmsg</c>), Feishu (<c>code</c>/<c>msg</c>) and older Feishu
/// (<c>StatusCode</c>/<c>StatusMessage</c>); one type reads all three.
/// </summary>
internal sealed class PlatformReply
{
    [JsonPropertyName("errcode")]
    public long? ErrCode { get; init; }

    [JsonPropertyName("errmsg")]
    public string? ErrMsg { get; init; }

    [JsonPropertyName("code")]
    public long? Code { get; init; }

    [JsonPropertyName("msg")]
    public string? Msg { get; init; }

    [JsonPropertyName("StatusCode")]
    public long? StatusCode { get; init; }

    [JsonPropertyName("StatusMessage")]
    public string? StatusMessage { get; init; }
}
