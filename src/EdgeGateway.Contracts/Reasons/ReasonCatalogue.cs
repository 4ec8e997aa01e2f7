using System.Collections.Frozen;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;

namespace EdgeGateway.Contracts.Reasons;

/// <summary>
/// The catalogue of reason codes: every alarm detail and every command reply the gateway writes is made by one of these
/// methods, and <see cref="Templates"/> holds each code's zh-CN and English text. A template names parameters as
/// <c>{name}</c>, <c>{name:0.0}</c> (a number with that format), <c>{name:state}</c> (a port state), <c>{name:kind}</c>
/// (an alarm kind) or <c>{name:bin_class}</c>; the English template reproduces the <c>detail</c> / <c>message</c> text
/// that readers before reason codes show. Parameters whose value is the text of another system (a bus error, a sensor's
/// own fault text, a validation message) stay as that system wrote them.
/// </summary>
public static class ReasonCatalogue
{
    // Port protection (ShedProtection.PortRules).
    public static ContractReason InstantaneousOverCurrent(double currentA, double limitA) =>
        ContractReason.Of("instantaneous_over_current", ("current_a", currentA), ("limit_a", limitA));

    public static ContractReason PowerOverLimit(double powerW, double limitW, double forMs) =>
        ContractReason.Of("power_over_limit", ("power_w", powerW), ("limit_w", limitW), ("for_ms", forMs));

    public static ContractReason ResistiveLoad(double powerFactor, double meanW, double variationPct, double windowS) =>
        ContractReason.Of("resistive_load", ("power_factor", powerFactor), ("mean_w", meanW), ("variation_pct", variationPct), ("window_s", windowS));

    public static ContractReason ResistiveLoadByShape(double powerFactor, double shapePct, double meanW, double variationPct, double windowS) =>
        ContractReason.Of("resistive_load_shape", ("power_factor", powerFactor), ("shape_pct", shapePct), ("mean_w", meanW), ("variation_pct", variationPct), ("window_s", windowS));

    public static ContractReason SessionMaxLength(double limitH) => ContractReason.Of("session_max_length", ("limit_h", limitH));

    public static ContractReason ChargerPulledOut(double powerW, double timeoutS) =>
        ContractReason.Of("charger_pulled_out", ("power_w", powerW), ("timeout_s", timeoutS));

    public static ContractReason NoChargerDrewPower(double timeoutS) => ContractReason.Of("no_charger_drew_power", ("timeout_s", timeoutS));

    /// <summary>The meter's own fault text (bus timeout, CRC error …).</summary>
    public static ContractReason MeterFault(string fault) => ContractReason.Of("meter_fault", ("fault", fault));

    public static ContractReason NegativePower(double powerW) => ContractReason.Of("negative_power", ("power_w", powerW));

    public static ContractReason ImpossibleVoltage(double voltageV) => ContractReason.Of("impossible_voltage", ("voltage_v", voltageV));

    public static ContractReason ImpossiblePowerFactor() => ContractReason.Of("impossible_power_factor");

    public static ContractReason MeterStuck(int readings, double voltageV, double currentA) =>
        ContractReason.Of("meter_stuck", ("readings", readings), ("voltage_v", voltageV), ("current_a", currentA));

    public static ContractReason CurrentThroughOpenRelay(double currentA) => ContractReason.Of("current_through_open_relay", ("current_a", currentA));

    public static ContractReason RelayFeedbackOpen() => ContractReason.Of("relay_feedback_open");

    public static ContractReason RelayFeedbackClosed() => ContractReason.Of("relay_feedback_closed");

    public static ContractReason RelayCloseFailed(string error) => ContractReason.Of("relay_close_failed", ("error", error));

    public static ContractReason RelayOpenFailed(string error) => ContractReason.Of("relay_open_failed", ("error", error));

    public static ContractReason RelayResumeFailed(string error) => ContractReason.Of("relay_resume_failed", ("error", error));

    // Shed protection (ShedProtection.ShedRules).
    public static ContractReason ShedOverLimit(double powerW, double limitW, string ports) =>
        ContractReason.Of("shed_over_limit", ("power_w", powerW), ("limit_w", limitW), ("ports", ports));

    public static ContractReason SmokeDetected() => ContractReason.Of("smoke_detected");

