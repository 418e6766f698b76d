/*
 * The onbrand websocket protocol, the extension's side (docs/protocol.md).
 *
 * Its twin for the agent is agent/protocol.py; tests/test_protocol_sync.py keeps
 * the two in step (version, message types, error codes, limits), so the names
 * below must not change. Loaded by the background, the content scripts, the
 * popup and node's test runner alike: no browser API is touched here.
 */
(function (root) {
  'use strict';

  const PROTOCOL_VERSION = 1;
  const DEFAULT_PORT = 47615;
  // Pinned by the "key" in manifest.json; the agent accepts only this origin.
  const EXTENSION_ID = 'fjfpoacdahenfgeamodngdjenohfijea';
  // A Chromium MV3 service worker is suspended after ~30 s without events;
  // socket traffic counts, so a ping this often keeps it (and the socket) alive.
  const KEEPALIVE_SECONDS = 20;
  const MAX_FRAME_BYTES = 512 * 1024;
  const MAX_TEXT_CHARS = 63206;
  const MAX_ID_CHARS = 128;
  const RATE_PER_SECOND = 40;
  const RATE_BURST = 80;
  const MAX_CONNECTIONS = 32;

  const CLIENT_TYPES = Object.freeze([
    'hello', 'pair', 'analyze', 'approve', 'ping', 'report', 'login', 'ignore_rule', 'list_ignored',
    'list_reminders',
  ]);
  const SERVER_TYPES = Object.freeze([
    'welcome', 'paired', 'analysis', 'approved', 'pong', 'reported', 'login_link', 'rules_ignored',
    'reminders', 'error',
  ]);
  const REPORT_KINDS = Object.freeze(['session', 'activity']);
  // Limits the agent enforces on reports (agent/metrics.py).
  const MAX_ACTIVITY_SECONDS = 3600;
  const MAX_SESSION_MS = 24 * 3600 * 1000;
  const SITE_RE = /^[a-z0-9.-]{1,253}$/;
  const VERDICT_RE = /^[a-z-]{1,20}$/;

  // code -> whether the connection stays open after it (as in agent/protocol.py)
  const ERROR_CODES = Object.freeze({
    bad_json: true,
    bad_frame: true,
    unknown_type: true,
    unsupported_protocol: false,
    not_authenticated: true,
    unauthorized: true,
    pairing_failed: true,
    pairing_expired: true,
    pairing_locked: true,
    frame_too_large: false,
    text_too_long: true,
    rate_limited: true,
    too_many_connections: false,
    unknown_brand: true,
    unknown_platform: true,
    internal: true,
  });

  const PLATFORMS = Object.freeze(['x', 'linkedin', 'facebook', 'mastodon', 'bluesky', 'threads']);

  /** A frame we refuse to build, or a server frame that does not parse. */
  class ProtocolError extends Error {
    constructor(code, message) {
      super(message);
      this.name = 'ProtocolError';
      this.code = code;
    }
  }

  /** @param {unknown} v @returns {v is Record<string, any>} */
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  /** @param {unknown} v @returns {v is number} */
  const isInt = (v) => Number.isSafeInteger(v);

  function checkId(name, value, { required = false } = {}) {
    if (value === undefined || value === null) {
      if (required) throw new ProtocolError('bad_frame', `\`${name}\` is required`);
      return undefined;
    }
    if (typeof value !== 'string' || value.length > MAX_ID_CHARS) {
      throw new ProtocolError('bad_frame', `\`${name}\` must be a string of at most ${MAX_ID_CHARS} characters`);
    }
    return value;
  }

  function checkText(text) {
    if (typeof text !== 'string') throw new ProtocolError('bad_frame', '`text` must be a string');
    if (text.length > MAX_TEXT_CHARS) {
      throw new ProtocolError('text_too_long', `\`text\` is ${text.length} characters; the limit is ${MAX_TEXT_CHARS}`);
    }
    return text;
  }

  function checkPlatform(platform) {
    if (platform === undefined || platform === null || platform === '') return undefined;
    if (!PLATFORMS.includes(platform)) throw new ProtocolError('unknown_platform', `unknown platform ${platform}`);
    return platform;
  }

  /** Drop undefined fields so frames stay minimal ("omitted", not null). */
  function compact(frame) {
    for (const k of Object.keys(frame)) if (frame[k] === undefined) delete frame[k];
    return frame;
  }

  function client(version) {
    return { name: 'onbrand-extension', version: String(version || '0') };
  }

  // -- frame builders (client -> agent) ---------------------------------------

  function hello(token, version) {
    if (typeof token !== 'string' || !token) throw new ProtocolError('bad_frame', '`token` is required');
    return { type: 'hello', protocol: PROTOCOL_VERSION, token, client: client(version) };
  }

  /** The code from `onbrand pair`; spaces and dashes people type are ignored. */
  function normalizeCode(code) {
    const digits = String(code ?? '').replace(/[\s-]/g, '');
    return /^\d{6}$/.test(digits) ? digits : null;
  }

  function pair(code, version) {
    const digits = normalizeCode(code);
    if (!digits) throw new ProtocolError('bad_frame', 'the pairing code is 6 digits');
    return { type: 'pair', code: digits, client: client(version) };
  }

  /**
   * @param {object} [fields] a draft's newest text (checked here: callers pass what a port sent)
   * @param {string} [fields.draftId]
   * @param {number} [fields.seq]
   * @param {string} [fields.text]
   * @param {string | null} [fields.platform]
   * @param {string | null} [fields.brand]
   * @param {{text?: unknown, author?: unknown} | null} [fields.replyTo] the post a reply answers
   */
  function analyze({ draftId, seq, text, platform, brand, replyTo } = {}) {
    if (!isInt(seq) || seq < 0) throw new ProtocolError('bad_frame', '`seq` must be a non-negative integer');
    let reply;
    if (replyTo && typeof replyTo.text === 'string' && replyTo.text.trim()) {
      reply = compact({
        text: replyTo.text.slice(0, MAX_TEXT_CHARS),
        author: typeof replyTo.author === 'string' && replyTo.author ? replyTo.author.slice(0, 256) : undefined,
      });
    }
    return compact({
      type: 'analyze',
      draft_id: checkId('draft_id', draftId, { required: true }),
      seq,
      text: checkText(text),
      platform: checkPlatform(platform),
      brand: brand || undefined,
      reply_to: reply,
    });
  }

  /**
   * @param {object} [fields] the text to add to the approved posts (checked here)
   * @param {string} [fields.id]
   * @param {string} [fields.text]
   * @param {string | null} [fields.platform]
   * @param {string} [fields.url]
   * @param {string | null} [fields.brand]
   */
  function approve({ id, text, platform, url, brand } = {}) {
    if (!checkText(text).trim()) throw new ProtocolError('bad_frame', '`text` is empty');
    return compact({
      type: 'approve',
      id: checkId('id', id),
      text,
      platform: checkPlatform(platform),
      url: typeof url === 'string' && url ? url.slice(0, 2048) : undefined,
      brand: brand || undefined,
    });
  }

  function ping(id) {
    return compact({ type: 'ping', id: checkId('id', id) });
  }

  function checkSite(site) {
    const s = typeof site === 'string' ? site.trim().toLowerCase() : '';
    if (!SITE_RE.test(s)) throw new ProtocolError('bad_frame', '`site` must be a host name such as linkedin.com');
    return s;
  }

  /** A time as epoch milliseconds (a number or an ISO string), or throws naming the field. */
  function checkTime(name, value) {
    const ms = typeof value === 'string' ? Date.parse(value) : value;
    if (!Number.isFinite(ms) || ms < 0) {
      throw new ProtocolError('bad_frame', `\`${name}\` must be an ISO time or epoch milliseconds`);
    }
    return Math.round(ms);
  }

  /**
   * Aggregates for the dashboard (docs/dashboard.md); only the fields below are
   * ever copied into the frame, so no text can ride along.
   *   {kind: 'activity', site, seconds, day?, id?}
   *   {kind: 'session', site, platform?, startedAt, endedAt, analyses, finalVerdict?, approved, brand?, id?}
   */
  function report(fields = {}) {
    const { kind } = fields;
    if (!REPORT_KINDS.includes(kind)) {
      throw new ProtocolError('bad_frame', `\`kind\` must be one of ${REPORT_KINDS.join(', ')}`);
    }
    const base = { type: 'report', kind, id: checkId('id', fields.id), site: checkSite(fields.site) };
    if (kind === 'activity') {
      const { seconds, day } = fields;
      if (typeof seconds !== 'number' || !(seconds > 0 && seconds <= MAX_ACTIVITY_SECONDS)) {
        throw new ProtocolError('bad_frame', `\`seconds\` must be a number above 0 and at most ${MAX_ACTIVITY_SECONDS}`);
      }
      if (day !== undefined && day !== null && !(typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day))) {
        throw new ProtocolError('bad_frame', '`day` must be a date such as 2025-01-31');
      }
      return compact({ ...base, seconds, day: day || undefined });
    }
    const started = checkTime('started_at', fields.startedAt);
    const ended = checkTime('ended_at', fields.endedAt);
    if (ended < started || ended - started > MAX_SESSION_MS) {
      throw new ProtocolError('bad_frame', '`ended_at` must follow `started_at`, within a day');
    }
    if (!isInt(fields.analyses) || fields.analyses < 0) {
      throw new ProtocolError('bad_frame', '`analyses` must be a non-negative integer');
    }
    const verdict = fields.finalVerdict;
    if (verdict !== undefined && verdict !== null && !(typeof verdict === 'string' && VERDICT_RE.test(verdict))) {
      throw new ProtocolError('bad_frame', '`final_verdict` must be a verdict word such as repeat or ok');
    }
    return compact({
      ...base,
      platform: checkPlatform(fields.platform),
      started_at: started,
      ended_at: ended,
      analyses: fields.analyses,
      final_verdict: verdict || undefined,
      approved: fields.approved === true,
      brand: typeof fields.brand === 'string' && fields.brand ? fields.brand.slice(0, 64) : undefined,
    });
  }

  /** Ask for a one-time dashboard login link. */
  function login(id) {
    return compact({ type: 'login', id: checkId('id', id) });
  }

  /** Stop checking a rule for a brand (`ignore` false: check it again); the next analysis follows. */
  function ignoreRule({ id, rule, ignore = true, brand }) {
    if (typeof rule !== 'string' || !rule.trim() || rule.length > 64) {
      throw new ProtocolError('bad_frame', '`rule` must be a rule name of at most 64 characters');
    }
    return compact({
      type: 'ignore_rule',
      id: checkId('id', id),
      rule,
      ignore: ignore !== false,
      brand: typeof brand === 'string' && brand ? brand.slice(0, 64) : undefined,
    });
  }

  /** Ask which rules are ignored for a brand. */
  function listIgnored({ id, brand }) {
    return compact({
      type: 'list_ignored',
      id: checkId('id', id),
      brand: typeof brand === 'string' && brand ? brand.slice(0, 64) : undefined,
    });
  }

  /** Ask which of the brand's weekly goals are behind their pace. */
  function listReminders({ id, brand }) {
    return compact({
      type: 'list_reminders',
      id: checkId('id', id),
      brand: typeof brand === 'string' && brand ? brand.slice(0, 64) : undefined,
    });
  }

  /** Whether a URL from `login_link` is the agent's own login page on this computer. */
  function isLoginUrl(url) {
    return typeof url === 'string'
      && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}\/login\?code=[A-Za-z0-9_-]{1,128}$/.test(url);
  }

  /** Serialise a client frame, refusing one the agent would close the socket for. */
  function encode(frame) {
    if (!isObject(frame) || !CLIENT_TYPES.includes(frame.type)) {
      throw new ProtocolError('unknown_type', `not a client frame: ${frame && frame.type}`);
    }
    const raw = JSON.stringify(frame);
    // UTF-8 length without TextEncoder allocations for the common ASCII case.
    const bytes = /^[\x00-\x7f]*$/.test(raw) ? raw.length : new TextEncoder().encode(raw).length;
    if (bytes > MAX_FRAME_BYTES) throw new ProtocolError('frame_too_large', `frame is ${bytes} bytes`);
    return raw;
  }

  // -- server frames (agent -> client) ----------------------------------------

  const REQUIRED = {
    welcome: (f) => isInt(f.protocol),
    paired: (f) => typeof f.token === 'string' && f.token.length > 0,
    analysis: (f) => typeof f.draft_id === 'string' && isInt(f.seq) && isObject(f.result),
    approved: (f) => f.post_id !== undefined && f.post_id !== null,
    pong: () => true,
    reported: (f) => f.id === undefined || f.id === null || typeof f.id === 'string',
    login_link: (f) => isLoginUrl(f.url),
    rules_ignored: (f) => Array.isArray(f.rules) && f.rules.every((r) => typeof r === 'string'),
    reminders: (f) => Array.isArray(f.reminders) && f.reminders.every(isObject),
    error: (f) => typeof f.code === 'string' && f.code.length > 0,
  };

  /**
   * Parse and validate one frame from the agent. Returns the frame object, with
   * `error.re` always an object; throws ProtocolError (bad_json, unknown_type,
   * bad_frame) for anything the extension must not act on.
   */
  function parseServerFrame(raw) {
    let frame;
    try {
      frame = typeof raw === 'string' ? JSON.parse(raw) : raw;
    } catch {
      throw new ProtocolError('bad_json', 'the frame is not valid JSON');
    }
    if (!isObject(frame)) throw new ProtocolError('bad_json', 'a frame must be a JSON object');
    if (!SERVER_TYPES.includes(frame.type)) {
      throw new ProtocolError('unknown_type', `unknown message type ${String(frame.type).slice(0, 32)}`);
    }
    if (!REQUIRED[frame.type](frame)) throw new ProtocolError('bad_frame', `malformed \`${frame.type}\` frame`);
    if (frame.type === 'error') {
      if (!isObject(frame.re)) frame.re = {};
      if (typeof frame.message !== 'string') frame.message = frame.code;
    }
    return frame;
  }

  /** Whether the agent keeps the socket open after this error code. */
  function keepsOpen(code) {
    return ERROR_CODES[code] !== false;
  }

  const api = {
    PROTOCOL_VERSION,
    DEFAULT_PORT,
    EXTENSION_ID,
    KEEPALIVE_SECONDS,
    MAX_FRAME_BYTES,
    MAX_TEXT_CHARS,
    MAX_ID_CHARS,
    RATE_PER_SECOND,
    RATE_BURST,
    MAX_CONNECTIONS,
    CLIENT_TYPES,
    SERVER_TYPES,
    ERROR_CODES,
    PLATFORMS,
    REPORT_KINDS,
    MAX_ACTIVITY_SECONDS,
    ProtocolError,
    normalizeCode,
    hello,
    pair,
    analyze,
    approve,
    ping,
    report,
    login,
    ignoreRule,
    listIgnored,
    listReminders,
    isLoginUrl,
    encode,
    parseServerFrame,
    keepsOpen,
  };
  root.OnbrandProtocol = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
