/*
 * Background: the only place with a websocket to the agent (docs/protocol.md).
 *
 * Chromium runs this file as the MV3 service worker and loads the shared
 * modules with importScripts; Firefox runs it as a background script after
 * the same modules (manifest "background.scripts").
 *
 * Connection states, shown by content scripts and the popup:
 *   connecting  opening the socket, or waiting for `welcome`
 *   offline     no agent answers (retrying with backoff), or paused in settings
 *   unpaired    the agent answers but this browser has no valid token
 *   ready       `welcome` received: drafts are analysed
 *   error       a problem retrying will not fix (wrong address, protocol)
 *
 * Content scripts talk to this over runtime ports; each draft_id belongs to
 * the port that opened it, and its `analysis` goes back there only.
 *
 * It also keeps the dashboard's aggregates (docs/dashboard.md): compose
 * sessions per draft and active seconds per site, sent as `report` frames and
 * kept in an outbox (also in storage) while the agent is away. Never any text.
 */
'use strict';

if (typeof importScripts === 'function' && typeof window === 'undefined') {
  importScripts(
    '../shared/i18n.js',
    '../shared/protocol.js',
    '../shared/sites.js',
    '../shared/schedule.js',
    '../shared/settings.js',
    '../shared/metrics.js',
  );
}

const P = globalThis.OnbrandProtocol;
const S = globalThis.OnbrandSettings;
const M = globalThis.OnbrandMetrics;
const { t } = globalThis.OnbrandI18n;
const ext = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;
const VERSION = ext.runtime.getManifest().version;

const BACKOFF_START_MS = 250;
const BACKOFF_MAX_MS = 5000;
const REQUEST_TIMEOUT_MS = 15000;
// With no compose box and no popup left, the socket closes after this long so
// the service worker can sleep.
const IDLE_CLOSE_MS = 30000;
// A report the agent has not answered in this long is sent again.
const REPORT_RETRY_MS = 30000;

/**
 * @typedef {object} Pairing a `pair` waiting for the agent's `welcome`
 * @property {string} code
 * @property {(answer: object) => void} resolve
 * @property {number} timer
 * @property {boolean} sentPair
 */

const agent = {
  /** @type {WebSocket | null} */
  ws: null,
  /** @type {ConnectionState} */
  state: 'connecting',
  detail: '',
  /** @type {Record<string, any> | null} the agent's `welcome` frame */
  welcome: null,
  backoff: BACKOFF_START_MS,
  /** @type {number | null} */
  retryTimer: null,
  /** @type {number | null} */
  idleTimer: null,
  /** @type {number | null} */
  keepalive: null,
  retrying: false, // offline and retrying: attempts do not flicker back to 'connecting'
  fatal: false, // the last error said retrying will not help
  /** @type {import('../shared/settings.js').Settings} */
  settings: S.DEFAULTS,
  /** @type {Pairing | null} */
  pairing: null,
};

const drafts = new Map(); // draft_id -> {port, msg: the newest `analyze` from the port, or null}
const contentPorts = new Set();
const popupPorts = new Set();
const requests = new Map(); // approve id -> {port, reqId, draftId, timer}
const calls = new Map(); // login id -> {resolve, timer}
let requestCounter = 0;

// Dashboard aggregates: compose sessions per draft, and the reports waiting for the agent.
const sessions = new M.SessionBook({ idleMs: S.DEFAULTS.sessionIdleS * 1000 });
const outbox = new M.ReportOutbox();

// -- state -------------------------------------------------------------------

/** @returns {StateMessage} */
function publicState() {
  const w = agent.welcome;
  return {
    type: 'state',
    state: agent.state,
    detail: agent.detail,
    agent: w ? {
      name: w.agent && w.agent.name,
      version: w.agent && w.agent.version,
      brand: w.brand,
      brands: Array.isArray(w.brands) ? w.brands : [],
      privacy: w.privacy,
    } : null,
  };
}

