// What the port page and the bin page share: one thing on a gateway, its last hours as a chart (with the hour
// buttons and the notice when the history database does not answer), its alarms, the commands, and the board
// stream that keeps "now" live and reloads the page when an alarm for it comes or the stream resyncs.
import { t } from './i18n.js';
import { api, startPage, openStream, h, can, pathSegments, errorBox } from './app.js';
import { alarmItem, timeChart, commandPanel, hourButtons } from './widgets.js';

/** One line of a detail page's "now" list (dt/dd). */
export function fact(label, value, testId) {
  return h('div', testId ? { 'data-testid': testId } : {}, h('dt', {}, label), h('dd', {}, value));
}

/**
 * Builds and runs a detail page at /{kind}s/{site}/{gw}/{id}.
 * kind: 'port' or 'bin' (the API path, the title key, the stream event and the alarm's field);
 * now(detail): the thing as the page shows it now; renderNow(thing): draws it (facts, badge);
 * chart(series): the timeChart's { axes, lines }; renderMore(detail): what else the page draws (sessions);
 * extraSections: panels between the chart and the alarms.
 */
export async function detailPage({
  kind, defaultHours, hourChoices, chartTestId, chartTitleKey, alarmsTestId, commands,
  now, renderNow, chart, renderMore = () => {}, extraSections = [], facts,
}) {
  const [, site, gateway, id] = pathSegments();
  const query = new URLSearchParams(location.search);
  let hours = Math.min(72, Math.max(1, Number(query.get('hours')) || defaultHours));
  let detail = null;
  let reloadTimer = null;

  const content = document.getElementById('content');
  const chartEl = h('div', { class: 'chart', 'data-testid': chartTestId, role: 'img', 'aria-label': t(chartTitleKey) });
  const historyNotice = h('div', { class: 'notice notice-warn', hidden: true, 'data-testid': 'history-unavailable' });
  const alarmsEl = h('div', { class: 'alarm-list', 'data-testid': alarmsTestId });

  function render() {
    renderNow(now(detail));
    timeChart(chartEl, { spanHours: hours, ...chart(detail.series || []) });
    historyNotice.hidden = detail.history_available !== false;
    historyNotice.textContent = `${t('detail.history_unavailable')}: ${detail.history_message || ''}`;
    renderMore(detail);
    const alarms = detail.alarms || [];
    alarmsEl.replaceChildren(...(alarms.length ? alarms.map((a) => alarmItem(a, { showSite: false })) : [h('p', { class: 'empty' }, t('detail.no_alarms'))]));
  }

  async function load() {
    try {
      detail = await api(`/api/${kind}s/${encodeURIComponent(site)}/${encodeURIComponent(gateway)}/${encodeURIComponent(id)}?hours=${hours}`);
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

  const me = await startPage('board');
  if (!me || !site || !gateway || !id) return;
  const title = t(`${kind}.title`, { [kind]: id });
  document.title = `${title} · ${t('app.name')}`;
  document.getElementById('title').textContent = title;
  document.getElementById('where').textContent = `/ ${site} / ${gateway}`;
  content.replaceChildren(...[
    h('section', { class: 'panel' }, h('h2', {}, t('detail.now')), facts),
    can.command(me) ? commandPanel({
      site, gateway, port: kind === 'port' ? id : null, commands, onDone: () => reloadSoon(300),
    }) : null,
    h('section', { class: 'panel' },
      h('div', { class: 'chart-head' }, h('h2', {}, t(chartTitleKey)),
        hourButtons(hourChoices, hours, (n) => { hours = n; load(); })),
      historyNotice, chartEl),
    ...extraSections,
    h('section', { class: 'panel' }, h('h2', {}, t('detail.alarms')), alarmsEl),
  ].filter(Boolean));
  await load();
  const conn = document.getElementById('conn');
  openStream('/api/board/stream', {
    handlers: {
      resync: () => reloadSoon(0),
      [kind]: (data) => {
        if (data.site !== site || data.gateway !== gateway || data[kind] !== id || !detail) return;
        const { site: s, gateway: g, ...thing } = data;
        detail[kind] = { ...now(detail), ...thing };
        renderNow(detail[kind]);
      },
      alarm: (alarm) => {
        if (alarm.site === site && alarm.gateway === gateway && alarm[kind] === id) reloadSoon();
      },
    },
    onStatus: (status) => {
      conn.dataset.status = status;
      conn.textContent = t(status === 'live' ? 'board.live' : status === 'reconnecting' ? 'board.reconnecting' : 'board.connecting');
    },
  });
}
