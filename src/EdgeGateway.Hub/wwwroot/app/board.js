// Live board: every site → gateway → its ports and bins, from GET /api/board, kept current by the
// /api/board/stream events (port, bin, gateway, alarm) without reloading.
import { t, stateText, classText, kindText, localText } from './i18n.js';
import {
  api, startPage, openStream, h, can, toast, showError, fmtNum, fmtDuration, fmtAgo, fmtFull, fmtTime, fmtClock, alarmWhere,
} from './app.js';

const ICONS = { idle: '○', charging: '⚡', complete: '✔', fault: '⚠', disabled: '⊘', locked: '✖' };

const boardEl = document.getElementById('board');
const connEl = document.getElementById('conn');
const attentionButton = document.getElementById('attention');
const attentionCount = document.getElementById('attention-count');
const updatedEl = document.getElementById('updated');

/** site/gateway → the gateway object of the board, with its ports and bins. */
const gateways = new Map();
let me = null;
let loaded = false;
let refreshTimer = null;

const key = (site, gateway) => `${site}/${gateway}`;
const enc = encodeURIComponent;
const natural = (a, b) => String(a).localeCompare(String(b), undefined, { numeric: true });

function setConnection(status) {
  connEl.dataset.status = status;
  connEl.textContent = t(status === 'live' ? 'board.live' : status === 'reconnecting' ? 'board.reconnecting' : 'board.connecting');
  document.body.dataset.stream = status;
}

// ---- tiles ---------------------------------------------------------------------------------------------------

/** What a port tile shows as its state: a lockout is its own state (locked until reset). */
function portDisplayState(port) {
  if (port.lockout) return 'locked';
  return port.state || 'unknown';
}

function portStateLabel(port) {
  const state = portDisplayState(port);
  if (state === 'locked') return t('board.locked');
  return stateText(port.state);
}

function seen(ts) {
  return h('div', { class: 'tile-seen', 'data-ts': ts || '', title: fmtFull(ts) }, `${t('board.last_seen')} ${fmtAgo(ts)}`);
}

function portTile(site, gateway, port) {
  const state = portDisplayState(port);
  const href = can.details(me) ? `/ports/${enc(site)}/${enc(gateway)}/${enc(port.port)}` : null;
  const lines = [];
  if (port.state === 'charging' || (port.power_w ?? 0) > 0) {
    lines.push(h('div', { class: 'big', 'data-field': 'power' }, `${fmtNum(port.power_w, 0)} W`));
  }
  if (port.session_s !== null && port.session_s !== undefined) {
    lines.push(h('div', {}, `${t('board.session')} ${fmtDuration(port.session_s)}`));
  }
  if ((port.session_energy_wh ?? 0) > 0 || port.state === 'charging') {
    lines.push(h('div', {}, `${t('board.energy')} ${fmtNum(port.session_energy_wh, 1)} Wh`));
  }
  const flags = [];
  if (port.lockout) flags.push(h('span', { class: 'flag' }, t('board.locked_by', { kind: kindText(port.lockout) })));
  if (port.fault) flags.push(h('span', { class: 'flag', title: localText(port.fault_text, port.fault) }, `${t('board.fault')}: ${localText(port.fault_text, port.fault)}`));
  const attrs = {
    class: `tile port${port.needs_attention ? ' attention' : ''}`,
    'data-site': site, 'data-gateway': gateway, 'data-port': port.port, 'data-state': state, 'data-testid': `port-${port.port}`,
    'aria-label': `${port.port} ${portStateLabel(port)}${href ? ` — ${t('board.open_port', { port: port.port })}` : ''}`,
  };
  if (href) attrs.href = href;
  return h(href ? 'a' : 'div', attrs,
    h('div', { class: 'tile-top' },
      h('span', { class: 'tile-id' }, port.port),
      h('span', { class: 'state', 'data-field': 'state' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[state] || '?'), portStateLabel(port))),
    h('div', { class: 'tile-lines' }, lines),
    flags.length ? h('div', { class: 'tile-flags' }, flags) : null,
    seen(port.last_seen_ts));
}