const BADGES = {
  unpaired: { text: '!', color: '#0969da', title: t('action_unpaired') },
  error: { text: '!', color: '#cf222e', title: t('action_error') },
  offline: { text: '', color: '#6e7781', title: t('action_offline') },
  connecting: { text: '', color: '#6e7781', title: t('action_connecting') },
  ready: { text: '', color: '#1a7f37', title: t('action_ready') },
};

function setState(state, detail = '') {
  if (state === agent.state && detail === agent.detail) return;
  agent.state = state;
  agent.detail = detail;
  const msg = publicState();
  for (const port of [...contentPorts, ...popupPorts]) safePost(port, msg);
  paintBadge();
}

/** A weekly goal behind its pace, for the toolbar button (opt-in `goalBadge`). */
let goalBadge = /** @type {{text: string, title: string} | null} */ (null);
const GOAL_BADGE_COLOR = '#9a6700';

function paintBadge() {
  const b = BADGES[agent.state];
  const goal = agent.state === 'ready' ? goalBadge : null;
  const title = agent.detail ? `${b.title} (${agent.detail})` : b.title;
  ext.action.setBadgeText({ text: goal ? goal.text : b.text }).catch(() => {});
  ext.action.setBadgeBackgroundColor({ color: goal ? GOAL_BADGE_COLOR : b.color }).catch(() => {});
  ext.action.setTitle({ title: goal ? `${title}. ${goal.title}` : title }).catch(() => {});
}

/** Ask the agent which goals are behind, when the person chose to see them on the badge. */
async function refreshGoalBadge() {
  let next = /** @type {{text: string, title: string} | null} */ (null);
  if (agent.settings && agent.settings.goalBadge && agent.state === 'ready') {
    const answer = await remindersCall({});
    if (!answer.ok) return; // no answer is no news: keep what the badge shows
    next = M.reminderBadge(answer.reminders, t);
  }
  goalBadge = next;
  paintBadge();
}

function safePost(port, msg) {
  try {
    port.postMessage(msg);
  } catch {
    // The port closed between our check and the post; its onDisconnect cleans up.
  }
}

function wanted() {
  return drafts.size > 0 || popupPorts.size > 0 || agent.pairing !== null;
}

// -- socket ------------------------------------------------------------------

async function loadSettings() {
  agent.settings = (await S.load()).settings;
  sessions.idleMs = agent.settings.sessionIdleS * 1000;
  updateReportTimer();
  return agent.settings;
}

/** @type {Promise<void> | null} */
let connecting = null;

/** Open the socket unless it is open or opening. */
function connect() {
  if (agent.ws || connecting) return connecting;
  clearTimeout(agent.retryTimer);
  agent.retryTimer = null;
  connecting = (async () => {
    const settings = await loadSettings();
    if (settings.privacyMode === 'paused') {
      setState('offline', t('bg_paused'));
      return;
    }
    let url;
    try {
      url = S.agentUrl(settings);
    } catch (err) {
      setState('error', err.message);
      return;
    }
    if (!agent.retrying) setState('connecting');
    const ws = new WebSocket(url);
    agent.ws = ws;
    ws.onopen = () => socketOpened(ws);
    ws.onmessage = (ev) => received(ws, ev.data);
    ws.onclose = () => socketClosed(ws);
  })().finally(() => {
    connecting = null;
  });
  return connecting;
}

/** @param {WebSocket | null} ws */
async function socketOpened(ws) {
  if (ws !== agent.ws) return;
  agent.backoff = BACKOFF_START_MS;
  agent.retrying = false;
  agent.fatal = false;
  if (agent.pairing && !agent.pairing.sentPair) {
    sendPair();
    return;
  }
  const { token } = await ext.storage.local.get('token');
  if (token) send(P.hello(token, VERSION));
  else setState('unpaired', t('bg_unpaired'));
}

