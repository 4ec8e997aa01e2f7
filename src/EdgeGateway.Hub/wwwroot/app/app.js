// Shared by every page: the JSON API (antiforgery header, 401 → sign-in), the signed-in user and the navigation
// bar, the live stream (Server-Sent Events with reconnect), formatting in China Standard Time, dialogs and notices.
// Contract: src/EdgeGateway.Hub/Console/API.md.
import { t, lang, locale, languageUrl, roleText, applyI18n } from './i18n.js';

export const TIME_ZONE = 'Asia/Shanghai';

/** The value of a cookie, or null. */
export function getCookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** The antiforgery token the hub sets in the XSRF-TOKEN cookie on every page load. */
export const xsrfToken = () => getCookie('XSRF-TOKEN') || '';

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** Where the sign-in page sends the user back to. */
export function loginUrl() {
  return `/login?returnUrl=${encodeURIComponent(location.pathname + location.search)}`;
}

let leaving = false;

/** Goes to the sign-in page (once), coming back here afterwards. */
export function toLogin() {
  if (leaving) return;
  leaving = true;
  location.assign(loginUrl());
}

/**
 * Calls the hub's JSON API. GET by default; a body is sent as JSON; every non-GET carries X-XSRF-TOKEN. Answers
 * the parsed JSON of a 2xx; 401 goes to the sign-in page; anything else throws an ApiError with the hub's
 * {error, message}.
 */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-XSRF-TOKEN'] = xsrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', t('common.network'));
  }
  if (response.status === 401) {
    toLogin();
    throw new ApiError(401, 'unauthorized', '');
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const code = data?.error || `http_${response.status}`;
    let message = data?.message;
    if (!message) message = code === 'antiforgery' ? t('common.antiforgery') : `${t('common.error')} (HTTP ${response.status})`;
    throw new ApiError(response.status, code, message, data);
  }
  return data;
}

// ---- the signed-in user and the navigation bar ------------------------------------------------------------

/** Pages each role may open (API.md, "Roles"), in the order the navigation lists them. */
export const PAGES = [
  { key: 'board', href: '/', roles: ['manager', 'maintenance', 'admin'] },
  { key: 'alarms', href: '/alarms', roles: ['manager', 'maintenance', 'admin'] },
  { key: 'incidents', href: '/incidents', roles: ['manager', 'maintenance', 'admin'] },
  { key: 'trends', href: '/trends', roles: ['viewer', 'manager', 'admin'] },
  { key: 'incident_stats', href: '/incidents/stats', roles: ['viewer', 'manager', 'admin'] },
  { key: 'audit', href: '/audit', roles: ['admin'] },
  { key: 'registry', href: '/registry', roles: ['admin'] },
  { key: 'cards', href: '/cards', roles: ['manager', 'maintenance', 'admin'] },
  { key: 'upgrades', href: '/upgrades', roles: ['manager', 'maintenance', 'admin'] },
];

export const can = {
  board: (me) => ['manager', 'maintenance', 'admin'].includes(me?.role),
  details: (me) => ['manager', 'maintenance', 'admin'].includes(me?.role),
  // District staff (me.may_act false) read every company's sheds and act on none.
  command: (me) => ['maintenance', 'admin'].includes(me?.role) && me?.may_act !== false,
  ack: (me) => ['manager', 'admin'].includes(me?.role) && me?.may_act !== false,
  trends: (me) => ['viewer', 'manager', 'admin'].includes(me?.role),
  audit: (me) => me?.role === 'admin',
};

/** The first page a role may open (its home). */
export function homeOf(me) {
  const page = PAGES.find((p) => p.roles.includes(me?.role));
  return page ? page.href : '/';
}

/** GET /api/me. */
export const loadMe = () => api('/api/me');

