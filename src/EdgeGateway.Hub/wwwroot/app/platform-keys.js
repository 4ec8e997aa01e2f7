// Platform API keys (admin): a payment platform's key, scoped to one company's sheds, made and revoked here and audited.
// The key and its webhook secret are shown once, when made (src/EdgeGateway.Hub/Platform/README.md).
import { t } from './i18n.js';
import { api, startPage, h, fmtTime, errorBox, toast } from './app.js';

const keysEl = document.getElementById('keys');
const createdEl = document.getElementById('created');

function render(data) {
  const keys = data.keys || [];
  if (!keys.length) {
    keysEl.replaceChildren(h('p', { class: 'empty' }, t('keys.empty')));
    return;
  }
  keysEl.replaceChildren(h('table', { 'data-testid': 'keys-table' },
    h('thead', {}, h('tr', {},
      h('th', {}, 'id'), h('th', {}, t('registry.company')), h('th', {}, t('keys.name')), h('th', {}, t('keys.webhook')),
      h('th', {}, t('keys.created')), h('th', {}, ''))),
    h('tbody', {}, keys.map((k) => h('tr', { 'data-key': k.id },
      h('td', { class: 'nowrap' }, k.id),
      h('td', {}, k.company),
      h('td', {}, k.name),
      h('td', {}, k.webhook_url || '—'),
      h('td', { class: 'nowrap' }, `${fmtTime(k.created_ts)} · ${k.created_by}`),
      h('td', {}, k.revoked_ts
        ? `${t('keys.revoked')} ${fmtTime(k.revoked_ts)}`
        : h('button', { type: 'button', class: 'btn btn-small', onclick: () => revoke(k.id) }, t('keys.revoke'))))))));
}

async function load() {
  try {
    render(await api('/api/platform/keys'));
  } catch (e) {
    if (e.status !== 401) keysEl.replaceChildren(errorBox(e));
  }
}

async function revoke(id) {
  try {
    render(await api(`/api/platform/keys/${encodeURIComponent(id)}/revoke`, { method: 'POST' }));
    toast(t('keys.revoked'), 'ok');
  } catch (e) {
    if (e.status !== 401) toast(e.message, 'error');
  }
}

const me = await startPage('registry', 'keys.title');
if (me) {
  document.getElementById('key-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = event.target.elements;
    try {
      const made = await api('/api/platform/keys', {
        method: 'POST',
        body: { company: f.company.value.trim(), name: f.name.value.trim(), webhook_url: f.webhook_url.value.trim() || null },
      });
      createdEl.replaceChildren(h('div', { class: 'panel' },
        h('p', {}, t('keys.once')),
        h('p', {}, `${t('keys.key')}: `, h('code', { 'data-testid': 'new-key' }, made.key)),
        made.webhook_secret ? h('p', {}, `${t('keys.secret')}: `, h('code', {}, made.webhook_secret)) : ''));
      event.target.reset();
      load();
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  });
  load();
}
