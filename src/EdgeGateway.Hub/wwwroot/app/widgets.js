// Pieces several pages share: an alarm as a list item, ECharts line and bar charts (China Standard Time axes),
// a command panel with the gateway's reply.
import { t, kindText, severityText, lang, locale, commandText } from './i18n.js';
import { api, h, fmtNum, fmtTime, fmtFull, alarmWhere, askText, askConfirm, TIME_ZONE } from './app.js';

/** One alarm: severity (colour and text), kind, where, value/threshold, times, acknowledgement; an optional button. */
export function alarmItem(alarm, { action = null, showSite = true } = {}) {
  const value = alarm.value !== null && alarm.value !== undefined
    ? `${fmtNum(alarm.value, 1)}${alarm.unit ? ` ${alarm.unit}` : ''}${alarm.threshold !== null && alarm.threshold !== undefined ? ` / ${fmtNum(alarm.threshold, 1)}${alarm.unit ? ` ${alarm.unit}` : ''}` : ''}`
    : null;
  const ack = alarm.acknowledged
    ? h('div', { class: 'alarm-ack acked', 'data-testid': 'acked' },
      `✔ ${t('alarms.acked_by', { user: alarm.acknowledged_by || '', time: fmtTime(alarm.acknowledged_ts) })}`,
      alarm.ack_comment ? h('span', { class: 'muted' }, ` — ${alarm.ack_comment}`) : null)
    : h('div', { class: 'alarm-ack unacked' }, t('alarms.not_acked'));
  return h('article', {
    class: 'alarm', 'data-severity': alarm.severity, 'data-alarm-id': alarm.alarm_id, 'data-kind': alarm.kind,
    'data-acknowledged': String(Boolean(alarm.acknowledged)), 'data-testid': 'alarm',
  },
  h('div', { class: 'alarm-title' },
    h('span', { class: `sev sev-${alarm.severity}` }, severityText(alarm.severity)),
    h('span', { 'data-testid': 'alarm-kind' }, kindText(alarm.kind, alarm.kind_text)),
    h('span', { class: 'muted' }, '·'),
    h('span', {}, alarmWhere(alarm)),
    alarm.cleared_ts ? h('span', { class: 'badge badge-online' }, t('alarms.state_cleared')) : h('span', { class: 'badge badge-alarm' }, t('alarms.state_active')),
    flappingBadge(alarm)),
  h('div', { class: 'alarm-meta' },
    showSite ? h('span', { title: `${alarm.site} / ${alarm.gateway}` }, `${alarm.site_name || alarm.site} / ${alarm.gateway}`) : null,
    h('span', { title: fmtFull(alarm.raised_ts) }, `${t('alarms.raised')} ${fmtTime(alarm.raised_ts)}`),
    alarm.cleared_ts ? h('span', { title: fmtFull(alarm.cleared_ts) }, `${t('alarms.cleared')} ${fmtTime(alarm.cleared_ts)}`) : null,
    value ? h('span', {}, `${t('alarms.value')} ${value}`) : null),
  alarm.detail ? h('div', { class: 'alarm-detail' }, alarm.detail) : null,
  ack,
  action ? h('div', { class: 'alarm-actions' }, action) : null);
}

/** "Flapping": the gateway held the alarm raised because it came and went too often (one alarm, not one per cycle). */
export function flappingBadge(alarm) {
  return alarm.flapping
    ? h('span', { class: 'badge badge-flapping', 'data-testid': 'alarm-flapping', title: t('alarms.flapping_title') }, t('alarms.flapping'))
    : null;
}

// ---- charts ----------------------------------------------------------------------------------------------------