/** @param {WebSocket} ws */
function socketClosed(ws) {
  if (ws !== agent.ws) return;
  agent.ws = null;
  agent.welcome = null;
  updateKeepalive();
  for (const [id, r] of requests) finishRequest(id, { ok: false, message: t('bg_went_offline') }, r);
  for (const id of [...calls.keys()]) finishCall(id, { ok: false, message: t('bg_went_offline') });
  outbox.requeue();
  if (agent.pairing) finishPairing({ ok: false, message: t('bg_pair_offline') });
  if (!agent.fatal) setState('offline', t('bg_offline'));
  if (wanted()) scheduleRetry();
}

function scheduleRetry() {
  if (agent.retryTimer) return;
  agent.retrying = true;
  const delay = agent.backoff;
  agent.backoff = Math.min(agent.backoff * 2, BACKOFF_MAX_MS);
  agent.retryTimer = setTimeout(() => {
    agent.retryTimer = null;
    if (wanted()) connect();
  }, delay);
}

/** Close the socket on purpose (settings changed, or nothing needs it). */
function disconnect() {
  const ws = agent.ws;
  agent.ws = null;
  agent.welcome = null;
  clearTimeout(agent.retryTimer);
  agent.retryTimer = null;
  updateKeepalive();
  if (ws) ws.close(1000);
}

/** Send a frame (built by OnbrandProtocol); false when the socket is not open. Throws ProtocolError. */
function send(frame) {
  const ws = agent.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(P.encode(frame));
  return true;
}

function received(ws, raw) {
  if (ws !== agent.ws) return;
  let frame;
  try {
    frame = P.parseServerFrame(raw);
  } catch (err) {
    console.warn('onbrand: ignoring a frame from the agent:', err.message);
    return;
  }
  switch (frame.type) {
    case 'welcome':
      welcomed(frame);
      break;
    case 'paired':
      ext.storage.local.set({ token: frame.token }).then(() => send(P.hello(frame.token, VERSION)));
      break;
    case 'analysis': {
      const d = drafts.get(frame.draft_id);
      if (d) safePost(d.port, { type: 'analysis', draftId: frame.draft_id, seq: frame.seq, result: frame.result });
      sessions.analysis(frame.draft_id, frame.seq, frame.result.verdict, Date.now());
      break;
    }
    case 'reported':
      if (outbox.ack(frame.id)) {
        saveOutbox();
        if (outbox.ready) flushReports();
      }
      break;
    case 'login_link':
      finishCall(frame.id, { ok: true, url: frame.url });
      break;
    case 'reminders':
      finishCall(frame.id, { ok: true, brand: frame.brand, reminders: frame.reminders });
      break;
    case 'rules_ignored':
      finishCall(frame.id, { ok: true, brand: frame.brand, rules: frame.rules, rule: frame.rule, ignore: frame.ignored });
      break;
    case 'approved':
      finishRequest(frame.id, {
        ok: true,
        postId: frame.post_id,
        created: frame.created !== false,
        brand: frame.brand,
      });
      refreshGoalBadge(); // the post may have caught a goal up
      break;
    case 'error':
      agentError(frame);
      break;
    default: // pong: the traffic itself was the point
  }
}

function welcomed(frame) {
  agent.welcome = frame;
  agent.backoff = BACKOFF_START_MS;
  setState('ready');
  ext.storage.local.set({
    agentInfo: { brands: frame.brands || [], brand: frame.brand || null, privacy: frame.privacy || null, at: Date.now() },
  });
  if (agent.pairing) finishPairing({ ok: true });
  // After a reconnect the agent knows none of our drafts: resend the newest of each.
  for (const [id, d] of drafts) if (d.msg) sendDraft(id, d);
  updateKeepalive();
  flushReports();
  refreshGoalBadge();
}

const PAIRING_MESSAGES = {
  pairing_failed: 'That is not the code `onbrand pair` printed. Check it and try again.',
  pairing_expired: 'That code has expired or was already used. Run `onbrand pair` for a new one.',
  pairing_locked: 'Too many wrong codes. Run `onbrand pair` for a new one.',
};