function binLevel(bin) {
  if (bin.container_full || (bin.fill_pct ?? 0) >= 100) return 'full';
  if (bin.nearly_full) return 'high';
  return 'ok';
}

function binTile(site, gateway, bin) {
  const href = can.details(me) ? `/bins/${enc(site)}/${enc(gateway)}/${enc(bin.bin)}` : null;
  const level = binLevel(bin);
  const fill = bin.fill_pct;
  const flags = [];
  if (bin.container_full) flags.push(h('span', { class: 'flag' }, t('board.full')));
  else if (bin.nearly_full) flags.push(h('span', { class: 'flag flag-warn' }, t('board.nearly_full')));
  if (bin.lid_open) flags.push(h('span', { class: 'flag flag-warn' }, t('board.lid_open')));
  if (bin.tilted) flags.push(h('span', { class: 'flag' }, t('board.tilted')));
  if (bin.fault) flags.push(h('span', { class: 'flag', title: localText(bin.fault_text, bin.fault) }, `${t('board.fault')}: ${localText(bin.fault_text, bin.fault)}`));
  const attrs = {
    class: `tile bin${bin.needs_attention ? ' attention' : ''}`,
    'data-site': site, 'data-gateway': gateway, 'data-bin': bin.bin, 'data-level': level, 'data-testid': `bin-${bin.bin}`,
    'aria-label': `${bin.bin} ${classText(bin.class)} ${fill === null || fill === undefined ? '' : `${fmtNum(fill, 0)}%`}${href ? ` — ${t('board.open_bin', { bin: bin.bin })}` : ''}`,
  };
  if (href) attrs.href = href;
  return h(href ? 'a' : 'div', attrs,
    h('div', { class: 'tile-top' }, h('span', { class: 'tile-id' }, bin.bin)),
    h('div', { class: 'tile-class', title: classText(bin.class) }, classText(bin.class)),
    h('div', { class: 'tile-lines' },
      h('div', { class: 'big', 'data-field': 'fill' }, `${t('board.fill')} ${fill === null || fill === undefined ? '—' : `${fmtNum(fill, 0)}%`}`),
      h('div', { class: 'fill-bar', role: 'presentation' }, h('span', { style: `width:${Math.max(0, Math.min(100, fill ?? 0))}%` })),
      bin.forecast_full_ts ? h('div', {}, `${t('board.full_at')} ${fmtTime(bin.forecast_full_ts)}`) : null,
      bin.temperature_c !== null && bin.temperature_c !== undefined ? h('div', {}, `${t('board.temperature')} ${fmtNum(bin.temperature_c, 1)} °C`) : null),
    flags.length ? h('div', { class: 'tile-flags' }, flags) : null,
    seen(bin.last_seen_ts));
}

// ---- gateways and sites --------------------------------------------------------------------------------------

function tilesAttention(gw) {
  return (gw.ports || []).some((p) => p.needs_attention) || (gw.bins || []).some((b) => b.needs_attention);
}

/** Offline, a shed-wide alarm (the hub's needs_attention), or a port or bin that needs attention. */
function gatewayAttention(gw) {
  return gw.online === false || Boolean(gw.needs_attention) || tilesAttention(gw);
}

// A connected gateway sends port telemetry every 10 s (and bins, status and states between): connected but silent
// for this long, its board is old news — a stalled gateway, or one still replaying its past — and says so.
const STALE_MS = 2 * 60 * 1000;

/** Online, online but stale (nothing new for STALE_MS), or offline: the badge's state, text and style. */
function statusOf(online, lastSeen) {
  if (!online) return { state: 'offline', cls: 'badge-offline', icon: '○', text: t('board.offline') };
  const age = lastSeen ? Date.now() - Date.parse(lastSeen) : 0;
  return age > STALE_MS
    ? { state: 'stale', cls: 'badge-stale', icon: '◐', text: t('board.stale') }
    : { state: 'online', cls: 'badge-online', icon: '●', text: t('board.online') };
}