    public static ContractReason CabinetOverTemperature(double temperatureC, double limitC) =>
        ContractReason.Of("cabinet_over_temperature", ("temperature_c", temperatureC), ("limit_c", limitC));

    public static ContractReason UnmeteredLoad(double supplyW, double portsW, double unmeteredW, double forS) =>
        ContractReason.Of("unmetered_load", ("supply_w", supplyW), ("ports_w", portsW), ("unmetered_w", unmeteredW), ("for_s", forS));

    /// <summary>A shed or bin sensor's own fault text.</summary>
    public static ContractReason SensorFault(string fault) => ContractReason.Of("sensor_fault", ("fault", fault));

    // Recycling bins (BinMonitor).
    public static ContractReason BinFill(string binClass, double fillPct) => ContractReason.Of("bin_fill", ("bin_class", binClass), ("fill_pct", fillPct));

    public static ContractReason BinLidOpen(double openMin) => ContractReason.Of("bin_lid_open", ("open_min", openMin));

    public static ContractReason BinTipped() => ContractReason.Of("bin_tipped");

    public static ContractReason BinHot(double temperatureC) => ContractReason.Of("bin_hot", ("temperature_c", temperatureC));

    public static ContractReason BinSmouldering(double temperatureC, double riseCPerMin) =>
        ContractReason.Of("bin_smouldering", ("temperature_c", temperatureC), ("rise_c_per_min", riseCPerMin));

    // Why an alarm cleared (an alarm message's clear_code; the English reproduces its clear_reason).
    public static ContractReason MeterReadsAgain() => ContractReason.Of("meter_reads_again");

    public static ContractReason NewSession() => ContractReason.Of("new_session");

    public static ContractReason PortDisabled() => ContractReason.Of("port_disabled");

    /// <summary>An operator's reset: who, and the reason they gave (their own words).</summary>
    public static ContractReason ResetBy(string by, string reason) => ContractReason.Of("reset_by", ("by", by), ("reason", reason));

    public static ContractReason ShedPowerUnderLimit() => ContractReason.Of("shed_power_under_limit");

    public static ContractReason SmokeDetectorQuiet() => ContractReason.Of("smoke_detector_quiet");

    public static ContractReason CabinetCooledDown() => ContractReason.Of("cabinet_cooled_down");

    /// <summary>The clear of <c>unmetered_load</c>: the supply meter and the ports' sum agree within tolerance again.</summary>
    public static ContractReason SupplyAgreesWithPorts() => ContractReason.Of("supply_agrees_with_ports");

    public static ContractReason SensorReadsAgain() => ContractReason.Of("sensor_reads_again");

    public static ContractReason BinSensorsReadAgain() => ContractReason.Of("bin_sensors_read_again");

    public static ContractReason LidClosed() => ContractReason.Of("lid_closed");

    public static ContractReason BinUpright() => ContractReason.Of("bin_upright");

    public static ContractReason BinCooled(double temperatureC) => ContractReason.Of("bin_cooled", ("temperature_c", temperatureC));

    public static ContractReason FillDown(double fillPct) => ContractReason.Of("fill_down", ("fill_pct", fillPct));

    // The MQTT link's outbox (gateway_buffer_full).
    public static ContractReason OutboxFull(long thinned) => ContractReason.Of("outbox_full", ("thinned", thinned));

    public static ContractReason OutboxDrained() => ContractReason.Of("outbox_drained");

    // Port commands (ShedProtection.Commands): applied.
    public static ContractReason Charging() => ContractReason.Of("charging");

    public static ContractReason Stopped() => ContractReason.Of("stopped");

    public static ContractReason Disabled() => ContractReason.Of("disabled");

    public static ContractReason AlreadyDisabled() => ContractReason.Of("already_disabled");

    public static ContractReason Enabled() => ContractReason.Of("enabled");

    public static ContractReason Reset() => ContractReason.Of("reset");

    // Port commands: refused.
    public static ContractReason UnknownPort(string port) => ContractReason.Of("unknown_port", ("port", port));

    public static ContractReason OperatorRequired() => ContractReason.Of("operator_required");

    public static ContractReason AlreadyCharging() => ContractReason.Of("already_charging");

    public static ContractReason LockedOutNeedsReset(AlarmKind kind) => ContractReason.Of("locked_out_needs_reset", ("kind", kind.WireName()));

