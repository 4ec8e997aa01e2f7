// Port detail (/ports/{site}/{gw}/{port}): now (live from the board stream), the last hours' power as a chart,
// the current and recent sessions, its alarms; maintenance and admin: reset, disable, enable, snapshot.
import { t, stateText, kindText, endReasonText, localText } from './i18n.js';
import { h, fmtNum, fmtDuration, fmtTime, fmtAgo, fmtFull } from './app.js';
import { detailPage, fact } from './detail.js';

const facts = h('dl', { class: 'facts', 'data-testid': 'facts' });
const sessionNow = h('div', { 'data-testid': 'current-session' });
const sessionsEl = h('div', { class: 'table-wrap' });

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
    port.fault ? fact(t('board.fault'), localText(port.fault_text, port.fault)) : null,
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
      h('th', {}, t('session.energy')), h('th', {}, t('session.peak')), h('th', {}, t('session.end_reason')),
      h('th', {}, t('session.paid_by')), h('th', {}, t('session.cost')))),
    h('tbody', {}, sessions.map((s) => h('tr', {},
      h('td', { class: 'nowrap' }, fmtTime(s.started_ts)),
      h('td', { class: 'nowrap' }, fmtTime(s.ended_ts)),
      h('td', { class: 'nowrap' }, fmtDuration(s.duration_s)),
      h('td', { class: 'num' }, `${fmtNum(s.energy_wh, 1)} Wh`),
      h('td', { class: 'num' }, `${fmtNum(s.peak_power_w, 0)} W`),
      h('td', {}, endReasonText(s.end_reason)),
      // The card's reference or the platform's order (issue 18); the cost is kept in fen, shown in 元.
      h('td', {}, s.card || s.order_id || ''),
      h('td', { class: 'num' }, s.cost_fen == null ? '' : `${fmtNum(s.cost_fen / 100, 2)} 元`))))));
}

await detailPage({
  kind: 'port',
  defaultHours: 6,
  hourChoices: [1, 6, 24, 72],
  chartTestId: 'chart-power',
  chartTitleKey: 'detail.chart_power',
  alarmsTestId: 'port-alarms',
  commands: ['port_reset', 'port_disable', 'port_enable', 'snapshot'],
  facts,
  now: (detail) => detail.port || {},
  renderNow,
  chart: (series) => ({
    axes: [t('detail.series_power'), t('detail.series_voltage')],
    lines: [
      { name: t('detail.series_power'), points: series.map((p) => [p.ts, p.power_w ?? null]), area: true },
      { name: t('detail.series_voltage'), points: series.map((p) => [p.ts, p.voltage_v ?? null]), axis: 1 },
    ],
  }),
  renderMore: (detail) => renderSessions(detail.sessions || []),
  extraSections: [
    h('section', { class: 'panel' }, h('h2', {}, t('detail.current_session')), sessionNow),
    h('section', { class: 'panel' }, h('h2', {}, t('detail.sessions')), sessionsEl),
  ],
});