/** Builds the header: name, the pages this role may use, the user, language switch, sign out. */
export function renderHeader(me, active) {
  const header = document.getElementById('top');
  if (!header) return;
  header.replaceChildren();
  header.className = 'topbar';
  const brand = h('a', { class: 'brand', href: me ? homeOf(me) : '/' },
    h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '⚡'),
    h('span', { class: 'brand-name' }, t('app.name')));
  const nav = h('nav', { class: 'nav', 'aria-label': t('nav.menu'), 'data-testid': 'nav' });
  for (const page of PAGES) {
    if (!me || !page.roles.includes(me.role)) continue;
    nav.append(h('a', {
      href: page.href, class: page.key === active ? 'active' : '', 'data-nav': page.key,
      'aria-current': page.key === active ? 'page' : null,
    }, t(`nav.${page.key}`)));
  }
  const tools = h('div', { class: 'tools' });
  if (me) {
    tools.append(h('span', { class: 'user', 'data-testid': 'user', title: me.name },
      h('span', { class: 'user-name' }, me.display_name || me.name),
      h('span', { class: 'role-badge' }, roleText(me.role))));
  }
  tools.append(languageSwitch());
  if (me) {
    const form = h('form', { method: 'post', action: '/logout', class: 'logout' },
      h('input', { type: 'hidden', name: '__RequestVerificationToken', value: xsrfToken() }),
      h('button', { type: 'submit', class: 'btn btn-ghost', 'data-testid': 'logout' }, t('nav.logout')));
    form.addEventListener('submit', () => { form.elements.__RequestVerificationToken.value = xsrfToken(); });
    tools.append(form);
  }
  header.append(brand, nav, tools);
}

/** 中文 | English links (GET /lang/{code}?returnUrl=). */
export function languageSwitch() {
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('nav.language') },
    h('a', { href: languageUrl('zh-CN'), lang: 'zh-CN', class: lang === 'zh-CN' ? 'active' : '', 'data-lang': 'zh-CN' }, t('lang.zh')),
    h('a', { href: languageUrl('en'), lang: 'en', class: lang === 'en' ? 'active' : '', 'data-lang': 'en' }, t('lang.en')));
}

/**
 * Every page starts here: translates the static texts, loads the user (401 → sign-in), draws the header. Answers
 * the user, or null when the page could not start (the reason is shown in #main).
 */
export async function startPage(active, titleKey) {
  applyI18n();
  if (titleKey) document.title = `${t(titleKey)} · ${t('app.name')}`;
  try {
    const me = await loadMe();
    // No language chosen in this browser yet: the user's own (Console:Users:{name}:Language) applies, as on the hub.
    const preferred = (me.language || '').toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
    if (!getCookie('lang') && preferred !== lang) {
      document.cookie = `lang=${preferred}; path=/; max-age=31536000; samesite=lax`;
      location.reload();
      return null;
    }
    renderHeader(me, active);
    document.body.dataset.role = me.role;
    return me;
  } catch (e) {
    if (e.status === 401) return null;
    renderHeader(null, active);
    showError(document.getElementById('main'), e);
    return null;
  }
}

// ---- live stream -----------------------------------------------------------------------------------------

/**
 * Opens an EventSource on `url` and keeps it open: on an error it closes it and connects again after 1, 2, 4 …
 * 15 s (a 401 found meanwhile goes to the sign-in page). `handlers` maps event names to functions of the parsed
 * data; `onStatus` gets 'connecting' | 'live' | 'reconnecting'; `onOpen` runs on every (re)connection, so a page
 * can reload its snapshot and miss nothing that happened while it was disconnected.
 */