function agentError(frame) {
  const { code, message, re } = frame;
  if (re.type === 'pair' && agent.pairing) {
    finishPairing({ ok: false, message: PAIRING_MESSAGES[code] || message });
    return;
  }
  if (code === 'unauthorized' || (re.type === 'hello' && code !== 'unsupported_protocol')) {
    // The token was revoked or belongs to another agent's data: pair again.
    ext.storage.local.remove('token');
    setState('unpaired', t('bg_token_revoked'));
    if (agent.pairing) finishPairing({ ok: false, message });
    return;
  }
  if (code === 'not_authenticated') {
    outbox.requeue();
    socketOpened(agent.ws); // say hello again, or fall back to unpaired
    return;
  }
  if (re.type === 'report' && re.id && outbox.refuse(re.id, code)) {
    // A field the agent refuses would be refused again: dropped (an unknown brand is retried without it).
    console.warn(`onbrand: the agent refused a report: ${message}`);
    saveOutbox();
    if (outbox.ready) flushReports();
    return;
  }
  if (re.id && calls.has(re.id)) {
    finishCall(re.id, { ok: false, message });
    return;
  }
  if (re.id && requests.has(re.id)) {
    finishRequest(re.id, { ok: false, message });
    return;
  }
  if (re.type === 'approve' && !re.id && requests.size === 1) {
    // Some agent errors for `approve` do not echo its id; with one approval
    // in flight there is no doubt which one failed.
    finishRequest(requests.keys().next().value, { ok: false, message });
    return;
  }
  if (re.draft_id && drafts.has(re.draft_id)) {
    safePost(drafts.get(re.draft_id).port, { type: 'draft-error', draftId: re.draft_id, seq: re.seq, code, message });
    return;
  }
  if (!P.keepsOpen(code)) {
    agent.fatal = code === 'unsupported_protocol';
    setState('error', code === 'unsupported_protocol'
      ? t('bg_protocol')
      : message);
    return;
  }
  console.warn(`onbrand: agent error ${code}: ${message}`);
}

function updateKeepalive() {
  const w = agent.welcome;
  const need = w && drafts.size > 0;
  if (need && !agent.keepalive) {
    const seconds = Number(w.keepalive_s) > 0 ? Number(w.keepalive_s) : P.KEEPALIVE_SECONDS;
    agent.keepalive = setInterval(() => send(P.ping()), seconds * 1000);
  } else if (!need && agent.keepalive) {
    clearInterval(agent.keepalive);
    agent.keepalive = null;
  }
  clearTimeout(agent.idleTimer);
  agent.idleTimer = wanted() ? null : setTimeout(() => {
    if (!wanted()) disconnect();
  }, IDLE_CLOSE_MS);
}

// -- requests: approve and pair --------------------------------------------------

function finishRequest(id, answer, r = requests.get(id)) {
  if (!r) return;
  clearTimeout(r.timer);
  requests.delete(id);
  endedSession(sessions.approvalDone(r.draftId, answer.ok === true));
  safePost(r.port, { type: 'approved', reqId: r.reqId, draftId: r.draftId, ...answer });
}

function approve(port, msg) {
  const reply = (answer) => safePost(port, { type: 'approved', reqId: msg.reqId, draftId: msg.draftId, ...answer });
  if (agent.state !== 'ready') {
    reply({ ok: false, message: t('bg_not_connected') });
    return;
  }
  const id = `approve-${++requestCounter}`;
  const timer = setTimeout(() => finishRequest(id, { ok: false, message: t('bg_timeout') }), REQUEST_TIMEOUT_MS);
  requests.set(id, { port, reqId: msg.reqId, draftId: msg.draftId, timer });
  sessions.approving(msg.draftId);
  try {
    if (!send(P.approve({ id, text: msg.text, platform: msg.platform, url: msg.url, brand: siteBrand(port) }))) {
      finishRequest(id, { ok: false, message: t('bg_not_connected') });
    }
  } catch (err) {
    finishRequest(id, { ok: false, message: err.message });
  }
}

