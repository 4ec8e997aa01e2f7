// Incident statistics (district, managers): per company and ISO week (China Standard Time) — opened, closed, median
// and 90th-percentile time to acknowledge and to close, the kinds — and the oldest open incidents; CSV export.
// Contract: API.md "Incidents".
import { t, kindText } from './i18n.js';
import { api, startPage, h, errorBox, fmtTime, fmtFull, fmtDuration } from './app.js';

const weeksEl = document.getElementById('weeks');
const oldestEl = document.getElementById('oldest');
const weeksSelect = document.getElementById('f-weeks');
const csvLink = document.getElementById('csv');

const duration = (seconds) => (seconds === null || seconds === undefined ? '—' : fmtDuration(seconds));

function weeksTable(weeks) {
  if (!weeks.length) return h('p', { class: 'empty', 'data-testid': 'stats-empty' }, t('stats.empty'));
  return h('table', { 'data-testid': 'stats-table' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('stats.company')), h('th', {}, t('stats.week')), h('th', { class: 'num' }, t('stats.opened')), h('th', { class: 'num' }, t('stats.closed')),
      h('th', { class: 'num' }, t('stats.ack_median')), h('th', { class: 'num' }, t('stats.ack_p90')),
      h('th', { class: 'num' }, t('stats.close_median')), h('th', { class: 'num' }, t('stats.close_p90')), h('th', {}, t('stats.kinds')))),
    h('tbody', {}, weeks.map((w) => h('tr', { 'data-company': w.company, 'data-week': w.week },
      h('td', {}, w.company_name || w.company),
      h('td', { class: 'nowrap' }, w.week),
      h('td', { class: 'num' }, String(w.opened)),
      h('td', { class: 'num' }, String(w.closed)),
      h('td', { class: 'num' }, duration(w.ack_median_s)),
      h('td', { class: 'num' }, duration(w.ack_p90_s)),
      h('td', { class: 'num' }, duration(w.close_median_s)),
      h('td', { class: 'num' }, duration(w.close_p90_s)),
      h('td', {}, Object.entries(w.kinds || {}).map(([k, n]) => `${kindText(k)} ${n}`).join('、'))))));
}

function oldestTable(incidents) {
  if (!incidents.length) return h('p', { class: 'empty' }, t('stats.none_open'));
  return h('table', { 'data-testid': 'oldest-table' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('stats.company')), h('th', {}, t('incidents.site')), h('th', {}, t('incidents.kind')), h('th', {}, t('incidents.state')),
      h('th', {}, t('incidents.opened')), h('th', { class: 'num' }, t('incidents.age')), h('th', {}, t('incidents.assignee')))),
    h('tbody', {}, incidents.map((i) => h('tr', {},
      h('td', {}, i.company_name || i.company || '—'),
      h('td', {}, i.site_name || i.site),
      h('td', {}, kindText(i.kind, i.kind_text)),
      h('td', {}, t(`incident_state.${i.state}`)),
      h('td', { class: 'nowrap', title: fmtFull(i.opened_ts) }, fmtTime(i.opened_ts)),
      h('td', { class: 'num' }, fmtDuration(i.age_s)),
      h('td', {}, i.assignee_name || i.assignee || t('incidents.unassigned'))))));
}

async function load() {
  const weeks = weeksSelect.value;
  csvLink.href = `/api/incidents/stats.csv?weeks=${weeks}`;
  try {
    const data = await api(`/api/incidents/stats?weeks=${weeks}`);
    weeksEl.replaceChildren(weeksTable(data.weeks || []));
    oldestEl.replaceChildren(oldestTable(data.oldest_open || []));
  } catch (e) {
    if (e.status !== 401) weeksEl.replaceChildren(errorBox(e));
  }
}

const me = await startPage('incident_stats', 'stats.title');
if (me) {
  for (const n of [4, 8, 13, 26, 52]) weeksSelect.append(h('option', { value: String(n), selected: n === 8 }, t('stats.last_weeks', { n })));
  weeksSelect.addEventListener('change', load);
  load();
}
