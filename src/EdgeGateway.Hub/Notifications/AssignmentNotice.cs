using System.Globalization;
using System.Text.Json.Serialization;

namespace EdgeGateway.Hub.Notifications;

/// <summary>
/// What the notice of an incident's assignment says (<see cref="NoticeKind.Assigned"/>), kept whole in the notification
/// ledger as the job's JSON body, so that each channel renders it in its own language when it sends
/// (<see cref="AlarmNoticeText.ComposeAssignment"/>), also after a restart, with the names as they were at the assignment.
/// </summary>
/// <remarks><see cref="Step"/> is the assignment's step number in the incident (0-based): a reassignment is another notice.</remarks>
internal sealed record AssignmentNotice(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("gateway")] string Gateway,
    [property: JsonPropertyName("alarm_id")] string AlarmId,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("site_name")] string? SiteName,
    [property: JsonPropertyName("site_name_en")] string? SiteNameEn,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("assignee")] string Assignee,
    [property: JsonPropertyName("assignee_name")] string AssigneeName,
    [property: JsonPropertyName("assigned_by")] string AssignedBy,
    [property: JsonPropertyName("assigned_by_name")] string AssignedByName,
    [property: JsonPropertyName("assigned_at")] DateTimeOffset AssignedAt,
    [property: JsonPropertyName("comment")] string? Comment)
{
    /// <summary>
    /// The ledger's key of this notice (its jobs' <c>alarm_id</c>, and the webhook's idempotency key): the incident's
    /// alarm id and the step. A <c>/</c> never occurs in a contract id, so it cannot meet an alarm's own key.
    /// </summary>
    [JsonIgnore]
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{AlarmId}/assigned/{Step}");
}