function sendPair() {
  const p = agent.pairing;
  if (!p) return;
  p.sentPair = true;
  send(P.pair(p.code, VERSION));
}

function finishPairing(answer) {
  const p = agent.pairing;
  if (!p) return;
  agent.pairing = null;
  clearTimeout(p.timer);
  p.resolve({ ...answer, ...publicState() });
}

/** Pair with the 6-digit code from `onbrand pair`; resolves once the agent has welcomed us. */
function pair(code) {
  const digits = P.normalizeCode(code);
  if (!digits) return Promise.resolve({ ok: false, message: t('pair_code_format') });
  if (agent.pairing) finishPairing({ ok: false, message: t('bg_superseded') });
  return new Promise((resolve) => {
    agent.pairing = {
      code: digits,
      resolve,
      sentPair: false,
      timer: setTimeout(() => finishPairing({ ok: false, message: t('bg_timeout') }), REQUEST_TIMEOUT_MS),
    };
    if (agent.ws && agent.ws.readyState === WebSocket.OPEN) sendPair();
    else {
      agent.backoff = BACKOFF_START_MS;
      connect();
    }
  });
}

// -- the dashboard: login links and reports ---------------------------------------------

function finishCall(id, answer) {
  const c = calls.get(id);
  if (!c) return;
  calls.delete(id);
  clearTimeout(c.timer);
  c.resolve(answer);
}

/** A one-time login link for the agent's dashboard (`login` → `login_link`). */
function login() {
  if (!agent.welcome) return Promise.resolve({ ok: false, message: t('bg_not_connected') });
  const id = `login-${++requestCounter}`;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finishCall(id, { ok: false, message: t('bg_timeout') }), REQUEST_TIMEOUT_MS);
    calls.set(id, { resolve, timer });
    if (!send(P.login(id))) finishCall(id, { ok: false, message: t('bg_not_connected') });
  });
}

/**
 * Ignore a rule for a brand, check it again, or (no `rule`) list those ignored:
 * `ignore_rule` / `list_ignored` → `rules_ignored`. The agent stores the choice.
 * @param {{rule?: string, ignore?: boolean, brand?: string}} o
 */
function rulesCall({ rule, ignore, brand }) {
  if (!agent.welcome) return Promise.resolve({ ok: false, message: t('bg_not_connected') });
  const id = `rules-${++requestCounter}`;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finishCall(id, { ok: false, message: t('bg_timeout') }), REQUEST_TIMEOUT_MS);
    calls.set(id, { resolve, timer });
    try {
      const frame = rule ? P.ignoreRule({ id, rule, ignore, brand }) : P.listIgnored({ id, brand });
      if (!send(frame)) finishCall(id, { ok: false, message: t('bg_not_connected') });
    } catch (err) {
      finishCall(id, { ok: false, message: err.message });
    }
  });
}

/**
 * The brand's weekly goals behind their pace (`list_reminders` → `reminders`),
 * for the popup.
 * @param {{brand?: string}} o
 */
function remindersCall({ brand }) {
  if (!agent.welcome) return Promise.resolve({ ok: false, message: t('bg_not_connected') });
  const id = `reminders-${++requestCounter}`;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finishCall(id, { ok: false, message: t('bg_timeout') }), REQUEST_TIMEOUT_MS);
    calls.set(id, { resolve, timer });
    try {
      if (!send(P.listReminders({ id, brand }))) finishCall(id, { ok: false, message: t('bg_not_connected') });
    } catch (err) {
      finishCall(id, { ok: false, message: err.message });
    }
  });
}

/** The host name reports name for a port's page: never its path. */
function portSite(port) {
  const url = (port.sender && (port.sender.url || (port.sender.tab && port.sender.tab.url))) || '';
  try {
    return M.reportSite(new URL(url).hostname);
  } catch {
    return '';
  }
}

