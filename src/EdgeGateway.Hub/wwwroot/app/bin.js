// Bin detail (/bins/{site}/{gw}/{bin}): now (live from the board stream), the last hours' fill as a chart
// (weight and temperature beside it), its alarms; maintenance and admin: a snapshot of the gateway.
import { t, classText } from './i18n.js';
import {
  api, startPage, openStream, h, can, pathSegments, fmtNum, fmtTime, fmtAgo, fmtFull, errorBox,
} from './app.js';
import { alarmItem, timeChart, commandPanel, hourButtons } from './widgets.js';

const [, site, gateway, binId] = pathSegments();
const query = new URLSearchParams(location.search);
let hours = Math.min(72, Math.max(1, Number(query.get('hours')) || 24));
let me = null;
let detail = null;
let reloadTimer = null;

const content = document.getElementById('content');
const facts = h('dl', { class: 'facts', 'data-testid': 'facts' });
const chartEl = h('div', { class: 'chart', 'data-testid': 'chart-fill', role: 'img', 'aria-label': t('detail.chart_fill') });
const historyNotice = h('div', { class: 'notice notice-warn', hidden: true, 'data-testid': 'history-unavailable' });
const alarmsEl = h('div', { class: 'alarm-list', 'data-testid': 'bin-alarms' });

function fact(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value));
}

function renderNow(bin) {
  const flags = [];
  if (bin.container_full) flags.push(t('board.full'));
  else if (bin.nearly_full) flags.push(t('board.nearly_full'));
  if (bin.lid_open) flags.push(t('board.lid_open'));
  if (bin.tilted) flags.push(t('board.tilted'));
  document.getElementById('state-badge').replaceChildren(h('span', {
    class: `badge ${flags.length || bin.fault ? 'badge-alarm' : 'badge-online'}`, 'data-testid': 'bin-state',
  }, `${classText(bin.class)} · ${bin.fill_pct === null || bin.fill_pct === undefined ? '—' : `${fmtNum(bin.fill_pct, 0)}%`}`));
  facts.replaceChildren(...[
    fact(t('detail.class'), classText(bin.class)),
    fact(t('board.fill'), bin.fill_pct === null || bin.fill_pct === undefined ? '—' : `${fmtNum(bin.fill_pct, 1)} %`),
    fact(t('board.full_at'), fmtTime(bin.forecast_full_ts)),
    fact(t('board.temperature'), bin.temperature_c === null || bin.temperature_c === undefined ? '—' : `${fmtNum(bin.temperature_c, 1)} °C`),
    bin.weight_kg !== undefined ? fact(t('detail.weight'), bin.weight_kg === null ? '—' : `${fmtNum(bin.weight_kg, 1)} kg`) : null,
    flags.length ? fact(t('alarms.state'), flags.join(' · ')) : null,
    bin.fault ? fact(t('board.fault'), bin.fault) : null,
    h('div', { title: fmtFull(bin.last_seen_ts) }, h('dt', {}, t('board.last_seen')), h('dd', {}, fmtAgo(bin.last_seen_ts))),
  ].filter(Boolean));
}

function render() {
  renderNow(detail.bin || detail.port || {});
  const series = detail.series || [];
  const lines = [{ name: t('detail.series_fill'), points: series.map((p) => [p.ts, p.fill_pct ?? null]), area: true }];
  if (series.some((p) => p.weight_kg !== null && p.weight_kg !== undefined)) {
    lines.push({ name: t('detail.series_weight'), points: series.map((p) => [p.ts, p.weight_kg ?? null]), axis: 1 });
  }
  if (series.some((p) => p.temperature_c !== null && p.temperature_c !== undefined)) {
    lines.push({ name: t('detail.series_temperature'), points: series.map((p) => [p.ts, p.temperature_c ?? null]), axis: 1 });
  }
  timeChart(chartEl, { spanHours: hours, axes: lines.length > 1 ? [t('detail.series_fill'), ''] : [t('detail.series_fill')], lines });
  historyNotice.hidden = detail.history_available !== false;
  historyNotice.textContent = `${t('detail.history_unavailable')}: ${detail.history_message || ''}`;
  const alarms = detail.alarms || [];
  alarmsEl.replaceChildren(...(alarms.length ? alarms.map((a) => alarmItem(a, { showSite: false })) : [h('p', { class: 'empty' }, t('detail.no_alarms'))]));
}

async function load() {
  try {
    detail = await api(`/api/bins/${encodeURIComponent(site)}/${encodeURIComponent(gateway)}/${encodeURIComponent(binId)}?hours=${hours}`);
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
if (me && site && gateway && binId) {
  document.title = `${t('bin.title', { bin: binId })} · ${t('app.name')}`;
  document.getElementById('title').textContent = t('bin.title', { bin: binId });
  document.getElementById('where').textContent = `/ ${site} / ${gateway}`;
  content.replaceChildren(...[
    h('section', { class: 'panel' }, h('h2', {}, t('detail.now')), facts),
    can.command(me) ? commandPanel({ site, gateway, commands: ['snapshot'], onDone: () => reloadSoon(300) }) : null,
    h('section', { class: 'panel' },
      h('div', { class: 'chart-head' }, h('h2', {}, t('detail.chart_fill')),
        hourButtons([6, 24, 72], hours, (n) => { hours = n; load(); })),
      historyNotice, chartEl),
    h('section', { class: 'panel' }, h('h2', {}, t('detail.alarms')), alarmsEl),
  ].filter(Boolean));
  await load();
  const conn = document.getElementById('conn');
  openStream('/api/board/stream', {
    handlers: {
      resync: () => reloadSoon(0),
      bin: (data) => {
        if (data.site !== site || data.gateway !== gateway || data.bin !== binId || !detail) return;
        const { site: s, gateway: g, ...bin } = data;
        detail.bin = { ...(detail.bin || detail.port), ...bin };
        renderNow(detail.bin);
      },
      alarm: (alarm) => {
        if (alarm.site === site && alarm.gateway === gateway && alarm.bin === binId) reloadSoon();
      },
    },
    onStatus: (status) => {
      conn.dataset.status = status;
      conn.textContent = t(status === 'live' ? 'board.live' : status === 'reconnecting' ? 'board.reconnecting' : 'board.connecting');
    },
  });
}
