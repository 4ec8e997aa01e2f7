// Port detail (/ports/{site}/{gw}/{port}): now (live from the board stream), the last hours' power as a chart,
// the current and recent sessions, its alarms; maintenance and admin: reset, disable, enable, snapshot.
import { t, stateText, kindText, endReasonText } from './i18n.js';
import {
  api, startPage, openStream, h, can, pathSegments, fmtNum, fmtDuration, fmtTime, fmtAgo, fmtFull, errorBox,
} from './app.js';
import { alarmItem, timeChart, commandPanel, hourButtons } from './widgets.js';

const [, site, gateway, portId] = pathSegments();
const query = new URLSearchParams(location.search);
let hours = Math.min(72, Math.max(1, Number(query.get('hours')) || 6));
let me = null;
let detail = null;
let reloadTimer = null;

const content = document.getElementById('content');
const facts = h('dl', { class: 'facts', 'data-testid': 'facts' });
const chartEl = h('div', { class: 'chart', 'data-testid': 'chart-power', role: 'img', 'aria-label': t('detail.chart_power') });
const historyNotice = h('div', { class: 'notice notice-warn', hidden: true, 'data-testid': 'history-unavailable' });
const sessionNow = h('div', { 'data-testid': 'current-session' });
const sessionsEl = h('div', { class: 'table-wrap' });
const alarmsEl = h('div', { class: 'alarm-list', 'data-testid': 'port-alarms' });

function fact(label, value, testId) {
  return h('div', testId ? { 'data-testid': testId } : {}, h('dt', {}, label), h('dd', {}, value));
}

function renderNow(port) {
  const locked = Boolean(port.lockout);
  const badge = document.getElementById('state-badge');
  badge.replaceChildren(h('span', {
    class: `badge ${locked || port.state === 'fault' ? 'badge-alarm' : port.state === 'charging' ? 'badge-online' : 'badge-offline'}`,
    'data-testid': 'port-state', 'data-state': locked ? 'locked' : port.state,
  }, locked ? `✖ ${t('board.locked_by', { kind: kindText(port.lockout) })}` : stateText(port.state)));
  facts.replaceChildren(...[
    fact(t('alarms.state'), locked ? t('board.locked') : stateText(port.state)),
    fact(t('board.power'), `${fmtNum(port.power_w, 1)} W`),
    fact(t('detail.voltage'), `${fmtNum(port.voltage_v, 1)} V`),
    fact(t('detail.current'), `${fmtNum(port.current_a, 2)} A`),
    fact(t('detail.power_factor'), fmtNum(port.power_factor, 2)),
    fact(t('detail.relay'), port.relay_closed ? t('detail.relay_closed') : t('detail.relay_open')),
    fact(t('board.session'), fmtDuration(port.session_s)),
    fact(t('board.energy'), `${fmtNum(port.session_energy_wh, 1)} Wh`),
    port.fault ? fact(t('board.fault'), port.fault) : null,
    port.lockout ? fact(t('board.locked'), kindText(port.lockout)) : null,
    h('div', { title: fmtFull(port.last_seen_ts) }, h('dt', {}, t('board.last_seen')), h('dd', {}, fmtAgo(port.last_seen_ts))),
  ].filter(Boolean));
  if (port.state === 'charging' && port.session_s !== null && port.session_s !== undefined) {
    const started = port.last_seen_ts ? new Date(new Date(port.last_seen_ts).getTime() - port.session_s * 1000).toISOString() : null;
    sessionNow.replaceChildren(h('dl', { class: 'facts' },
      fact(t('session.started'), fmtTime(started)),
      fact(t('session.duration'), fmtDuration(port.session_s)),
      fact(t('session.energy'), `${fmtNum(port.session_energy_wh, 1)} Wh`),
      fact(t('board.power'), `${fmtNum(port.power_w, 1)} W`)));
  } else {
    sessionNow.replaceChildren(h('p', { class: 'muted' }, t('detail.no_session')));
  }
}

