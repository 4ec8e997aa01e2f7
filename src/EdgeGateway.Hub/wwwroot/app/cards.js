// Prepaid cards (刷卡充电): a company's managers issue, top up (in 元, kept as integer fen) and block cards; maintenance
// staff and the district read them; every change is audited (src/EdgeGateway.Hub/Cards/README.md).
import { t } from './i18n.js';
import { api, startPage, h, fmtTime, errorBox, toast } from './app.js';

const cardsEl = document.getElementById('cards');
const detailEl = document.getElementById('detail');
const unmatchedEl = document.getElementById('unmatched');
let mayManage = false;

const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`;
// The cards API answers refusals as problem details (RFC 9457): the reason is their `detail`.
const reason = (e) => e.data?.detail || e.message;
const path = (company, reference) => `/api/cards/${encodeURIComponent(company)}/${encodeURIComponent(reference)}`;

function renderCards(data) {
  mayManage = data.may_manage;
  document.getElementById('issue-panel').hidden = !mayManage;
  document.getElementById('read-only').hidden = mayManage;
  const cards = data.cards || [];
  if (!cards.length) {
    cardsEl.replaceChildren(h('p', { class: 'empty' }, t('cards.empty')));
    return;
  }
  cardsEl.replaceChildren(
    h('p', { class: 'muted small' }, t('cards.count', { n: cards.length })),
    h('table', { 'data-testid': 'cards-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('cards.reference')), h('th', {}, t('cards.uid')), h('th', {}, t('cards.company')),
        h('th', {}, t('cards.balance')), h('th', {}, t('cards.status')), h('th', {}, t('cards.updated')))),
      h('tbody', {}, cards.map((c) => h('tr', { 'data-card': c.reference },
        h('td', {}, h('a', { href: '#', onclick: (event) => { event.preventDefault(); show(c.company, c.reference); } }, c.reference)),
        h('td', { class: 'nowrap' }, c.uid),
        h('td', {}, c.company_name || c.company),
        h('td', { class: 'nowrap' }, yuan(c.balance_fen)),
        h('td', {}, c.blocked ? t('cards.blocked') : t('cards.active')),
        h('td', { class: 'nowrap' }, `${fmtTime(c.updated_ts)} · ${c.updated_by}`))))));
}

function renderDetail(d) {
  const c = d.card;
  const actions = d.may_manage ? h('form', { 'data-testid': 'card-top-up', onsubmit: (event) => { event.preventDefault(); topUp(c, event.target.elements.amount.value); } },
    h('input', { name: 'amount', inputmode: 'decimal', required: true, placeholder: t('cards.amount') }),
    h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, t('cards.top_up')),
    h('button', { type: 'button', class: 'btn btn-small btn-warn', onclick: () => block(c, !c.blocked) }, c.blocked ? t('cards.unblock') : t('cards.block'))) : '';
  detailEl.hidden = false;
  detailEl.replaceChildren(
    h('h2', {}, `${c.reference} · ${yuan(c.balance_fen)}${c.blocked ? ` · ${t('cards.blocked')}` : ''}`),
    actions,
    h('h3', {}, t('cards.ledger')),
    h('table', { 'data-testid': 'card-ledger' },
      h('thead', {}, h('tr', {}, h('th', {}, t('cards.when')), h('th', {}, t('cards.kind')), h('th', {}, t('cards.amount')), h('th', {}, t('cards.balance')), h('th', {}, t('cards.by')))),
      h('tbody', {}, d.ledger.map((e) => h('tr', {},
        h('td', { class: 'nowrap' }, fmtTime(e.ts)),
        h('td', {}, t(`cards.kind.${e.kind}`) + (e.session_id ? ` (${e.site}/${e.gateway}/${e.session_id})` : '') + (e.comment ? ` — ${e.comment}` : '')),
        h('td', { class: 'nowrap' }, yuan(e.amount_fen)),
        h('td', { class: 'nowrap' }, yuan(e.balance_fen)),
        h('td', {}, e.by))))),
    h('h3', {}, t('cards.sessions')),
    d.sessions.length ? spendTable(d.sessions) : h('p', { class: 'empty' }, t('common.none')));
}

function spendTable(spends) {
  return h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, t('cards.when')), h('th', {}, t('cards.site')), h('th', {}, t('cards.session')), h('th', {}, t('cards.reference')), h('th', {}, t('cards.cost')), h('th', {}, t('cards.reason')))),
    h('tbody', {}, spends.map((s) => h('tr', {},
      h('td', { class: 'nowrap' }, fmtTime(s.ts)),
      h('td', {}, `${s.site_name || s.site} / ${s.gateway}`),
      h('td', { class: 'nowrap' }, s.session_id),
      h('td', {}, s.card),
      h('td', { class: 'nowrap' }, yuan(s.cost_fen)),
      h('td', {}, s.applied ? t('cards.applied') : (s.reason || ''))))));
}

async function load() {
  try {
    renderCards(await api('/api/cards'));
    const unmatched = await api('/api/cards/unmatched');
    unmatchedEl.replaceChildren(unmatched.spends.length ? spendTable(unmatched.spends) : h('p', { class: 'empty' }, t('common.none')));
  } catch (e) {
    if (e.status !== 401) cardsEl.replaceChildren(errorBox(e));
  }
}

async function show(company, reference) {
  try {
    renderDetail(await api(path(company, reference)));
  } catch (e) {
    if (e.status !== 401) toast(reason(e), 'error');
  }
}

async function change(url, body, done) {
  try {
    renderDetail(await api(url, { method: 'POST', body }));
    toast(done, 'ok');
    load();
  } catch (e) {
    if (e.status !== 401) toast(reason(e), 'error');
  }
}

// Amounts are sent as JSON numbers in 元; the hub refuses more than two decimals.
const topUp = (c, amount) => change(`${path(c.company, c.reference)}/top_up`, { amount_yuan: Number(amount) }, t('cards.topped_up'));
const block = (c, blocked) => change(`${path(c.company, c.reference)}/${blocked ? 'block' : 'unblock'}`, {}, blocked ? t('cards.blocked') : t('cards.active'));

const me = await startPage('cards', 'cards.title');
if (me) {
  // A company's manager issues for their own company; an admin names the company.
  const companyInput = document.getElementById('issue-form').elements.company;
  companyInput.hidden = me.role !== 'admin';
  companyInput.value = me.company || '';
  document.getElementById('issue-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = event.target.elements;
    const company = f.company.value.trim();
    await change(`/api/cards/${encodeURIComponent(company)}`,
      { uid: f.uid.value.trim(), reference: f.reference.value.trim(), opening_yuan: Number(f.opening.value || 0) }, t('cards.issued'));
    event.target.reset();
    companyInput.value = company;
  });
  document.getElementById('refresh').addEventListener('click', load);
  load();
}