function statusBadge(online, lastSeen) {
  const s = statusOf(online, lastSeen);
  return h('span', {
    class: `badge ${s.cls}`, 'data-testid': 'gateway-status', 'data-online': String(online), 'data-state': s.state,
    'data-last-seen': lastSeen || '', title: s.state === 'stale' ? t('board.stale_title') : '',
  }, h('span', { 'aria-hidden': 'true' }, s.icon), s.text);
}

function gatewayHead(gw) {
  const online = gw.online !== false;
  return h('div', { class: 'gw-head' },
    h('h3', {}, gw.gateway),
    statusBadge(online, gw.last_seen_ts),
    gw.active_alarms ? h('a', { class: 'badge badge-alarm', href: '/alarms', 'data-testid': 'gateway-alarms' }, `⚠ ${t('board.active_alarms', { n: gw.active_alarms })}`) : null,
    h('div', { class: 'gw-meta' },
      h('span', { 'data-ts': gw.last_seen_ts || '', 'data-prefix': t('board.last_seen'), title: fmtFull(gw.last_seen_ts) }, `${t('board.last_seen')} ${fmtAgo(gw.last_seen_ts)}`),
      gw.version ? h('span', {}, `${t('board.version')} ${gw.version}`) : null,
      gw.uptime_s !== null && gw.uptime_s !== undefined ? h('span', {}, `${t('board.uptime')} ${fmtDuration(gw.uptime_s)}`) : null,
      gw.outbox_depth ? h('span', {}, `${t('board.outbox')} ${fmtNum(gw.outbox_depth, 0)}`) : null));
}

function gatewayCard(gw) {
  const ports = [...(gw.ports || [])].sort((a, b) => natural(a.port, b.port));
  const bins = [...(gw.bins || [])].sort((a, b) => natural(a.bin, b.bin));
  const card = h('section', {
    class: `gateway${gw.online === false ? ' offline' : ''}${gatewayAttention(gw) ? '' : ' calm'}`,
    'data-site': gw.site, 'data-gateway': gw.gateway, 'data-testid': `gateway-${gw.gateway}`,
    'data-ports': ids(ports, 'port'), 'data-bins': ids(bins, 'bin'),
  }, gatewayHead(gw));
  if (ports.length) {
    card.append(h('div', { class: `tiles-block${ports.some((p) => p.needs_attention) ? '' : ' calm'}`, 'data-block': 'ports' },
      h('div', { class: 'section-label' }, `${t('board.ports')} (${ports.length})`),
      h('div', { class: 'tiles' }, ports.map((p) => portTile(gw.site, gw.gateway, p)))));
  }
  if (bins.length) {
    card.append(h('div', { class: `tiles-block${bins.some((b) => b.needs_attention) ? '' : ' calm'}`, 'data-block': 'bins' },
      h('div', { class: 'section-label' }, `${t('board.bins')} (${bins.length})`),
      h('div', { class: 'tiles' }, bins.map((b) => binTile(gw.site, gw.gateway, b)))));
  }
  return card;
}

function render() {
  const bySite = new Map();
  for (const gw of gateways.values()) {
    if (!bySite.has(gw.site)) bySite.set(gw.site, []);
    bySite.get(gw.site).push(gw);
  }
  if (!bySite.size) {
    boardEl.replaceChildren(h('p', { class: 'empty', 'data-testid': 'board-empty' }, t('board.empty')));
  } else {
    const sites = [...bySite.keys()].sort(natural).map((site) => {
      const list = bySite.get(site).sort((a, b) => natural(a.gateway, b.gateway));
      // The shed's name (the registry's, or the gateway's site file's), its id beside it for the technician.
      const name = list.find((g) => g.site_name)?.site_name;
      return h('section', { class: `site${list.some(gatewayAttention) ? '' : ' calm'}`, 'data-site': site },
        h('h2', { 'data-testid': 'site-name' }, name || site, name ? h('small', { class: 'site-id' }, ` ${site}`) : null), list.map(gatewayCard));
    });
    boardEl.replaceChildren(...sites, h('p', { class: 'empty', id: 'filter-empty', hidden: true }, t('board.empty_filter')));
  }
  updateSummary();
}

/**
 * Brings an element up to date with a freshly built one without replacing it (a tile being tapped stays the same
 * node, and nothing redraws that did not change): attributes, then the content if it differs.
 */