export function openStream(url, { handlers = {}, onStatus = () => {}, onOpen = () => {} } = {}) {
  let source = null;
  let attempt = 0;
  let timer = null;
  let closed = false;

  const connect = () => {
    if (closed) return;
    onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    source = new EventSource(url, { withCredentials: true });
    source.onopen = () => {
      attempt = 0;
      onStatus('live');
      onOpen();
    };
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch { return; }
        handler(data);
      });
    }
    source.onerror = () => {
      source.close();
      if (closed) return;
      attempt += 1;
      onStatus('reconnecting');
      // A stream refused for a lost session: api() sends the browser to the sign-in page.
      api('/api/me').catch(() => {});
      const delay = Math.min(15000, 1000 * 2 ** Math.min(attempt - 1, 4));
      timer = setTimeout(connect, delay);
    };
  };

  connect();
  const close = () => {
    closed = true;
    clearTimeout(timer);
    source?.close();
  };
  window.addEventListener('pagehide', close);
  return { close };
}

// ---- DOM -------------------------------------------------------------------------------------------------

/** Creates an element: h('a', {href, class, onclick}, 'text', child…). Text is always text, never HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    // Through the CSSOM: a style attribute would be inline style, which the Content-Security-Policy refuses.
    else if (key === 'style') el.style.cssText = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces a container's content with an error notice. */
export function showError(container, error) {
  if (!container) return;
  container.replaceChildren(errorBox(error));
}

export function errorBox(error) {
  const message = error?.message || t('common.error');
  return h('div', { class: 'notice notice-error', role: 'alert' }, message);
}

/** A short notice at the top of the screen (aria-live), gone after a few seconds. */
export function toast(text, kind = 'info', ms = 6000) {
  let region = document.getElementById('toasts');
  if (!region) {
    region = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' });
    document.body.append(region);
  }
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  region.append(item);
  setTimeout(() => item.remove(), ms);
}

/**
 * A modal dialog asking for a text (reason, comment). Answers the text, or null when cancelled. `required`
 * refuses an empty answer with `requiredMessage`.
 */
