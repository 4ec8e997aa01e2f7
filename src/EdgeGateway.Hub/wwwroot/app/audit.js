// Audit log (admin): who did what, when, with what result — commands, acknowledgements, sign-ins.
import { t, tOr, roleText } from './i18n.js';
import { api, startPage, h, fmtTime, fmtFull, errorBox } from './app.js';

const auditEl = document.getElementById('audit');

const actionText = (action) => tOr(`audit.action.${action}`, tOr(`cmd.${action}`, action || ''));

function outcome(result) {
  const r = String(result || '').toLowerCase();
  if (r.startsWith('ok')) return 'ok';
  if (['refused', 'error', 'fail', 'no_reply', 'denied', 'invalid', 'not_found'].some((p) => r.startsWith(p))) return 'bad';
  return '';
}

async function load() {
  try {
    const data = await api('/api/audit?limit=200');
    const entries = data.entries || [];
    if (!entries.length) {
      auditEl.replaceChildren(h('p', { class: 'empty' }, t('audit.empty')));
      return;
    }
    auditEl.replaceChildren(h('table', { 'data-testid': 'audit-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('audit.ts')), h('th', {}, t('audit.user')), h('th', {}, t('audit.role')), h('th', {}, t('audit.action')),
        h('th', {}, t('audit.target')), h('th', {}, t('audit.detail')), h('th', {}, t('audit.result')))),
      h('tbody', {}, entries.map((e) => h('tr', { 'data-action': e.action },
        h('td', { class: 'nowrap', title: fmtFull(e.ts) }, fmtTime(e.ts)),
        h('td', { class: 'nowrap' }, e.user || '—'),
        h('td', { class: 'nowrap' }, roleText(e.role)),
        h('td', { class: 'nowrap', title: e.action }, actionText(e.action)),
        h('td', {}, e.target || ''),
        h('td', {}, e.detail || ''),
        h('td', { class: outcome(e.result) === 'ok' ? 'acked' : outcome(e.result) === 'bad' ? 'unacked' : '' }, e.result || ''))))));
  } catch (e) {
    if (e.status !== 401) auditEl.replaceChildren(errorBox(e));
  }
}

const me = await startPage('audit', 'audit.title');
if (me) {
  document.getElementById('refresh').addEventListener('click', load);
  
  load();
}