// The outbox survives a service-worker restart in storage.local (aggregates only).
const outboxLoaded = ext.storage.local.get('reportOutbox')
  .then((r) => outbox.load(r.reportOutbox))
  .catch(() => {});
/** @type {number | null} */
let saveTimer = null;

function saveOutbox() {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = null;
    outboxLoaded.then(() => ext.storage.local.set({ reportOutbox: outbox.toJSON() })).catch(() => {});
  }, 500);
  updateReportTimer();
}

/** A compose session ended (fields from SessionBook, or null): queue its report. */
function endedSession(fields) {
  if (!fields) return;
  outbox.addSession(fields);
  saveOutbox();
  flushReports();
}

function endSession(draftId, opts) {
  endedSession(sessions.end(draftId, Date.now(), opts));
}

/** Send what the outbox holds, connecting first if need be (sent on `welcome`). */
function flushReports() {
  if (!outbox.ready) return;
  if (!agent.welcome) {
    if (!agent.ws && !agent.retryTimer && agent.settings.privacyMode !== 'paused') {
      connect();
      updateKeepalive(); // the socket closes again when nothing else needs it
    }
    return;
  }
  for (const r of outbox.take()) {
    let frame;
    try {
      frame = P.report(r);
    } catch (err) {
      console.warn('onbrand: dropping a report:', err.message);
      outbox.refuse(r.id, err.code);
      continue;
    }
    if (!send(frame)) {
      outbox.requeue();
      break;
    }
  }
  saveOutbox();
}

/** Active seconds a content script counted on its page. */
async function addActivity(sender, seconds) {
  if (typeof seconds !== 'number' || !(seconds > 0) || seconds > P.MAX_ACTIVITY_SECONDS) return;
  let host;
  try {
    host = new URL(sender.url || (sender.tab && sender.tab.url) || '').hostname;
  } catch {
    return;
  }
  // A service worker woken by this message has not read the settings yet.
  const settings = await loadSettings();
  if (settings.privacyMode === 'paused' || !S.siteState(settings, host).enabled) return;
  outbox.addActivity(M.reportSite(host), seconds, M.localDay(Date.now()));
  saveOutbox();
  flushReports();
}

/** @type {number | null} */
let reportTimer = null;
let reportEvery = 0;

/** While sessions are open or reports wait: end idle sessions, resend, retry. */
function updateReportTimer() {
  const need = sessions.open.size > 0 || outbox.size > 0;
  const every = Math.min(agent.settings.reportIntervalS, 60) * 1000;
  if (reportTimer && (!need || every !== reportEvery)) {
    clearInterval(reportTimer);
    reportTimer = null;
  }
  if (need && !reportTimer) {
    reportEvery = every;
    reportTimer = setInterval(reportTick, every);
  }
}

function reportTick() {
  for (const fields of sessions.expire(Date.now())) outbox.addSession(fields);
  outbox.requeue(Date.now(), REPORT_RETRY_MS);
  if (outbox.ready) flushReports();
  updateReportTimer();
}

// -- content scripts and popup ------------------------------------------------------

function siteBrand(port) {
  const url = (port.sender && (port.sender.url || (port.sender.tab && port.sender.tab.url))) || '';
  try {
    return S.siteState(agent.settings, new URL(url).hostname).brand || undefined;
  } catch {
    return undefined;
  }
}

/** Build and send a draft's newest `analyze` (the brand is the site's, as set now). */
function sendDraft(draftId, d) {
  try {
    send(P.analyze({ ...d.msg, brand: siteBrand(d.port) }));
  } catch (err) {
    const message = err.code === 'text_too_long' || err.code === 'frame_too_large'
      ? 'This draft is too long to check' : err.message;
    safePost(d.port, { type: 'draft-error', draftId, seq: d.msg.seq, code: err.code, message });
  }
}