const PALETTE = ['#0b5cad', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#1098ad', '#e67700', '#5c940d', '#364fc7', '#a61e4d'];

const hm = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const mdhm = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

const charts = new Set();
window.addEventListener('resize', () => { for (const chart of charts) chart.resize(); });

/**
 * Axis labels for values up to `max`: as many decimals as the numbers need (0.0008 is not "0"), in the page's locale.
 * The grid contains its labels (containLabel), so a long label widens the margin instead of being clipped.
 */
export function valueLabel(max) {
  const m = Math.abs(max || 0);
  const digits = m === 0 || m >= 10 ? 0 : m >= 1 ? 1 : Math.min(6, 1 - Math.floor(Math.log10(m)));
  return (v) => fmtNum(v, digits);
}

/** "No data" over an empty chart, instead of bare axes that read like zero. */
function emptyTitle(empty) {
  return { show: empty, text: t('common.no_data'), left: 'center', top: 'middle', textStyle: { color: '#888', fontSize: 14, fontWeight: 'normal' } };
}

/** The ECharts instance of an element (created once). */
export function chartOf(el) {
  if (!window.echarts) throw new Error('ECharts did not load (/lib/echarts/echarts.min.js)');
  let chart = window.echarts.getInstanceByDom(el);
  if (!chart) {
    chart = window.echarts.init(el, null, { renderer: 'canvas', locale: lang === 'en' ? 'EN' : 'ZH' });
    charts.add(chart);
  }
  return chart;
}

/**
 * A time-series line chart: `lines` = [{name, points: [[ts, value], …], axis: 0|1, area}], `axes` = [name, name?].
 * The element gets data-points (how many points are drawn) for tests and diagnostics.
 */
export function timeChart(el, { lines, axes, spanHours = 6 }) {
  const chart = chartOf(el);
  const multiDay = spanHours > 24;
  const few = lines.every((line) => line.points.length < 40);
  const end = Date.now();
  const spanMs = spanHours * 3600000;
  const labels = Math.max(2, Math.floor((el.clientWidth || 600) / (multiDay ? 110 : 64)));
  const drawn = lines.reduce((n, line) => n + line.points.filter((p) => p[1] !== null && p[1] !== undefined).length, 0);
  const maxOf = (axis) => Math.max(0, ...lines.filter((line) => (line.axis || 0) === axis).flatMap((line) => line.points.map((p) => Math.abs(p[1] ?? 0))));
  const step = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880].map((m) => m * 60000).find((ms) => spanMs / ms <= labels) || 86400000 * 7;
  chart.setOption({
    color: PALETTE,
    animation: false,
    grid: { left: 8, right: 8, top: 56, bottom: 32, containLabel: true },
    title: emptyTitle(drawn === 0),
    legend: { top: 0, type: 'scroll' },
    // Drawn on the canvas: ECharts' HTML tooltip writes inline style attributes, which the Content-Security-Policy refuses.
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      valueFormatter: (v) => (v === null || v === undefined ? '—' : fmtNum(v, 1)),
      axisPointer: { label: { formatter: (p) => (p.axisDimension === 'x' ? mdhm.format(new Date(p.value)) : fmtNum(p.value, 1)) } },
    },
    xAxis: {
      type: 'time',
      // Exactly the hours asked for, labelled as often as the width allows (a phone gets fewer labels).
      min: end - spanMs,
      max: end,
      minInterval: step,
      maxInterval: step,
      axisLabel: { hideOverlap: true, formatter: (v) => (multiDay ? mdhm : hm).format(new Date(v)) },
    },
    yAxis: axes.map((name, i) => ({
      type: 'value', name, position: i === 0 ? 'left' : 'right', scale: i > 0, splitLine: { show: i === 0 },
      nameTextStyle: { align: i === 0 ? 'left' : 'right' }, axisLabel: { formatter: valueLabel(maxOf(i)) },
    })),
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }],
    series: lines.map((line) => ({
      name: line.name,
      type: 'line',
      yAxisIndex: line.axis || 0,
      // A few points (a bin reports seldom) are drawn as dots too, or one point alone would not show.
      showSymbol: few,
      symbolSize: 5,
      connectNulls: true,
      sampling: 'lttb',
      step: line.step || false,
      areaStyle: line.area ? { opacity: 0.12 } : undefined,
      lineStyle: { width: line.axis ? 1 : 2 },
      data: line.points,
    })),
  }, true);
  el.dataset.points = String(drawn);
  el.dataset.empty = String(drawn === 0);
  return chart;
}