function renderSessions(sessions) {
  if (!sessions.length) {
    sessionsEl.replaceChildren(h('p', { class: 'empty' }, t('detail.no_sessions')));
    return;
  }
  sessionsEl.replaceChildren(h('table', { 'data-testid': 'sessions' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('session.started')), h('th', {}, t('session.ended')), h('th', {}, t('session.duration')),
      h('th', {}, t('session.energy')), h('th', {}, t('session.peak')), h('th', {}, t('session.end_reason')))),
    h('tbody', {}, sessions.map((s) => h('tr', {},
      h('td', { class: 'nowrap' }, fmtTime(s.started_ts)),
      h('td', { class: 'nowrap' }, fmtTime(s.ended_ts)),
      h('td', { class: 'nowrap' }, fmtDuration(s.duration_s)),
      h('td', { class: 'num' }, `${fmtNum(s.energy_wh, 1)} Wh`),
      h('td', { class: 'num' }, `${fmtNum(s.peak_power_w, 0)} W`),
      h('td', {}, endReasonText(s.end_reason)))))));
}

function render() {
  const port = detail.port || {};
  renderNow(port);
  const series = detail.series || [];
  timeChart(chartEl, {
    spanHours: hours,
    axes: [t('detail.series_power'), t('detail.series_voltage')],
    lines: [
      { name: t('detail.series_power'), points: series.map((p) => [p.ts, p.power_w ?? null]), area: true },
      { name: t('detail.series_voltage'), points: series.map((p) => [p.ts, p.voltage_v ?? null]), axis: 1 },
    ],
  });
  historyNotice.hidden = detail.history_available !== false;
  historyNotice.textContent = `${t('detail.history_unavailable')}: ${detail.history_message || ''}`;
  renderSessions(detail.sessions || []);
  const alarms = detail.alarms || [];
  alarmsEl.replaceChildren(...(alarms.length ? alarms.map((a) => alarmItem(a, { showSite: false })) : [h('p', { class: 'empty' }, t('detail.no_alarms'))]));
}

async function load() {
  try {
    detail = await api(`/api/ports/${encodeURIComponent(site)}/${encodeURIComponent(gateway)}/${encodeURIComponent(portId)}?hours=${hours}`);
    render();
    document.body.dataset.loaded = 'true';
  } catch (e) {
    if (e.status === 401) return;
    content.replaceChildren(e.status === 404 ? errorBox({ message: t('detail.not_found') }) : errorBox(e));
  }
}

function reloadSoon(delay = 500) {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, delay);
}

me = await startPage('board');
if (me && site && gateway && portId) {
  document.title = `${t('port.title', { port: portId })} · ${t('app.name')}`;
  document.getElementById('title').textContent = t('port.title', { port: portId });
  document.getElementById('where').textContent = `/ ${site} / ${gateway}`;
  const chartPanel = h('section', { class: 'panel' },
    h('div', { class: 'chart-head' }, h('h2', {}, t('detail.chart_power')),
      hourButtons([1, 6, 24, 72], hours, (n) => { hours = n; load(); })),
    historyNotice, chartEl);
  content.replaceChildren(...[
    h('section', { class: 'panel' }, h('h2', {}, t('detail.now')), facts),
    can.command(me) ? commandPanel({
      site, gateway, port: portId, commands: ['port_reset', 'port_disable', 'port_enable', 'snapshot'],
      onDone: () => reloadSoon(300),
    }) : null,
    chartPanel,
    h('section', { class: 'panel' }, h('h2', {}, t('detail.current_session')), sessionNow),
    h('section', { class: 'panel' }, h('h2', {}, t('detail.sessions')), sessionsEl),
    h('section', { class: 'panel' }, h('h2', {}, t('detail.alarms')), alarmsEl),
  ].filter(Boolean));
  await load();
  const conn = document.getElementById('conn');
  openStream('/api/board/stream', {
    handlers: {
      resync: () => reloadSoon(0),
      port: (data) => {
        if (data.site !== site || data.gateway !== gateway || data.port !== portId || !detail) return;
        const { site: s, gateway: g, ...port } = data;
        detail.port = { ...detail.port, ...port };
        renderNow(detail.port);
      },
      alarm: (alarm) => {
        if (alarm.site === site && alarm.gateway === gateway && alarm.port === portId) reloadSoon();
      },
    },
    onStatus: (status) => {
      conn.dataset.status = status;
      conn.textContent = t(status === 'live' ? 'board.live' : status === 'reconnecting' ? 'board.reconnecting' : 'board.connecting');
    },
  });
}
