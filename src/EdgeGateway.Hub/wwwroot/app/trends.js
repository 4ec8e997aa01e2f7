// Trends: a date range (China Standard Time days) and the sites to compare; one ECharts chart per trend of
// GET /api/trends/{name}, each with its CSV. Without InfluxDB the hub says what is needed (available: false):
// that message is shown instead of empty charts.
import { t, tOr, kindText } from './i18n.js';
import { api, startPage, h, cstDay, csvHref, errorBox } from './app.js';
import { categoryChart } from './widgets.js';

const TRENDS = [
  { name: 'energy_per_day', kind: 'bar' },
  { name: 'sessions_per_day', kind: 'bar' },
  { name: 'session_length', kind: 'line' },
  { name: 'sessions_cut_at_start', kind: 'bar' },
  { name: 'utilisation', kind: 'line' },
  { name: 'start_hour_profile', kind: 'bar' },
  { name: 'alarms_per_week', kind: 'bar', stack: true },
  { name: 'bin_overflows', kind: 'bar' },
  { name: 'fill_at_collection', kind: 'line' },
];

const form = document.getElementById('range-form');
const fromInput = document.getElementById('from');
const toInput = document.getElementById('to');
const sitesEl = document.getElementById('sites');
const unavailable = document.getElementById('unavailable');
const chartsEl = document.getElementById('charts');
let allSites = [];
let generation = 0;

const unitText = (unit) => tOr(`trends.unit.${unit}`, unit || '');

function xLabel(x) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(x)) return x.slice(5);
  const week = /^\d{4}-W(\d{2})$/.exec(x);
  if (week) return t('trends.week', { w: Number(week[1]) });
  if (/^\d{2}$/.test(x)) return t('trends.hour', { h: x });
  return x;
}

function selectedSites() {
  return [...sitesEl.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
}

function query() {
  const sites = selectedSites();
  return { from: fromInput.value, to: toInput.value, sites: sites.length === allSites.length ? '' : sites.join(',') };
}

function saveState() {
  const q = query();
  const url = new URL(location.href);
  url.search = new URLSearchParams(Object.entries(q).filter(([, v]) => v)).toString();
  history.replaceState(null, '', url);
}

function card(trend) {
  const chart = h('div', { class: 'chart', 'data-testid': `chart-${trend.name}`, role: 'img', 'aria-label': t(`trends.${trend.name}`) });
  const note = h('div', { class: 'notice notice-warn', hidden: true });
  const csv = h('a', { class: 'btn btn-small', download: true, 'data-testid': `csv-${trend.name}`, href: '#' }, t('common.csv'));
  const el = h('section', { class: 'chart-card', 'data-trend': trend.name },
    h('div', { class: 'chart-head' }, h('h2', {}, t(`trends.${trend.name}`)), h('span', { class: 'muted small unit' }), csv),
    note, chart);
  return { el, chart, note, csv, unit: el.querySelector('.unit') };
}

const cards = new Map();

async function loadAll() {
  const mine = ++generation;
  saveState();
  const q = query();
  if (!selectedSites().length && allSites.length) {
    unavailable.hidden = false;
    unavailable.textContent = t('trends.pick_site');
    chartsEl.hidden = true;
    return;
  }
  document.body.dataset.trendsLoaded = 'false';
  const results = await Promise.all(TRENDS.map((trend) => api(csvHref(`/api/trends/${trend.name}`, q)).then((data) => ({ trend, data }), (error) => ({ trend, error }))));
  if (mine !== generation) return;
  const notAvailable = results.filter((r) => r.data && r.data.available === false);
  if (notAvailable.length === results.length) {
    // No InfluxDB (or no /query): say what is needed, prominently, and draw nothing.
    unavailable.hidden = false;
    unavailable.textContent = notAvailable[0].data.message || t('trends.unavailable');
    chartsEl.hidden = true;
    document.body.dataset.trendsLoaded = 'unavailable';
    return;
  }
  unavailable.hidden = true;
  chartsEl.hidden = false;
  for (const { trend, data, error } of results) {
    const c = cards.get(trend.name);
    c.csv.href = csvHref(`/api/trends/${trend.name}.csv`, q);
    if (error || data.available === false) {
      c.note.hidden = false;
      c.note.textContent = error ? error.message : t('trends.partial', { message: data.message || '' });
      c.chart.hidden = true;
      continue;
    }
    c.note.hidden = true;
    c.chart.hidden = false;
    c.unit.textContent = unitText(data.unit);
    const series = (data.series || []).map((s) => ({
      name: s.kind ? kindText(s.kind, s.kind_text) : (s.site_name || s.site),
      points: s.points || [],
    }));
    categoryChart(c.chart, {
      series, kind: trend.kind, stack: trend.stack, unit: unitText(data.unit), xLabel, integer: ['sessions', 'alarms'].includes(data.unit),
    });
  }
  document.body.dataset.trendsLoaded = 'true';
}

function setRange(days) {
  toInput.value = cstDay();
  fromInput.value = cstDay(new Date(), -(days - 1));
  loadAll();
}

async function loadSites() {
  const params = new URLSearchParams(location.search);
  const wanted = (params.get('sites') || '').split(',').filter(Boolean);
  try {
    const data = await api('/api/trends/sites');
    if (data.available === false) {
      unavailable.hidden = false;
      unavailable.textContent = data.message || t('trends.unavailable');
    }
    allSites = data.sites || [];
  } catch (e) {
    if (e.status === 401) return false;
    sitesEl.replaceChildren(errorBox(e));
    return true;
  }
  sitesEl.replaceChildren(...(allSites.length
    ? allSites.map((site) => h('label', { class: 'chip' },
      h('input', { type: 'checkbox', value: site, checked: !wanted.length || wanted.includes(site), onchange: loadAll, 'data-site': site }),
      site))
    : [h('span', { class: 'muted' }, t('trends.no_sites'))]));
  return true;
}

const me = await startPage('trends', 'trends.title');
if (me) {
  const params = new URLSearchParams(location.search);
  toInput.value = params.get('to') || cstDay();
  fromInput.value = params.get('from') || cstDay(new Date(), -13);
  document.getElementById('presets').replaceChildren(...[7, 14, 30, 90].map((n) => h('button', {
    type: 'button', class: 'btn btn-small', 'data-days': n, onclick: () => setRange(n),
  }, t(`trends.range.${n}`))));
  for (const trend of TRENDS) {
    const c = card(trend);
    cards.set(trend.name, c);
    chartsEl.append(c.el);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (fromInput.value > toInput.value) [fromInput.value, toInput.value] = [toInput.value, fromInput.value];
    loadAll();
  });
  if (await loadSites()) await loadAll();
}