export function askText({ title, label, note = '', placeholder = '', confirm, required = false, requiredMessage = '', maxLength = 500, testId = 'ask' }) {
  return new Promise((resolve) => {
    const input = h('textarea', { id: `${testId}-text`, name: 'text', rows: 3, maxlength: maxLength, placeholder, 'data-testid': `${testId}-text` });
    const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
    const dialog = h('dialog', { class: 'dialog', 'data-testid': testId, 'aria-labelledby': `${testId}-title` },
      h('form', { method: 'dialog' },
        h('h2', { id: `${testId}-title` }, title),
        note ? h('p', { class: 'muted small' }, note) : null,
        h('label', { for: `${testId}-text` }, label),
        input,
        problem,
        h('div', { class: 'dialog-buttons' },
          h('button', { type: 'button', class: 'btn', value: 'cancel', 'data-testid': `${testId}-cancel`, onclick: () => dialog.close('cancel') }, t('common.cancel')),
          h('button', { type: 'submit', class: 'btn btn-primary', value: 'ok', 'data-testid': `${testId}-ok` }, confirm || t('common.confirm')))));
    dialog.querySelector('form').addEventListener('submit', (event) => {
      if (required && !input.value.trim()) {
        event.preventDefault();
        problem.textContent = requiredMessage;
        problem.hidden = false;
        input.focus();
      }
    });
    dialog.addEventListener('close', () => {
      const answer = dialog.returnValue === 'ok' ? input.value.trim() : null;
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

/** A modal yes/no question. Answers true for the confirm button. */
export function askConfirm({ text, confirm, danger = false, testId = 'confirm' }) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog', 'data-testid': testId },
      h('form', { method: 'dialog' },
        h('p', { class: 'dialog-text' }, text),
        h('div', { class: 'dialog-buttons' },
          h('button', { type: 'submit', class: 'btn', value: 'cancel', 'data-testid': `${testId}-cancel` }, t('common.cancel')),
          h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary', value: 'ok', 'data-testid': `${testId}-ok` }, confirm || t('common.confirm')))));
    dialog.addEventListener('close', () => {
      const answer = dialog.returnValue === 'ok';
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// ---- formatting (China Standard Time, the user's language) --------------------------------------------------

const numberFormats = new Map();

/** A number with at most `digits` decimals, or — for none. */
export function fmtNum(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  let format = numberFormats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    numberFormats.set(digits, format);
  }
  return format.format(value);
}

/** A number and its unit ("182.5 W"), or — for none. */
export function fmtUnit(value, unit, digits = 1) {
  return value === null || value === undefined ? '—' : `${fmtNum(value, digits)} ${unit}`;
}

/** Seconds as "1 小时 20 分" / "1 h 20 min". */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const hrs = Math.floor((s % 86400) / 3600);
  const min = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = [];
  if (d) parts.push(t('dur.d', { n: d }));
  if (hrs) parts.push(t('dur.h', { n: hrs }));
  if (min && !d) parts.push(t('dur.m', { n: min }));
  if (!d && !hrs) parts.push(t('dur.s', { n: sec }));
  return parts.join(' ');
}

const timeFormat = new Intl.DateTimeFormat(locale, {
  timeZone: TIME_ZONE, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const clockFormat = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const fullFormat = new Intl.DateTimeFormat(locale, {
  timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** A contract timestamp as "11-25 19:30:05" (China Standard Time), or —. */
export function fmtTime(ts) {
  if (!ts) return '—';
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? ts : timeFormat.format(date);
}

/** A contract timestamp as "19:30:05" (China Standard Time). */
export function fmtClock(ts) {
  if (!ts) return '—';
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? ts : clockFormat.format(date);
}

/** With the year, for titles. */
export function fmtFull(ts) {
  if (!ts) return '';
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? ts : `${fullFormat.format(date)} (UTC+8)`;
}

/** "12 秒前" / "12 s ago"; a time in the future or more than a week ago as the time itself. */
export function fmtAgo(ts, now = Date.now()) {
  if (!ts) return '—';
  const then = new Date(ts).getTime();
  if (Number.isNaN(then)) return ts;
  const s = Math.round((now - then) / 1000);
  if (s < -5 || s > 7 * 86400) return fmtTime(ts);
  if (s < 5) return t('common.just_now');
  if (s < 60) return t('common.ago.s', { n: s });
  if (s < 3600) return t('common.ago.m', { n: Math.floor(s / 60) });
  if (s < 86400) return t('common.ago.h', { n: Math.floor(s / 3600) });
  return t('common.ago.d', { n: Math.floor(s / 86400) });
}

/** The China Standard Time day (YYYY-MM-DD) of a date, `offsetDays` from it. */
export function cstDay(date = new Date(), offsetDays = 0) {
  return dayFormat.format(new Date(date.getTime() + offsetDays * 86400000));
}

const localFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** A date as a datetime-local value in China Standard Time ("2026-11-25T19:30"). */
export function cstLocal(date = new Date()) {
  const p = Object.fromEntries(localFormat.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A CST day (YYYY-MM-DD) or CST datetime-local value ("2026-11-25T08:00") as an ISO 8601 instant. */
export function cstToIso(value, endOfDay = false) {
  if (!value) return '';
  const local = value.length === 10 ? `${value}T${endOfDay ? '23:59:59' : '00:00:00'}` : value;
  return new Date(`${local}${local.length === 16 ? ':00' : ''}+08:00`).toISOString();
}

/** The path's segments, decoded: /ports/a/b/P01 → ['ports', 'a', 'b', 'P01']. */
export function pathSegments() {
  return location.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
}

/** Where an alarm is: "P02" / "B1" / the source. */
export function alarmWhere(alarm) {
  if (alarm.port) return t('where.port', { port: alarm.port });
  if (alarm.bin) return t('where.bin', { bin: alarm.bin });
  if (!alarm.source || alarm.source === 'shed') return t('where.shed');
  return alarm.source;
}

/** Downloads go through links; the href gets the current query. */
export function csvHref(path, params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
