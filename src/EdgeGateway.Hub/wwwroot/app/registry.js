// Companies and sites (admin): the hub's registry, each edit written to the registry file and audited.
import { t } from './i18n.js';
import { api, startPage, h, errorBox, toast } from './app.js';

const registryEl = document.getElementById('registry');

function render(data) {
  const companies = data.companies || [];
  if (!companies.length) {
    registryEl.replaceChildren(h('p', { class: 'empty' }, t('registry.empty')));
    return;
  }
  registryEl.replaceChildren(h('table', { 'data-testid': 'registry-table' },
    h('thead', {}, h('tr', {},
      h('th', {}, t('registry.company')), h('th', {}, t('registry.site')), h('th', {}, t('registry.address')), h('th', {}, ''))),
    h('tbody', {}, companies.flatMap((c) => [
      h('tr', { 'data-company': c.id },
        h('td', { title: c.id }, `${c.name}${c.name_en ? ` (${c.name_en})` : ''} · ${c.id}`),
        h('td', {}, (c.channels || []).join(', ')),
        h('td', {}, ''),
        h('td', {}, h('button', { type: 'button', class: 'btn btn-small', onclick: () => remove(`/api/registry/companies/${encodeURIComponent(c.id)}`) }, t('registry.delete')))),
      ...(c.sites || []).map((s) => h('tr', { 'data-site': s.id },
        h('td', {}, ''),
        h('td', { title: s.id }, `${s.name}${s.name_en ? ` (${s.name_en})` : ''} · ${s.id}`),
        h('td', {}, s.address || ''),
        h('td', {}, h('button', { type: 'button', class: 'btn btn-small', onclick: () => remove(`/api/registry/sites/${encodeURIComponent(s.id)}`) }, t('registry.delete'))))),
    ]))));
}

async function load() {
  try {
    render(await api('/api/registry'));
  } catch (e) {
    if (e.status !== 401) registryEl.replaceChildren(errorBox(e));
  }
}

async function send(path, method, body) {
  try {
    render(await api(path, { method, body }));
    toast(t('registry.saved'), 'ok');
  } catch (e) {
    if (e.status !== 401) toast(e.message, 'error');
  }
}

const remove = (path) => send(path, 'DELETE');
const text = (value) => (value || '').trim() || null;

const me = await startPage('registry', 'registry.title');
if (me) {
  document.getElementById('company-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const f = event.target.elements;
    const channels = (f.channels.value || '').split(',').map((c) => c.trim()).filter(Boolean);
    send(`/api/registry/companies/${encodeURIComponent(f.id.value.trim())}`, 'PUT', { name: text(f.name.value), name_en: text(f.name_en.value), channels });
  });
  document.getElementById('site-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const f = event.target.elements;
    send(`/api/registry/sites/${encodeURIComponent(f.id.value.trim())}`, 'PUT',
      { name: text(f.name.value), name_en: text(f.name_en.value), address: text(f.address.value), company: text(f.company.value) });
  });
  load();
}