    public static ContractReason LockedOutOnlyReset(AlarmKind kind) => ContractReason.Of("locked_out_only_reset", ("kind", kind.WireName()));

    public static ContractReason DisabledByOperator() => ContractReason.Of("disabled_by_operator");

    /// <summary>The port's fault: a meter's fault text, or the wire name of the alarm that locked it.</summary>
    public static ContractReason PortInFault(string fault) => ContractReason.Of("port_in_fault", ("fault", fault));

    public static ContractReason ShedSmokeOff() => ContractReason.Of("shed_smoke_off");

    public static ContractReason ShedOverTemperatureOff() => ContractReason.Of("shed_over_temperature_off");

    public static ContractReason ShedAtPowerLimit() => ContractReason.Of("shed_at_power_limit");

    public static ContractReason RelayWriteFailed(string error) => ContractReason.Of("relay_write_failed", ("error", error));

    public static ContractReason NoSessionToStop() => ContractReason.Of("no_session_to_stop");

    public static ContractReason GatewayStopping() => ContractReason.Of("gateway_stopping");

    public static ContractReason ConfigurationNotApplied() => ContractReason.Of("configuration_not_applied");

    public static ContractReason ChargingAwaitingClock() => ContractReason.Of("charging_awaiting_clock");

    public static ContractReason OrderAlreadyCharging(string orderId, string port) => ContractReason.Of("order_already_charging", ("order_id", orderId), ("port", port));

    public static ContractReason OrderAlreadyCharged(string orderId, SessionEndReason endReason) =>
        ContractReason.Of("order_already_charged", ("order_id", orderId), ("end_reason", endReason.WireName()));

    public static ContractReason NotDisabled(PortState state) => ContractReason.Of("not_disabled", ("state", state.WireName()));

    public static ContractReason ResetNeedsReason() => ContractReason.Of("reset_needs_reason");

    public static ContractReason NothingToReset(PortState state) => ContractReason.Of("nothing_to_reset", ("state", state.WireName()));

    // Gateway commands (ShedCommands, the MQTT link).
    public static ContractReason UnknownCommand(string command, string known) => ContractReason.Of("unknown_command", ("command", command), ("known", known));

    /// <summary>A request refused before it reached the port: malformed, missing a field, too old (the validator's text).</summary>
    public static ContractReason InvalidCommand(string error) => ContractReason.Of("invalid_command", ("error", error));

    public static ContractReason AlarmAcknowledged(string alarmId, string by) => ContractReason.Of("alarm_acknowledged", ("alarm_id", alarmId), ("by", by));

    public static ContractReason SnapshotRepublished() => ContractReason.Of("snapshot_republished");

    public static ContractReason SiteFileInvalid(string problems) => ContractReason.Of("site_file_invalid", ("problems", problems));

    public static ContractReason WiringChanged(string difference) => ContractReason.Of("wiring_changed", ("difference", difference));

    public static ContractReason ThresholdsReloaded() => ContractReason.Of("thresholds_reloaded");

    // The upgrade command (the gateway's Upgrading): the reply, then what went wrong after it (status last_error).
    public static ContractReason UpgradeAccepted(string version) => ContractReason.Of("upgrade_accepted", ("version", version));

    public static ContractReason UpgradeNotConfigured(string publicKey) => ContractReason.Of("upgrade_not_configured", ("public_key", publicKey));

    public static ContractReason UpgradeNotNewer(string version, string running) => ContractReason.Of("upgrade_not_newer", ("version", version), ("running", running));

    public static ContractReason UpgradeConfigurationNotApplied() => ContractReason.Of("upgrade_configuration_not_applied");

    public static ContractReason UpgradeInProgress(string version) => ContractReason.Of("upgrade_in_progress", ("version", version));

    public static ContractReason UpgradeNoSpace(long freeMb, long neededMb) => ContractReason.Of("upgrade_no_space", ("free_mb", freeMb), ("needed_mb", neededMb));

    public static ContractReason UpgradeDownloadFailed(string error) => ContractReason.Of("upgrade_download_failed", ("error", error));

    public static ContractReason UpgradeDigestMismatch() => ContractReason.Of("upgrade_digest_mismatch");

    public static ContractReason UpgradeSignatureInvalid() => ContractReason.Of("upgrade_signature_invalid");

    public static ContractReason UpgradeRunnerFailed(string error) => ContractReason.Of("upgrade_runner_failed", ("error", error));

