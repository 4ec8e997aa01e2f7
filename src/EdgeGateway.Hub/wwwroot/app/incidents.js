// Incidents (事件处置): maintenance staff see the incidents assigned to them (phone first: on site, resolve with what
// was done); managers and admins the open incidents of their company with age and assignee (acknowledge, assign,
// close); district staff read every company's. Contract: API.md "Incidents".
import { t, kindText } from './i18n.js';
import { api, startPage, h, toast, errorBox, fmtTime, fmtFull, fmtDuration, askText } from './app.js';

const listEl = document.getElementById('incidents');
const stateSelect = document.getElementById('f-state');
const RESOLUTIONS = ['reset_port', 'replaced_charger', 'removed_heater', 'cleared_bin', 'other'];
const STATES = ['opened', 'acknowledged', 'assigned', 'on_site', 'resolved', 'closed'];
let me = null;

const path = (i) => `/api/incidents/${encodeURIComponent(i.site)}/${encodeURIComponent(i.gateway)}/${encodeURIComponent(i.alarm_id)}`;
const isField = () => me.role === 'maintenance';
const mayManage = () => ['manager', 'admin'].includes(me.role) && me.may_act !== false;
const mayWork = (i) => me.may_act !== false && (me.role === 'admin' || (me.role === 'maintenance' && (i.assignee || '').toLowerCase() === me.name.toLowerCase()));

/** Runs one transition; the hub's refusal (400) is shown as it says it. */
async function transition(incident, name, body, button) {
  if (button) button.disabled = true;
  try {
    await api(`${path(incident)}/${name}`, { method: 'POST', body });
    toast(t(`incidents.done.${name}`), 'ok');
  } catch (e) {
    if (e.status !== 401) toast(e.message, 'error');
  } finally {
    if (button) button.disabled = false;
    load();
  }
}