/** A category chart (days, weeks, hours): `series` = [{name, points: [{x, y}]}]; bars or lines. */
export function categoryChart(el, { series, kind = 'line', unit = '', stack = false, integer = false, xLabel = (x) => x }) {
  const chart = chartOf(el);
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const values = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y !== null && y !== undefined);
  // A stacked chart's axis reaches the largest sum; the labels need the digits of the largest value drawn.
  const max = Math.max(0, ...values.map(Math.abs));
  chart.setOption({
    color: PALETTE,
    animation: false,
    grid: { left: 8, right: 16, top: 56, bottom: xs.length > 31 ? 32 : 8, containLabel: true },
    title: emptyTitle(values.length === 0),
    legend: { top: 0, type: 'scroll' },
    tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${fmtNum(v, 1)}${unit ? ` ${unit}` : ''}`) },
    xAxis: { type: 'category', data: xs, axisLabel: { hideOverlap: true, formatter: xLabel }, axisTick: { alignWithLabel: true } },
    yAxis: {
      type: 'value', name: unit, nameGap: 12, nameTextStyle: { align: 'left' }, minInterval: integer ? 1 : 0,
      axisLabel: { formatter: integer ? (v) => fmtNum(v, 0) : valueLabel(max) },
    },
    dataZoom: xs.length > 31 ? [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }] : [],
    series: series.map((s) => {
      const byX = new Map(s.points.map((p) => [p.x, p.y]));
      return {
        name: s.name,
        type: kind,
        stack: stack ? 'total' : undefined,
        showSymbol: xs.length <= 31,
        smooth: false,
        barMaxWidth: 28,
        emphasis: { focus: 'series' },
        data: xs.map((x) => (byX.has(x) ? byX.get(x) : null)),
      };
    }),
  }, true);
  el.dataset.points = String(values.length);
  el.dataset.empty = String(values.length === 0);
  return chart;
}

// ---- commands ----------------------------------------------------------------------------------------------------

/**
 * Buttons that send commands to a gateway (POST /api/gateways/{site}/{gw}/commands/{command}) and show its reply:
 * the gateway's answer (done or the reason it refused) or the error (no reply, not found, bad request).
 */
export function commandPanel({ site, gateway, port = null, commands, onDone = () => {} }) {
  const result = h('div', { class: 'command-result', 'data-testid': 'command-result', 'aria-live': 'polite' });
  const buttons = commands.map((command) => h('button', {
    type: 'button',
    class: `btn ${command === 'port_reset' ? 'btn-primary' : command === 'port_disable' ? 'btn-warn' : ''}`,
    'data-command': command,
    'data-testid': `cmd-${command}`,
    onclick: () => run(command),
  }, commandText(command)));

  async function run(command) {
    const body = {};
    if (port && command !== 'snapshot') body.port = port;
    if (command === 'port_reset') {
      const reason = await askText({
        title: t('cmd.reset_title', { port }), label: t('cmd.reset_reason'), placeholder: t('cmd.reset_reason_placeholder'),
        confirm: t('cmd.port_reset'), required: true, requiredMessage: t('cmd.reason_required'), testId: 'reset-reason',
      });
      if (reason === null) return;
      body.reason = reason;
    } else if (command === 'port_disable') {
      if (!await askConfirm({ text: t('cmd.confirm_disable', { port }), confirm: t('cmd.port_disable'), danger: true })) return;
    } else if (command === 'port_enable') {
      if (!await askConfirm({ text: t('cmd.confirm_enable', { port }), confirm: t('cmd.port_enable') })) return;
    }
    for (const b of buttons) b.disabled = true;
    result.replaceChildren(h('div', { class: 'notice', 'data-outcome': 'pending' }, t('cmd.sending', { cmd: commandText(command) })));
    try {
      const reply = await api(`/api/gateways/${encodeURIComponent(site)}/${encodeURIComponent(gateway)}/commands/${command}`, { method: 'POST', body });
      const ok = reply?.ok === true;
      result.replaceChildren(h('div', {
        class: `notice ${ok ? 'notice-ok' : 'notice-warn'}`, role: 'status', 'data-outcome': ok ? 'ok' : 'refused',
      }, t(ok ? 'cmd.ok' : 'cmd.refused', { message: reply?.message || '' })));
      onDone(command, reply);
    } catch (e) {
      if (e.status === 401) return;
      result.replaceChildren(h('div', { class: 'notice notice-error', role: 'alert', 'data-outcome': e.code || 'error' },
        t(e.code === 'no_reply' ? 'cmd.no_reply' : 'cmd.failed', { message: e.message })));
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  return h('section', { class: 'panel', 'data-testid': 'commands' },
    h('h2', {}, t('detail.commands')),
    h('div', { class: 'commands' }, buttons),
    result);
}

/** Hour range buttons for detail charts. */
export function hourButtons(choices, current, onPick) {
  const wrap = h('div', { class: 'hours', role: 'group' });
  for (const n of choices) {
    wrap.append(h('button', {
      type: 'button', class: 'btn btn-small', 'aria-pressed': String(n === current), 'data-hours': n,
      onclick: () => {
        for (const b of wrap.querySelectorAll('button')) b.setAttribute('aria-pressed', String(Number(b.dataset.hours) === n));
        onPick(n);
      },
    }, n < 24 ? t('detail.hours_n', { n }) : t('detail.days_n', { n: n / 24 })));
  }
  return wrap;
}