function patch(el, fresh) {
  if (el.tagName !== fresh.tagName) {
    el.replaceWith(fresh);
    return fresh;
  }
  for (const { name } of [...el.attributes]) if (!fresh.hasAttribute(name)) el.removeAttribute(name);
  for (const { name, value } of [...fresh.attributes]) if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  if (el.innerHTML !== fresh.innerHTML) el.replaceChildren(...fresh.childNodes);
  return el;
}

const ids = (list, field) => (list || []).map((x) => x[field]).sort(natural).join(',');

/**
 * Updates one gateway's card in place after a change to it, a port or a bin: the tiles whose content changed, the
 * header, and what the 需关注 filter hides. A tile whose state changed flashes once.
 */
function renderGateway(gw) {
  const card = boardEl.querySelector(`section.gateway[data-site="${CSS.escape(gw.site)}"][data-gateway="${CSS.escape(gw.gateway)}"]`);
  const fresh = gatewayCard(gw);
  const tilesOf = (el) => el.querySelectorAll('.tile');
  if (!card) {
    render();
    return;
  }
  if (ids(gw.ports, 'port') !== card.dataset.ports || ids(gw.bins, 'bin') !== card.dataset.bins) {
    card.replaceWith(fresh);
  } else {
    for (const { name, value } of [...fresh.attributes]) if (card.getAttribute(name) !== value) card.setAttribute(name, value);
    patch(card.querySelector('.gw-head'), fresh.querySelector('.gw-head'));
    const freshBlocks = fresh.querySelectorAll('.tiles-block');
    card.querySelectorAll('.tiles-block').forEach((block, i) => {
      block.className = freshBlocks[i].className;
      patch(block.querySelector('.section-label'), freshBlocks[i].querySelector('.section-label'));
    });
    const freshTiles = tilesOf(fresh);
    tilesOf(card).forEach((tile, i) => {
      const next = freshTiles[i];
      const changed = tile.dataset.state !== next.dataset.state || tile.dataset.level !== next.dataset.level
        || tile.classList.contains('attention') !== next.classList.contains('attention');
      const kept = patch(tile, next);
      if (changed) {
        kept.classList.remove('flash');
        void kept.offsetWidth; // restart the animation
        kept.classList.add('flash');
      }
    });
  }
  const site = boardEl.querySelector(`section.site[data-site="${CSS.escape(gw.site)}"]`);
  const siteGateways = [...gateways.values()].filter((g) => g.site === gw.site);
  site?.classList.toggle('calm', !siteGateways.some(gatewayAttention));
  updateSummary();
}

function updateSummary() {
  const tiles = boardEl.querySelectorAll('.tile.attention').length;
  // A gateway counts itself when it needs attention for something no tile shows (offline, a shed alarm).
  const gatewaysOnly = [...gateways.values()].filter((g) => gatewayAttention(g) && !tilesAttention(g)).length;
  const n = tiles + gatewaysOnly;
  attentionCount.textContent = String(n);
  attentionCount.classList.toggle('zero', n === 0);
  attentionButton.title = n ? t('board.attention_count', { n }) : t('board.all_ok');
  const filterEmpty = document.getElementById('filter-empty');
  if (filterEmpty) filterEmpty.hidden = !(document.body.classList.contains('filter-attention') && n === 0);
}

function touched() {
  updatedEl.textContent = t('board.updated', { time: fmtClock(new Date().toISOString()) });
}

// ---- data ----------------------------------------------------------------------------------------------------

async function loadBoard() {
  try {
    const board = await api('/api/board');
    gateways.clear();
    for (const gw of board.gateways || []) gateways.set(key(gw.site, gw.gateway), gw);
    loaded = true;
    render();
    touched();
  } catch (e) {
    if (e.status !== 401) showError(boardEl, e);
  }
}

/** Reloads the whole board soon (coalescing bursts): after an alarm, or an event about something not on it yet. */
function refreshSoon(delay = 400) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(loadBoard, delay);
}

