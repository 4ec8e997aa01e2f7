// Alarms: the active ones (most severe, then newest first; live), acknowledged by managers and admins with a
// comment; the history with filters (site, kind, period) and its CSV export.
import { t, ALARM_KINDS, SEVERITIES, kindText, severityText } from './i18n.js';
import {
  api, startPage, openStream, h, can, toast, errorBox, fmtTime, fmtFull, fmtNum, alarmWhere, askText, cstLocal, cstToIso, csvHref,
} from './app.js';
import { alarmItem, flappingBadge } from './widgets.js';

const activeEl = document.getElementById('active');
const activeCount = document.getElementById('active-count');
const historyEl = document.getElementById('history');
const historyCount = document.getElementById('history-count');
const form = document.getElementById('filters');
const siteSelect = document.getElementById('f-site');
const kindSelect = document.getElementById('f-kind');
const fromInput = document.getElementById('f-from');
const toInput = document.getElementById('f-to');
const csvLink = document.getElementById('csv');
let me = null;
let reloadTimer = null;

const rank = (severity) => {
  const i = SEVERITIES.indexOf(severity);
  return i < 0 ? SEVERITIES.length : i;
};

/** Most severe first, then newest first (the hub's order; kept when live updates arrive). */
function ordered(alarms) {
  return [...alarms].sort((a, b) => rank(a.severity) - rank(b.severity) || String(b.raised_ts).localeCompare(String(a.raised_ts)));
}

async function acknowledge(alarm, button) {
  const comment = await askText({
    title: t('alarms.ack_title'),
    note: `${kindText(alarm.kind, alarm.kind_text)} · ${alarm.site_name || alarm.site} / ${alarm.gateway} · ${alarmWhere(alarm)} — ${me.display_name || me.name}`,
    label: t('alarms.ack_comment'),
    placeholder: t('alarms.ack_comment_placeholder'),
    confirm: t('alarms.ack_submit'),
    maxLength: 500,
    testId: 'ack',
  });
  if (comment === null) return;
  button.disabled = true;
  try {
    await api(`/api/alarms/${encodeURIComponent(alarm.alarm_id)}/ack`, { method: 'POST', body: { comment } });
    toast(t('alarms.ack_done'), 'ok');
    loadHistory();
  } catch (e) {
    if (e.status === 401) return;
    if (e.status === 409) toast(t('alarms.ack_conflict'), 'error');
    else if (e.status === 400 && e.code !== 'antiforgery') toast(e.message || t('alarms.ack_too_long'), 'error');
    else toast(e.message, 'error');
  } finally {
    button.disabled = false;
    loadActive();
  }
}

function activeItem(alarm) {
  let action = null;
  if (can.ack(me) && !alarm.acknowledged) {
    action = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'ack-button' }, t('alarms.ack'));
    action.addEventListener('click', () => acknowledge(alarm, action));
  }
  return alarmItem(alarm, { action });
}

async function loadActive() {
  try {
    const data = await api('/api/alarms/active');
    const alarms = ordered(data.alarms || []);
    activeCount.hidden = !alarms.length;
    activeCount.textContent = String(alarms.length);
    activeEl.replaceChildren(...(alarms.length ? alarms.map(activeItem) : [h('p', { class: 'empty', 'data-testid': 'no-active' }, t('alarms.none_active'))]));
    document.body.dataset.activeLoaded = 'true';
  } catch (e) {
    if (e.status !== 401) activeEl.replaceChildren(errorBox(e));
  }
}

function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadActive, 300);
}

// ---- history ---------------------------------------------------------------------------------------------------

function filters() {
  return {
    site: siteSelect.value,
    kind: kindSelect.value,
    from: fromInput.value ? cstToIso(fromInput.value) : '',
    to: toInput.value ? cstToIso(toInput.value) : '',
  };
}