function contentMessage(port, msg) {
  if (!msg || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'open': {
      const prev = drafts.get(msg.draftId);
      drafts.set(msg.draftId, { port, msg: prev && prev.port === port ? prev.msg : null });
      updateKeepalive();
      connect();
      break;
    }
    case 'close':
      if (drafts.get(msg.draftId)?.port === port) {
        drafts.delete(msg.draftId);
        endSession(msg.draftId, { forget: true });
      }
      updateKeepalive();
      break;
    case 'session-end':
      // The box was emptied (cleared, or the post was sent).
      if (drafts.get(msg.draftId)?.port === port) endSession(msg.draftId);
      break;
    case 'analyze': {
      const d = { port, msg };
      drafts.set(msg.draftId, d);
      if (Number.isFinite(msg.typedAt) || sessions.open.has(msg.draftId)) {
        sessions.typed(msg.draftId, {
          now: Date.now(),
          typedAt: msg.typedAt,
          site: portSite(port),
          platform: msg.platform,
          brand: siteBrand(port),
        });
        updateReportTimer();
      }
      updateKeepalive();
      if (agent.welcome) sendDraft(msg.draftId, d);
      else connect(); // sent on `welcome`
      break;
    }
    case 'approve':
      approve(port, msg);
      break;
    case 'ignore-rule':
      rulesCall({ rule: msg.rule, ignore: msg.ignore, brand: siteBrand(port) }).then((answer) => safePost(port, {
        type: 'rule-ignored', draftId: msg.draftId, rule: msg.rule, ignore: msg.ignore !== false, ...answer,
      }));
      break;
    case 'wake':
      // Someone is writing: skip the rest of the backoff wait.
      if (agent.retryTimer) {
        agent.backoff = BACKOFF_START_MS;
        connect();
      }
      break;
    default:
  }
}

ext.runtime.onConnect.addListener((port) => {
  if (port.sender && port.sender.id !== ext.runtime.id) {
    port.disconnect();
    return;
  }
  if (port.name === 'onbrand-content') {
    contentPorts.add(port);
    port.onMessage.addListener((msg) => contentMessage(port, msg));
    port.onDisconnect.addListener(() => {
      contentPorts.delete(port);
      for (const [id, r] of requests) if (r.port === port) {
        clearTimeout(r.timer);
        requests.delete(id);
        // The approval may still land; its answer has nowhere to go, so count it as sent.
        endedSession(sessions.approvalDone(r.draftId, true));
      }
      // The tab closed or navigated away: its compose sessions end now.
      for (const [id, d] of drafts) if (d.port === port) {
        drafts.delete(id);
        endSession(id, { forget: true });
      }
      updateKeepalive();
    });
  } else if (port.name === 'onbrand-popup') {
    popupPorts.add(port);
    port.onDisconnect.addListener(() => {
      popupPorts.delete(port);
      updateKeepalive();
    });
    updateKeepalive();
    connect();
  } else {
    port.disconnect();
    return;
  }
  safePost(port, publicState());
});

// One-shot requests from the popup and options page.
ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (sender.id !== ext.runtime.id || !msg || typeof msg !== 'object') return false;
  const answer = {
    'get-state': async () => ({ ...publicState(), paired: Boolean((await ext.storage.local.get('token')).token) }),
    pair: () => pair(msg.code),
    unpair: async () => {
      await ext.storage.local.remove('token');
      disconnect();
      connect();
      return { ok: true };
    },
    login: async () => {
      const answer = await login();
      if (answer.ok) await ext.tabs.create({ url: answer.url });
      return answer;
    },
    'ignored-rules': () => rulesCall({ brand: msg.brand }),
    reminders: () => remindersCall({ brand: msg.brand }),
    'unignore-rule': () => rulesCall({ rule: msg.rule, ignore: false, brand: msg.brand }),
    activity: async () => {
      await addActivity(sender, msg.seconds);
      return { ok: true };
    },
    reconnect: async () => {
      agent.backoff = BACKOFF_START_MS;
      disconnect();
      connect();
      return { ok: true };
    },
  }[msg.type];
  if (!answer) return false;
  Promise.resolve(answer()).then(sendResponse, (err) => sendResponse({ ok: false, message: err.message }));
  return true; // answered asynchronously
});

