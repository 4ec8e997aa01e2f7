namespace EdgeGateway.Hub.Incidents;

/// <summary>What incidents say to people, in Chinese (the default) or English.</summary>
internal static class IncidentText
{
    /// <summary>Why a transition was refused, as a sentence for the refused person.</summary>
    public static string Refusal(IncidentRefusal refusal, bool chinese)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        string state = State(refusal.State, chinese);
        string transition = Transition(refusal.Transition, chinese);
        string subject = refusal.Subject ?? "";
        return (refusal.Code, chinese) switch
        {
            (IncidentRefusalCode.WrongState, true) => $"无法{transition}:事件当前为“{state}”({Expected(refusal.Transition, true)})",
            (IncidentRefusalCode.WrongState, false) => $"cannot {transition}: the incident is {state} ({Expected(refusal.Transition, false)})",
            (IncidentRefusalCode.UnknownAssignee, true) => $"无法指派:没有用户“{subject}”",
            (IncidentRefusalCode.UnknownAssignee, false) => $"cannot assign: there is no user '{subject}'",
            (IncidentRefusalCode.AssigneeNotMaintenance, true) => $"无法指派:用户“{subject}”不是维修人员",
            (IncidentRefusalCode.AssigneeNotMaintenance, false) => $"cannot assign: '{subject}' is not maintenance staff",
            (IncidentRefusalCode.AssigneeOfAnotherCompany, true) => $"无法指派:用户“{subject}”不属于运营该充电棚的物业企业",
            (IncidentRefusalCode.AssigneeOfAnotherCompany, false) => $"cannot assign: '{subject}' does not belong to the company that runs this shed",
            (IncidentRefusalCode.NotTheAssignee, true) => $"无法{transition}:事件已指派给“{subject}”",
            (IncidentRefusalCode.NotTheAssignee, false) => $"cannot {transition}: the incident is assigned to '{subject}'",
            (IncidentRefusalCode.UnknownResolution, true) => $"未知的处理结果“{subject}”;可用:{string.Join("、", IncidentWire.Resolutions)}",
            (IncidentRefusalCode.UnknownResolution, false) => $"unknown resolution '{subject}'; use {string.Join(", ", IncidentWire.Resolutions)}",
            (IncidentRefusalCode.CommentRequired, true) => "处理结果为“其他”时请在备注中说明做了什么",
            (IncidentRefusalCode.CommentRequired, false) => "with resolution 'other', say in the comment what was done",
            (IncidentRefusalCode.CommentTooLong, true) => $"备注最多 {IncidentLifecycle.MaxCommentLength} 个字符",
            (_, _) => $"the comment is longer than {IncidentLifecycle.MaxCommentLength} characters",
        };
    }

    public static string State(IncidentState state, bool chinese) => (state, chinese) switch
    {
        (IncidentState.Opened, true) => "待确认",
        (IncidentState.Acknowledged, true) => "已确认",
        (IncidentState.Assigned, true) => "已指派",
        (IncidentState.OnSite, true) => "处理中",
        (IncidentState.Resolved, true) => "已处理",
        (IncidentState.Closed, true) => "已关闭",
        (IncidentState.OnSite, false) => "on site",
        _ => IncidentWire.Name(state),
    };

    public static string Resolution(IncidentResolution resolution, bool chinese) => (resolution, chinese) switch
    {
        (IncidentResolution.ResetPort, true) => "复位端口",
        (IncidentResolution.ReplacedCharger, true) => "更换充电器",
        (IncidentResolution.RemovedHeater, true) => "移除违规电器",
        (IncidentResolution.ClearedBin, true) => "清理垃圾桶",
        (IncidentResolution.Other, true) => "其他",
        (IncidentResolution.ResetPort, false) => "reset the port",
        (IncidentResolution.ReplacedCharger, false) => "replaced the charger",
        (IncidentResolution.RemovedHeater, false) => "removed the heater",
        (IncidentResolution.ClearedBin, false) => "cleared the bin",
        _ => "other",
    };

    private static string Transition(string transition, bool chinese) => (transition, chinese) switch
    {
        (IncidentLifecycle.Acknowledge, true) => "确认",
        (IncidentLifecycle.Assign, true) => "指派",
        (IncidentLifecycle.ArriveOnSite, true) => "标记到场",
        (IncidentLifecycle.Resolve, true) => "登记处理结果",
        (IncidentLifecycle.Close, true) => "关闭",
        (IncidentLifecycle.Acknowledge, false) => "acknowledge",
        (IncidentLifecycle.Assign, false) => "assign",
        (IncidentLifecycle.ArriveOnSite, false) => "mark on site",
        (IncidentLifecycle.Resolve, false) => "resolve",
        _ => "close",
    };

    private static string Expected(string transition, bool chinese) => (transition, chinese) switch
    {
        (IncidentLifecycle.Acknowledge, true) => "只能确认待确认的事件",
        (IncidentLifecycle.Assign, true) => "请先确认;已处理或已关闭的事件不能再指派",
        (IncidentLifecycle.ArriveOnSite, true) => "只能在指派之后",
        (IncidentLifecycle.Resolve, true) => "只能在指派或到场之后",
        (IncidentLifecycle.Close, true) => "请先登记处理结果",
        (IncidentLifecycle.Acknowledge, false) => "only an opened incident is acknowledged",
        (IncidentLifecycle.Assign, false) => "acknowledge it first; a resolved or closed incident is not reassigned",
        (IncidentLifecycle.ArriveOnSite, false) => "only once it is assigned",
        (IncidentLifecycle.Resolve, false) => "only once it is assigned or on site",
        _ => "record the resolution first",
    };
}