function onPort(data) {
  const gw = gateways.get(key(data.site, data.gateway));
  if (!loaded || !gw) { refreshSoon(); return; }
  const { site, gateway, ...port } = data;
  const ports = gw.ports || (gw.ports = []);
  const i = ports.findIndex((p) => p.port === port.port);
  if (i < 0) ports.push(port); else ports[i] = { ...ports[i], ...port };
  renderGateway(gw);
  touched();
}

function onBin(data) {
  const gw = gateways.get(key(data.site, data.gateway));
  if (!loaded || !gw) { refreshSoon(); return; }
  const { site, gateway, ...bin } = data;
  const bins = gw.bins || (gw.bins = []);
  const i = bins.findIndex((b) => b.bin === bin.bin);
  if (i < 0) bins.push(bin); else bins[i] = { ...bins[i], ...bin };
  renderGateway(gw);
  touched();
}

function onGateway(data) {
  const gw = gateways.get(key(data.site, data.gateway));
  if (!loaded || !gw) { refreshSoon(); return; }
  const merged = { ...gw, ...data };
  // A gateway event may carry only the gateway's own fields: keep the ports and bins the board has.
  if (!Array.isArray(data.ports)) merged.ports = gw.ports;
  if (!Array.isArray(data.bins)) merged.bins = gw.bins;
  gateways.set(key(data.site, data.gateway), merged);
  renderGateway(merged);
  touched();
}

// The alarm ids already toasted as raised and as cleared: an update of the same alarm (it started flapping, it was
// acknowledged) is one alarm, never a new toast.
const toastedRaised = new Set();
const toastedCleared = new Set();

function onAlarm(alarm) {
  const cleared = Boolean(alarm.cleared_ts);
  const seen = cleared ? toastedCleared : toastedRaised;
  const fresh = !seen.has(alarm.alarm_id);
  seen.add(alarm.alarm_id);
  if (seen.size > 2000) seen.delete(seen.values().next().value);
  const kind = kindText(alarm.kind, alarm.kind_text) + (alarm.flapping ? ` · ${t('alarms.flapping')}` : '');
  const text = t(cleared ? 'board.alarm_cleared' : 'board.new_alarm', { kind, source: alarmWhere(alarm) });
  if (fresh && (!alarm.acknowledged || cleared)) toast(text, cleared ? 'ok' : 'alarm');
  // The alarm changes the gateway's alarm count and what needs attention: take them from the hub.
  refreshSoon();
}

function tickAges() {
  for (const el of boardEl.querySelectorAll('[data-ts]')) {
    const ts = el.dataset.ts;
    const prefix = el.dataset.prefix || t('board.last_seen');
    el.textContent = `${prefix} ${fmtAgo(ts)}`;
  }
  // Time alone turns an online gateway stale.
  for (const el of boardEl.querySelectorAll('[data-testid=gateway-status][data-online=true]')) {
    if (statusOf(true, el.dataset.lastSeen || null).state !== el.dataset.state) el.replaceWith(statusBadge(true, el.dataset.lastSeen || null));
  }
}

// ---- start ---------------------------------------------------------------------------------------------------

function setFilter(on) {
  document.body.classList.toggle('filter-attention', on);
  attentionButton.setAttribute('aria-pressed', String(on));
  const url = new URL(location.href);
  if (on) url.searchParams.set('filter', 'attention'); else url.searchParams.delete('filter');
  history.replaceState(null, '', url);
  updateSummary();
}

me = await startPage('board', 'board.title');
if (me) {
  setConnection('connecting');
  attentionButton.addEventListener('click', () => setFilter(!document.body.classList.contains('filter-attention')));
  setFilter(new URLSearchParams(location.search).get('filter') === 'attention');
  loadBoard();
  openStream('/api/board/stream', {
    // resync: the hub dropped changes this browser was too slow to take; the snapshot has them.
    handlers: { port: onPort, bin: onBin, gateway: onGateway, alarm: onAlarm, resync: () => refreshSoon(0) },
    onStatus: setConnection,
    // On every (re)connection, reload the snapshot: nothing changed between it and the stream is missed.
    onOpen: () => refreshSoon(0),
  });
  setInterval(tickAges, 5000);
}