/** A dialog with a list to choose from and a comment: answers {choice, comment} or null. */
function askChoice({ title, label, options, commentLabel, confirm, testId }) {
  return new Promise((resolve) => {
    const select = h('select', { id: `${testId}-choice`, 'data-testid': `${testId}-choice` },
      options.map(([value, text]) => h('option', { value }, text)));
    const comment = h('textarea', { id: `${testId}-text`, rows: 3, maxlength: 500, 'data-testid': `${testId}-text` });
    const dialog = h('dialog', { class: 'dialog', 'data-testid': testId, 'aria-labelledby': `${testId}-title` },
      h('form', { method: 'dialog' },
        h('h2', { id: `${testId}-title` }, title),
        h('label', { for: `${testId}-choice` }, label), select,
        h('label', { for: `${testId}-text` }, commentLabel), comment,
        h('div', { class: 'dialog-buttons' },
          h('button', { type: 'button', class: 'btn', 'data-testid': `${testId}-cancel`, onclick: () => dialog.close('cancel') }, t('common.cancel')),
          h('button', { type: 'submit', class: 'btn btn-primary', value: 'ok', 'data-testid': `${testId}-ok` }, confirm))));
    dialog.addEventListener('close', () => {
      const answer = dialog.returnValue === 'ok' ? { choice: select.value, comment: comment.value.trim() } : null;
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    select.focus();
  });
}

async function acknowledge(incident, button) {
  const comment = await askText({ title: t('incidents.ack_title'), label: t('incidents.comment'), confirm: t('incidents.ack'), testId: 'incident-ack' });
  if (comment !== null) await transition(incident, 'ack', { comment }, button);
}

async function assign(incident, button) {
  let assignees = [];
  try {
    assignees = (await api(`/api/incidents/assignees/${encodeURIComponent(incident.site)}`)).assignees || [];
  } catch (e) {
    if (e.status !== 401) toast(e.message, 'error');
    return;
  }
  if (!assignees.length) {
    toast(t('incidents.no_assignees'), 'error');
    return;
  }
  const answer = await askChoice({
    title: t('incidents.assign_title'), label: t('incidents.assignee'), commentLabel: t('incidents.comment'),
    options: assignees.map((a) => [a.name, a.display_name === a.name ? a.name : `${a.display_name} (${a.name})`]),
    confirm: t('incidents.assign'), testId: 'incident-assign',
  });
  if (answer) await transition(incident, 'assign', { assignee: answer.choice, comment: answer.comment }, button);
}

async function resolve(incident, button) {
  const answer = await askChoice({
    title: t('incidents.resolve_title'), label: t('incidents.resolution'), commentLabel: t('incidents.comment'),
    options: RESOLUTIONS.map((r) => [r, t(`resolution.${r}`)]), confirm: t('incidents.resolve'), testId: 'incident-resolve',
  });
  if (answer) await transition(incident, 'resolve', { resolution: answer.choice, comment: answer.comment }, button);
}

async function close(incident, button) {
  const comment = await askText({ title: t('incidents.close_title'), label: t('incidents.comment'), confirm: t('incidents.close'), testId: 'incident-close' });
  if (comment !== null) await transition(incident, 'close', { comment }, button);
}

function buttons(incident) {
  const list = [];
  const add = (key, handler, primary = false) => {
    const button = h('button', { type: 'button', class: primary ? 'btn btn-primary' : 'btn', 'data-action': key }, t(`incidents.${key}`));
    button.addEventListener('click', () => handler(incident, button));
    list.push(button);
  };
  if (mayManage()) {
    if (incident.state === 'opened') add('ack', acknowledge, true);
    if (['acknowledged', 'assigned', 'on_site'].includes(incident.state)) add('assign', assign, incident.state === 'acknowledged');
    if (incident.state === 'resolved') add('close', close, true);
  }
  if (mayWork(incident)) {
    if (incident.state === 'assigned') add('on_site', (i, b) => transition(i, 'on_site', {}, b), true);
    if (['assigned', 'on_site'].includes(incident.state)) add('resolve', resolve, incident.state === 'on_site');
  }
  return list.length ? h('div', { class: 'incident-actions' }, list) : null;
}

function card(incident) {
  const where = `${incident.site_name || incident.site} · ${incident.gateway} · ${incident.source}`;
  const facts = [
    [t('incidents.opened'), `${fmtTime(incident.opened_ts)} (${fmtDuration(incident.age_s)})`, fmtFull(incident.opened_ts)],
    incident.acknowledged_ts ? [t('incidents.acknowledged'), `${incident.acknowledged_by_name || incident.acknowledged_by || ''} ${fmtTime(incident.acknowledged_ts)}`] : null,
    [t('incidents.assignee'), incident.assignee_name || incident.assignee || t('incidents.unassigned')],
    incident.resolution ? [t('incidents.resolution'), [t(`resolution.${incident.resolution}`), incident.resolution_comment].filter(Boolean).join(' — ')] : null,
    [t('incidents.alarm'), incident.alarm_cleared_ts ? `${t('incidents.alarm_cleared')} ${fmtTime(incident.alarm_cleared_ts)}` : t('incidents.alarm_active')],
    incident.reopened ? [t('incidents.reopened'), String(incident.reopened)] : null,
  ].filter(Boolean);
  return h('article', {
    class: `incident incident-${incident.state} incident-${incident.severity}`, 'data-testid': 'incident', 'data-state': incident.state, 'data-alarm': incident.alarm_id,
  },
  h('div', { class: 'incident-head' },
    h('strong', { class: 'incident-kind' }, kindText(incident.kind, incident.kind_text)),
    h('span', { class: 'badge incident-state', 'data-testid': 'incident-state' }, t(`incident_state.${incident.state}`))),
  h('div', { class: 'incident-where', 'data-testid': 'incident-where' }, where),
  h('dl', { class: 'incident-facts' }, facts.flatMap(([k, v, title]) => [h('dt', {}, k), h('dd', title ? { title } : {}, v)])),
  buttons(incident));
}

async function load() {
  const state = stateSelect.value;
  const query = new URLSearchParams();
  if (state) query.set('state', state);
  if (isField()) query.set('mine', 'true');
  try {
    const data = await api(`/api/incidents?${query}`);
    const incidents = data.incidents || [];
    listEl.replaceChildren(...(incidents.length ? incidents.map(card) : [h('p', { class: 'empty', 'data-testid': 'incidents-empty' }, t('incidents.empty'))]));
  } catch (e) {
    if (e.status !== 401) listEl.replaceChildren(errorBox(e));
  }
}

me = await startPage('incidents', 'incidents.title');

if (me) {
  if (isField()) {
    document.getElementById('title').textContent = t('incidents.mine');
    document.title = `${t('incidents.mine')} · ${t('app.name')}`;
  }
  document.getElementById('read-only').hidden = me.may_act !== false;
  stateSelect.append(h('option', { value: 'open' }, t('incidents.open')), h('option', { value: '' }, t('common.all')),
    ...STATES.map((s) => h('option', { value: s }, t(`incident_state.${s}`))));
  stateSelect.addEventListener('change', load);
  document.getElementById('refresh').addEventListener('click', load);
  load();
}
