// Bin detail (/bins/{site}/{gw}/{bin}): now (live from the board stream), the last hours' fill as a chart
// (weight and temperature beside it), its alarms; maintenance and admin: a snapshot of the gateway.
import { t, classText, localText } from './i18n.js';
import { h, fmtNum, fmtTime, fmtAgo, fmtFull } from './app.js';
import { detailPage, fact } from './detail.js';

const facts = h('dl', { class: 'facts', 'data-testid': 'facts' });

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
    bin.fault ? fact(t('board.fault'), localText(bin.fault_text, bin.fault)) : null,
    h('div', { title: fmtFull(bin.last_seen_ts) }, h('dt', {}, t('board.last_seen')), h('dd', {}, fmtAgo(bin.last_seen_ts))),
  ].filter(Boolean));
}

function chart(series) {
  const lines = [{ name: t('detail.series_fill'), points: series.map((p) => [p.ts, p.fill_pct ?? null]), area: true }];
  if (series.some((p) => p.weight_kg !== null && p.weight_kg !== undefined)) {
    lines.push({ name: t('detail.series_weight'), points: series.map((p) => [p.ts, p.weight_kg ?? null]), axis: 1 });
  }
  if (series.some((p) => p.temperature_c !== null && p.temperature_c !== undefined)) {
    lines.push({ name: t('detail.series_temperature'), points: series.map((p) => [p.ts, p.temperature_c ?? null]), axis: 1 });
  }
  return { axes: lines.length > 1 ? [t('detail.series_fill'), ''] : [t('detail.series_fill')], lines };
}

await detailPage({
  kind: 'bin',
  defaultHours: 24,
  hourChoices: [6, 24, 72],
  chartTestId: 'chart-fill',
  chartTitleKey: 'detail.chart_fill',
  alarmsTestId: 'bin-alarms',
  commands: ['snapshot'],
  facts,
  now: (detail) => detail.bin || detail.port || {},
  renderNow,
  chart,
});
