// Remote upgrades: every gateway in scope with its version, each rollout's gateways and their state (pending, sent,
// accepted, refused, applied, failed or rolled back); admins upload signed bundles and start, pause and resume rollouts
// (src/EdgeGateway.Hub/Upgrades/README.md).
import { t } from './i18n.js';
import { api, startPage, h, fmtTime, errorBox, toast, xsrfToken } from './app.js';

const rolloutsEl = document.getElementById('rollouts');
const bundlesEl = document.getElementById('bundles');
const fleetEl = document.getElementById('fleet');

async function act(path) {
  try {
    await api(path, { method: 'POST' });
    load();
  } catch (e) {
    if (e.status !== 401) toast(e.message, 'error');
  }
}

function rolloutView(r, manage) {
  const actions = !manage ? ''
    : r.state === 'running' ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => act(`/api/upgrades/rollouts/${r.id}/pause`) }, t('upgrades.pause'))
      : r.state === 'paused' ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => act(`/api/upgrades/rollouts/${r.id}/resume`) }, t('upgrades.resume'))
        : '';
  return h('div', { class: 'panel', 'data-rollout': r.id },
    h('p', {}, h('strong', {}, r.version), ' · ', t(`upgrades.state.${r.state}`), ' · ',
      t('upgrades.stage', { n: r.stage + 1, of: r.stages }), ' · ', `${fmtTime(r.created_ts)} · ${r.created_by} `, actions),
    r.note ? h('p', { class: 'note' }, r.note) : '',
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, t('upgrades.site')), h('th', {}, t('upgrades.gateway')), h('th', {}, t('upgrades.stage_col')),
        h('th', {}, t('upgrades.state')), h('th', {}, t('upgrades.reported')), h('th', {}, t('upgrades.reason')))),
      h('tbody', {}, r.gateways.map((g) => h('tr', { 'data-gateway': `${g.site}/${g.gateway}` },
        h('td', {}, g.site), h('td', {}, g.gateway), h('td', {}, String(g.stage + 1)),
        h('td', { 'data-state': g.state }, t(`upgrades.gw.${g.state}`)), h('td', {}, g.version || '—'), h('td', {}, g.reason || ''))))));
}

function render(data) {
  const manage = data.may_manage;
  document.getElementById('manage').hidden = !manage;
  rolloutsEl.replaceChildren(...(data.rollouts.length ? data.rollouts.map((r) => rolloutView(r, manage)) : [h('p', { class: 'empty' }, t('upgrades.no_rollouts'))]));
  if (manage) {
    bundlesEl.replaceChildren(
      data.configured ? '' : h('p', { class: 'note' }, t('upgrades.not_configured')),
      data.bundles.length ? h('ul', {}, data.bundles.map((b) => h('li', {}, `${b.version} · ${b.file_name} · ${Math.round(b.bytes / 1048576)} MB · sha256 ${b.sha256.slice(0, 12)}…`)))
        : h('p', { class: 'empty' }, t('upgrades.no_bundles')),
      (data.refused || []).length ? h('ul', {}, data.refused.map((b) => h('li', {}, `${b.file_name}: ${t('upgrades.refused_bundle')} (${b.reason})`))) : '');
  }
  fleetEl.replaceChildren(h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, t('upgrades.site')), h('th', {}, t('upgrades.gateway')), h('th', {}, t('upgrades.reported')), h('th', {}, t('upgrades.reason')))),
    h('tbody', {}, data.gateways.map((g) => h('tr', {}, h('td', {}, g.site), h('td', {}, g.gateway), h('td', {}, g.version || '—'), h('td', {}, g.last_error || ''))))));
}

async function load() {
  try {
    render(await api('/api/upgrades'));
  } catch (e) {
    if (e.status !== 401) rolloutsEl.replaceChildren(errorBox(e));
  }
}

const me = await startPage('upgrades', 'upgrades.title');
if (me) {
  document.getElementById('upload-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const file of event.target.elements.files.files) {
      const response = await fetch(`/api/upgrades/bundles/${encodeURIComponent(file.name)}`, {
        method: 'POST', body: file, credentials: 'same-origin', headers: { 'X-XSRF-TOKEN': xsrfToken(), 'Content-Type': 'application/octet-stream' },
      });
      if (!response.ok) toast(`${file.name}: ${(await response.json().catch(() => ({}))).message || response.status}`, 'error');
    }
    event.target.reset();
    load();
  });
  document.getElementById('rollout-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = event.target.elements;
    const list = (text) => text.split(',').map((s) => s.trim()).filter((s) => s);
    try {
      await api('/api/upgrades/rollouts', {
        method: 'POST',
        body: {
          version: f.version.value.trim(),
          percentages: list(f.percentages.value).map(Number),
          gateways: list(f.gateways.value),
          company: f.company.value.trim() || null,
        },
      });
      toast(t('upgrades.started'), 'ok');
      event.target.reset();
      load();
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  });
  load();
  setInterval(load, 5000);
}