    public static ContractReason UpgradeRolledBack(string running) => ContractReason.Of("upgrade_rolled_back", ("running", running));

    /// <summary>Each code's texts: zh-CN first, English second (the English reproduces the legacy detail / message).</summary>
    public static IReadOnlyDictionary<string, (string Chinese, string English)> Templates { get; } = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["instantaneous_over_current"] = ("瞬时电流 {current_a:0.0} A ≥ {limit_a:0.0} A，已在该次采样断开继电器", "instantaneous current {current_a:0.0} A ≥ {limit_a:0.0} A; relay opened on that sample"),
        ["power_over_limit"] = ("功率 {power_w:0} W 超过上限 {limit_w:0} W，持续 {for_ms:0} ms", "{power_w:0} W above the {limit_w:0} W limit for {for_ms:0} ms"),
        ["resistive_load"] = ("纯阻性负载（恶意负载）：功率因数 {power_factor:0.000}，{mean_w:0} W 波动在 {variation_pct:0.0} % 以内已 {window_s:0} 秒",
            "resistive load (恶意负载): power factor {power_factor:0.000}, {mean_w:0} W flat within {variation_pct:0.0} % for {window_s:0} s"),
        ["resistive_load_shape"] = ("纯阻性负载（恶意负载）：功率因数 {power_factor:0.000}，电流波形与电压相差 {shape_pct:0.0} % 以内，{mean_w:0} W 波动在 {variation_pct:0.0} % 以内已 {window_s:0} 秒",
            "resistive load (恶意负载): power factor {power_factor:0.000}, current a copy of the voltage within {shape_pct:0.0} %, {mean_w:0} W flat within {variation_pct:0.0} % for {window_s:0} s"),
        ["session_max_length"] = ("充电时长达到上限 {limit_h:0.##} 小时", "session reached the maximum length of {limit_h:0.##} h"),
        ["charger_pulled_out"] = ("充电器已拔出：{power_w:0.0} W 持续 {timeout_s:0} 秒", "charger pulled out: {power_w:0.0} W for {timeout_s:0} s"),
        ["no_charger_drew_power"] = ("开始后 {timeout_s:0} 秒内没有充电器取电", "no charger drew power within {timeout_s:0} s of the start"),
        ["meter_fault"] = ("电表故障：{fault}", "{fault}"),
        ["negative_power"] = ("功率为负 {power_w:0} W（电流互感器接反？）", "negative power {power_w:0} W (current transformer reversed?)"),
        ["impossible_voltage"] = ("不可能的市电电压 {voltage_v:0} V", "impossible mains voltage {voltage_v:0} V"),
        ["impossible_power_factor"] = ("不可能的功率因数", "impossible power factor"),
        ["meter_stuck"] = ("电表读数冻结：连续 {readings} 次读数相同（{voltage_v:0.00} V，{current_a:0.000} A）", "meter stuck: {readings} identical readings ({voltage_v:0.00} V, {current_a:0.000} A)"),
        ["current_through_open_relay"] = ("继电器已指令断开，仍有 {current_a:0.00} A 电流（触点粘连？）", "{current_a:0.00} A flows through a relay commanded open (welded contacts?)"),
        ["relay_feedback_open"] = ("继电器已指令闭合，但触点反馈为断开（线圈损坏、触点烧蚀或断裂）", "relay commanded closed but its contact feedback reads open (dead coil, burnt or broken contact)"),
        ["relay_feedback_closed"] = ("继电器已指令断开，但触点反馈为闭合（触点粘连？）", "relay commanded open but its contact feedback reads closed (welded contacts?)"),
        ["relay_close_failed"] = ("无法闭合继电器：{error}", "could not close the relay: {error}"),
        ["relay_open_failed"] = ("无法断开继电器：{error}", "could not open the relay: {error}"),
        ["relay_resume_failed"] = ("续充时无法闭合继电器：{error}", "could not close the relay to resume the session: {error}"),
        ["shed_over_limit"] = ("车棚总功率 {power_w:0} W，上限 {limit_w:0} W；已切断端口 {ports}", "shed draws {power_w:0} W, limit {limit_w:0} W; cut {ports}"),
        ["smoke_detected"] = ("烟雾探测器报警：所有端口已断电", "smoke detector active: every port off"),
        ["cabinet_over_temperature"] = ("柜内温度 {temperature_c:0.0} °C，上限 {limit_c:0} °C：所有端口已断电", "cabinet at {temperature_c:0.0} °C, limit {limit_c:0} °C: every port off"),
        ["sensor_fault"] = ("传感器故障：{fault}", "{fault}"),
        ["unmetered_load"] = ("进线电表 {supply_w:0} W，各端口合计 {ports_w:0} W：{unmetered_w:0} W 未经端口计量（私接电线？线缆漏电？）已持续 {for_s:0} 秒",
            "supply meter reads {supply_w:0} W, the ports {ports_w:0} W: {unmetered_w:0} W drawn before the port meters (a tapped wire? a leaking cable?) for {for_s:0} s"),
        ["bin_fill"] = ("{bin_class:bin_class}桶满溢度 {fill_pct:0} %", "{bin_class} bin at {fill_pct:0} %"),
        ["bin_lid_open"] = ("桶盖已打开 {open_min:0} 分钟", "lid open for {open_min:0} min"),
        ["bin_tipped"] = ("垃圾桶倾倒或被移动（倾斜开关）", "bin tipped or moved (tilt switch)"),
        ["bin_hot"] = ("桶内温度 {temperature_c:0.0} °C", "{temperature_c:0.0} °C inside the bin"),
        ["bin_smouldering"] = ("阴燃：{temperature_c:0.0} °C，每分钟上升 {rise_c_per_min:0.0} °C", "smouldering: {temperature_c:0.0} °C, rising {rise_c_per_min:0.0} °C/min"),
        ["meter_reads_again"] = ("电表恢复读数", "meter reads again"),
        ["new_session"] = ("新的充电已开始", "new session"),
        ["port_disabled"] = ("端口已停用", "port disabled"),
        ["reset_by"] = ("由 {by} 复位：{reason}", "reset by {by}: {reason}"),
        ["shed_power_under_limit"] = ("车棚总功率已回到上限以下", "shed power back under its limit"),
        ["smoke_detector_quiet"] = ("烟雾探测器已恢复正常", "smoke detector quiet"),
        ["cabinet_cooled_down"] = ("柜内温度已回落", "cabinet cooled down"),
        ["supply_agrees_with_ports"] = ("进线电表与各端口合计重新相符", "supply meter and ports agree again"),
        ["sensor_reads_again"] = ("传感器恢复读数", "sensor reads again"),
        ["bin_sensors_read_again"] = ("垃圾桶传感器恢复读数", "sensors read again"),
        ["lid_closed"] = ("桶盖已关闭", "lid closed"),
        ["bin_upright"] = ("垃圾桶已扶正", "bin upright"),
        ["bin_cooled"] = ("桶内温度已降至 {temperature_c:0.0} °C", "cooled to {temperature_c:0.0} °C"),
        ["fill_down"] = ("满溢度已降至 {fill_pct:0} %", "fill down to {fill_pct:0} %"),
        ["outbox_full"] = ("发件箱已满：已精简 {thinned} 条遥测消息（最旧的优先）", "outbox full: {thinned} telemetry messages thinned (oldest first)"),
        ["outbox_drained"] = ("发件箱已回到上限以下", "outbox below its bound again"),
        ["charging"] = ("已开始充电", "charging"),
        ["stopped"] = ("已停止充电", "stopped"),
        ["disabled"] = ("已停用", "disabled"),
        ["already_disabled"] = ("本已停用", "already disabled"),
        ["enabled"] = ("已启用", "enabled"),
        ["reset"] = ("已复位", "reset"),
        ["unknown_port"] = ("未知端口 {port}", "unknown port '{port}'"),
        ["operator_required"] = ("命令须注明操作人", "a command must say who asks"),
        ["already_charging"] = ("正在充电", "already charging"),
        ["locked_out_needs_reset"] = ("因{kind:kind}已锁定：需先复位", "locked out by {kind}: needs port_reset"),
        ["locked_out_only_reset"] = ("因{kind:kind}已锁定：只能复位恢复", "locked out by {kind}: only port_reset brings it back"),
        ["disabled_by_operator"] = ("已被运维人员停用", "disabled by an operator"),
        ["port_in_fault"] = ("端口故障：{fault:kind}", "port in fault: {fault}"),
        ["shed_smoke_off"] = ("烟雾报警：所有端口已断电", "smoke alarm: every port is off"),
        ["shed_over_temperature_off"] = ("柜内温度过高：所有端口已断电", "over-temperature: every port is off"),
        ["shed_at_power_limit"] = ("车棚总功率已达上限：请稍后再试", "shed at its power limit: try again later"),
        ["relay_write_failed"] = ("继电器写入失败：{error}", "relay write failed: {error}"),
        ["no_session_to_stop"] = ("没有可停止的充电", "no session to stop"),
        ["gateway_stopping"] = ("网关正在停止：所有继电器已断开", "the gateway is stopping: every relay is open"),
        ["configuration_not_applied"] = ("配置尚未生效：所有继电器保持断开", "the configuration is not applied yet: every relay stays open"),
        ["charging_awaiting_clock"] = ("正在充电：重启前的充电正在等待时钟同步", "already charging: a session from before the restart waits for the wall clock to synchronise"),
        ["order_already_charging"] = ("订单 {order_id} 已在端口 {port} 充电", "order {order_id} already charging on port {port}"),
        ["order_already_charged"] = ("订单 {order_id} 已充电结束（{end_reason}）：新的充电需要新订单", "order {order_id} already charged: its session ended ({end_reason}); a new charge needs a new order"),
        ["not_disabled"] = ("端口未停用（当前{state:state}）", "not disabled (state {state})"),
        ["reset_needs_reason"] = ("复位须填写原因", "port_reset needs a reason"),
        ["nothing_to_reset"] = ("无需复位（当前{state:state}）", "nothing to reset (state {state})"),
        ["unknown_command"] = ("未知命令 {command}；可用命令：{known}", "unknown command '{command}'; known: {known}"),
        ["invalid_command"] = ("命令无效：{error}", "{error}"),
        ["alarm_acknowledged"] = ("报警 {alarm_id} 已由 {by} 确认", "alarm {alarm_id} acknowledged by {by}"),
        ["snapshot_republished"] = ("已重新发布全部保留状态", "every retained state republished"),
        ["site_file_invalid"] = ("站点文件无效，未做任何更改：{problems}", "site file invalid, nothing changed: {problems}"),
        ["wiring_changed"] = ("接线已变更（{difference}）：需重启服务才能生效，未做任何更改", "the wiring changed ({difference}): restart the service to apply it; nothing changed"),
        ["thresholds_reloaded"] = ("阈值已重新加载；充电会话、锁定状态和发件箱保持不变", "thresholds reloaded; sessions, lockouts and the outbox kept"),
        ["upgrade_accepted"] = ("已接受升级到 {version}：正在下载并校验", "upgrade to {version} accepted: downloading and verifying"),
        ["upgrade_not_configured"] = ("本网关没有升级包公钥（{public_key}），不能校验升级包", "no bundle-signing public key on this gateway ({public_key}): it cannot verify a bundle"),
        ["upgrade_not_newer"] = ("版本 {version} 不比正在运行的 {running} 新", "version {version} is not newer than the running {running}"),
        ["upgrade_configuration_not_applied"] = ("配置尚未生效（继电器保持断开）：暂不升级，配置生效后再试", "the configuration is not applied yet (every relay held open): no upgrade until it is"),
        ["upgrade_in_progress"] = ("升级到 {version} 正在进行", "an upgrade to {version} is already running"),
        ["upgrade_no_space"] = ("磁盘空间不足：剩余 {free_mb} MB，需要 {needed_mb} MB", "not enough disk space: {free_mb} MB free, {needed_mb} MB needed"),
        ["upgrade_download_failed"] = ("升级包下载失败：{error}", "the bundle could not be downloaded: {error}"),
        ["upgrade_digest_mismatch"] = ("升级包的 SHA-256 与命令不符，未安装任何内容", "the bundle's SHA-256 does not match the command's: nothing installed"),
        ["upgrade_signature_invalid"] = ("升级包签名无效（被改动或非发布者签名），未安装任何内容", "the bundle's signature does not verify (changed or not the publisher's): nothing installed"),
        ["upgrade_runner_failed"] = ("无法启动安装：{error}", "the installation could not be started: {error}"),
        ["upgrade_rolled_back"] = ("新版本未能正常启动，已自动回退，{running} 继续运行", "the new version did not come up and was rolled back: {running} runs again"),
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