function historyTable(alarms) {
  return h('table', { 'data-testid': 'history-table' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('alarms.raised')), h('th', {}, t('alarms.severity')), h('th', {}, t('alarms.kind')),
      h('th', {}, t('alarms.site')), h('th', {}, t('alarms.source')), h('th', {}, t('alarms.value')),
      h('th', {}, t('alarms.cleared')), h('th', {}, t('alarms.acked')))),
    h('tbody', {}, alarms.map((a) => h('tr', { 'data-alarm-id': a.alarm_id, 'data-kind': a.kind },
      h('td', { class: 'nowrap', title: fmtFull(a.raised_ts) }, fmtTime(a.raised_ts)),
      h('td', {}, h('span', { class: `sev sev-${a.severity}` }, severityText(a.severity))),
      h('td', {}, kindText(a.kind, a.kind_text), a.flapping ? ' ' : null, flappingBadge(a)),
      h('td', { class: 'nowrap', title: `${a.site} / ${a.gateway}` }, `${a.site_name || a.site} / ${a.gateway}`),
      h('td', { class: 'nowrap' }, alarmWhere(a)),
      h('td', { class: 'num' }, a.value === null || a.value === undefined ? '—' : `${fmtNum(a.value, 1)}${a.unit ? ` ${a.unit}` : ''}`),
      h('td', { class: 'nowrap' }, a.cleared_ts ? fmtTime(a.cleared_ts) : t('alarms.state_active')),
      h('td', {}, a.acknowledged
        ? h('span', { class: 'acked', title: a.ack_comment || '' }, `✔ ${a.acknowledged_by || ''}${a.ack_comment ? ` — ${a.ack_comment}` : ''}`)
        : h('span', { class: 'muted' }, '—'))))));
}

async function loadHistory() {
  const f = filters();
  csvLink.href = csvHref('/api/alarms/history.csv', f);
  historyEl.replaceChildren(h('p', { class: 'empty' }, t('common.loading')));
  try {
    const data = await api(csvHref('/api/alarms/history', { ...f, limit: 500 }));
    const alarms = data.alarms || [];
    const parts = [];
    if (data.history_available === false) parts.push(h('div', { class: 'notice notice-warn notice-big', 'data-testid': 'history-unavailable' }, data.history_message || t('detail.history_unavailable')));
    parts.push(alarms.length ? historyTable(alarms) : h('p', { class: 'empty' }, t('alarms.none_history')));
    historyEl.replaceChildren(...parts);
    historyCount.textContent = alarms.length ? t('alarms.count', { n: alarms.length }) : '';
    for (const a of alarms) addSite(a.site, a.site_name);
  } catch (e) {
    if (e.status !== 401) historyEl.replaceChildren(errorBox(e));
  }
}

const knownSites = new Set();
function addSite(site, name) {
  if (!site || knownSites.has(site)) return;
  knownSites.add(site);
  const options = [...siteSelect.options].slice(1);
  const option = h('option', { value: site }, name ? `${name} (${site})` : site);
  const after = options.find((o) => o.value.localeCompare(site) > 0);
  siteSelect.insertBefore(option, after || null);
}

async function fillFilters() {
  siteSelect.replaceChildren(h('option', { value: '' }, t('common.all')));
  kindSelect.replaceChildren(h('option', { value: '' }, t('common.all')), ...ALARM_KINDS.map((k) => h('option', { value: k }, kindText(k))));
  fromInput.value = cstLocal(new Date(Date.now() - 7 * 86400000));
  toInput.value = '';
  try {
    const board = await api('/api/board');
    for (const gw of board.gateways || []) addSite(gw.site, gw.site_name);
  } catch {
    // The site list also fills from the history itself.
  }
}

// ---- start -----------------------------------------------------------------------------------------------------

me = await startPage('alarms', 'alarms.title');
if (me) {
  document.getElementById('read-only').hidden = can.ack(me);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    loadHistory();
  });
  for (const input of [siteSelect, kindSelect]) input.addEventListener('change', loadHistory);
  await fillFilters();
  await loadActive();
  loadHistory();
  const conn = document.getElementById('conn');
  openStream('/api/board/stream', {
    handlers: { alarm: reloadSoon, resync: reloadSoon },
    onStatus: (status) => {
      conn.dataset.status = status;
      conn.textContent = t(status === 'live' ? 'board.live' : status === 'reconnecting' ? 'board.reconnecting' : 'board.connecting');
    },
    onOpen: reloadSoon,
  });
}