// -- settings and person-enabled sites ---------------------------------------------

/**
 * The built-in sites' content script, as manifest.json declares it (one entry):
 * its match patterns and its files, in load order.
 * @returns {{matches: string[], js: string[]}}
 */
function declaredContentScripts() {
  const [declared] = /** @type {chrome.runtime.ManifestV3} */ (ext.runtime.getManifest()).content_scripts || [];
  return { matches: declared.matches || [], js: declared.js || [] };
}

/**
 * Register a content script for each site the person enabled (and granted):
 * the manifest covers the built-in sites only.
 */
async function syncSiteScripts() {
  const settings = await loadSettings();
  const { js } = declaredContentScripts();
  /** @type {Map<string, string>} registration id -> match pattern */
  const wantedIds = new Map();
  for (const host of S.customSites(settings)) {
    const origin = S.originPattern(host);
    if (await ext.permissions.contains({ origins: [origin] })) wantedIds.set(`site:${host}`, origin);
  }
  const registered = await ext.scripting.getRegisteredContentScripts();
  const stale = registered.map((r) => r.id).filter((id) => !wantedIds.has(id));
  if (stale.length) await ext.scripting.unregisterContentScripts({ ids: stale });
  const have = new Set(registered.map((r) => r.id));
  /** @type {chrome.scripting.RegisteredContentScript[]} */
  const fresh = [...wantedIds].filter(([id]) => !have.has(id)).map(([id, origin]) => ({
    id, matches: [origin], js, runAt: 'document_idle',
  }));
  if (fresh.length) await ext.scripting.registerContentScripts(fresh);
}

ext.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed') {
    S.mirrorPolicy().catch(() => {});
    return;
  }
  if (area !== 'local' || !(changes.settings || changes.policy)) return;
  const before = agent.settings;
  loadSettings().then((after) => {
    if (after.host !== before.host || after.port !== before.port || after.privacyMode !== before.privacyMode) {
      agent.backoff = BACKOFF_START_MS;
      disconnect();
      if (wanted()) connect();
    }
    if (!before || after.goalBadge !== before.goalBadge) refreshGoalBadge();
    return syncSiteScripts();
  }).catch((err) => console.warn('onbrand: settings', err));
});

/** After an install or update, bring hints to the built-in sites' open tabs without a reload. */
async function injectIntoOpenTabs() {
  const { matches, js } = declaredContentScripts();
  for (const tab of await ext.tabs.query({ url: matches })) {
    if (tab.id === undefined) continue; // not a tab a script can run in
    ext.scripting.executeScript({ target: { tabId: tab.id }, files: js }).catch(() => {});
  }
}

// -- keyboard: the `commands` shortcut -----------------------------------------------

/** A `commands` shortcut: the active tab's content scripts open the card of the focused box. */
async function runCommand(command) {
  if (command !== 'open-card') return;
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  for (const port of contentPorts) {
    const t = port.sender && port.sender.tab;
    if (!tab || !t || t.id === tab.id) safePost(port, { type: 'command', command });
  }
}
if (ext.commands) ext.commands.onCommand.addListener((command) => {
  runCommand(command).catch(() => {});
});

ext.permissions.onRemoved.addListener(() => syncSiteScripts().catch(() => {}));
ext.runtime.onInstalled.addListener(() => {
  syncSiteScripts().catch(() => {});
  injectIntoOpenTabs().catch(() => {});
});
ext.runtime.onStartup.addListener(() => syncSiteScripts().catch(() => {}));

// Every start: refresh the policy copy content scripts read, then the settings.
S.mirrorPolicy().catch(() => {}).then(loadSettings).catch(() => {});
