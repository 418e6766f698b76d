/*
 * Settings, shared by the background, content scripts, popup and options page.
 *
 * Three layers, first wins: an administrator's policy (chrome.storage.managed,
 * see managed_schema.json), the person's choices (chrome.storage.local), the
 * defaults below. A key set by policy is locked: the UI shows it read-only and
 * `save` refuses it.
 *
 * Needs OnbrandProtocol, OnbrandSites and OnbrandSchedule loaded first.
 */

/**
 * @typedef {object} SiteSetting
 * @property {boolean} enabled
 * @property {string | null} brand null: the agent's active brand
 * @property {boolean} custom enabled by the person, not built in
 */
/**
 * @typedef {object} Settings
 * @property {string} host
 * @property {number} port
 * @property {string} privacyMode one of PRIVACY_MODES
 * @property {boolean} learnFromPosts
 * @property {boolean} goalBadge
 * @property {number} debounceMs
 * @property {number} reportIntervalS
 * @property {number} activeIdleS
 * @property {number} sessionIdleS
 * @property {Record<string, SiteSetting>} sites by siteKey
 */

(function (root) {
  'use strict';

  const { DEFAULT_PORT } = root.OnbrandProtocol;
  const { SITES, siteFor, siteKey } = root.OnbrandSites;
  const { DEFAULT_DELAY_MS } = root.OnbrandSchedule;
  // In node (unit tests) the helper is required; the pages and scripts load it first.
  const { t } = root.OnbrandI18n || require('./i18n.js');

  // Allowed ranges of the numeric settings above; a value outside gets the default.
  const RANGES = Object.freeze({
    reportIntervalS: [1, 3600],
    activeIdleS: [5, 3600],
    sessionIdleS: [10, 24 * 3600],
  });
  const PRIVACY_MODES = Object.freeze(['local-only', 'paused']);
  const LOOPBACK_HOSTS = Object.freeze(['127.0.0.1', 'localhost', '[::1]', '::1']);

  /** @type {Readonly<Settings>} */
  const DEFAULTS = Object.freeze({
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    // local-only: drafts go to the agent on this computer and nowhere else.
    // paused: nothing is read or sent; no overlay.
    privacyMode: 'local-only',
    learnFromPosts: false,
    // Weekly goals behind their pace on the toolbar button (the popup always lists them).
    goalBadge: false,
    // The pause in typing before a draft is sent (content scripts; options page).
    debounceMs: DEFAULT_DELAY_MS,
    // Dashboard aggregates (docs/dashboard.md): how often active time is reported
    // to the agent, how long without input still counts as active, and how long
    // without typing ends a compose session.
    reportIntervalS: 60,
    activeIdleS: 60,
    sessionIdleS: 300,
    // siteKey -> { enabled: bool, brand: string|null, custom: bool }
    sites: {},
  });

  function isLoopbackHost(host) {
    return LOOPBACK_HOSTS.includes(String(host || '').trim().toLowerCase());
  }

  function validPort(port) {
    return Number.isInteger(port) && port >= 1 && port <= 65535;
  }

  /** The agent's websocket URL, or throws when the address leaves this computer. */
  function agentUrl(settings) {
    const host = String(settings.host || DEFAULTS.host).trim().toLowerCase();
    if (!isLoopbackHost(host)) {
      throw new Error(t('settings_not_loopback', host));
    }
    if (!validPort(settings.port)) throw new Error(t('settings_not_a_port', settings.port));
    const bracketed = host === '::1' ? '[::1]' : host;
    return `ws://${bracketed}:${settings.port}/ws`;
  }

  function api() {
    return root.browser && root.browser.storage ? root.browser : root.chrome;
  }

  async function readManaged() {
    try {
      const area = api().storage.managed;
      return (area && (await area.get(null))) || {};
    } catch {
      // Firefox throws when no policy names this extension: no policy.
      return {};
    }
  }

  /**
   * Merge policy, local choices and defaults into one settings object.
   * @param {Partial<Settings> | undefined} local the person's choices (storage.local)
   * @param {Record<string, any>} managed the administrator's policy
   * @returns {{settings: Settings, locked: Set<string>}}
   */
  function merge(local, managed) {
    /** @type {Settings} */
    const s = {
      ...DEFAULTS,
      ...(local || {}),
      sites: JSON.parse(JSON.stringify((local && local.sites) || {})),
    };
    /** @type {Set<string>} */
    const locked = new Set();
    if (validPort(managed.port)) {
      s.port = managed.port;
      locked.add('port');
    }
    if (PRIVACY_MODES.includes(managed.privacyMode)) {
      s.privacyMode = managed.privacyMode;
      locked.add('privacyMode');
    }
    for (const key of /** @type {const} */ (['learnFromPosts', 'goalBadge'])) {
      if (typeof managed[key] === 'boolean') {
        s[key] = managed[key];
        locked.add(key);
      }
    }
    const site = (host) => {
      const key = siteKey(host);
      s.sites[key] = s.sites[key] || { enabled: true, brand: null, custom: !SITES.some((x) => x.key === key) };
      return s.sites[key];
    };
    for (const host of Array.isArray(managed.enabledSites) ? managed.enabledSites : []) {
      site(host).enabled = true;
      locked.add('site:' + siteKey(host));
    }
    for (const host of Array.isArray(managed.disabledSites) ? managed.disabledSites : []) {
      site(host).enabled = false;
      locked.add('site:' + siteKey(host));
    }
    for (const [host, brand] of Object.entries(managed.siteBrands || {})) {
      if (typeof brand === 'string' && brand) {
        site(host).brand = brand;
        locked.add('brand:' + siteKey(host));
      }
    }
    if (!PRIVACY_MODES.includes(s.privacyMode)) s.privacyMode = DEFAULTS.privacyMode;
    if (!validPort(s.port)) s.port = DEFAULTS.port;
    for (const [key, [lo, hi]] of Object.entries(RANGES)) {
      if (typeof s[key] !== 'number' || !(s[key] >= lo && s[key] <= hi)) s[key] = DEFAULTS[key];
    }
    return { settings: s, locked };
  }

  /**
   * The merged settings and the set of policy-locked keys. Chromium's first
   * storage.managed read in a browser session can take seconds, so the
   * background keeps a copy of the policy in storage.local (`mirrorPolicy`, at
   * every start and on every policy change) and readers use that, falling back
   * to storage.managed itself only before the first copy exists.
   */
  async function load() {
    const stored = await api().storage.local.get(['settings', 'policy']);
    const managed = stored.policy || (await readManaged());
    return merge(/** @type {Partial<Settings> | undefined} what `save` stored */ (stored.settings), managed);
  }

  /** Copy the administrator's policy into storage.local, for `load`. */
  async function mirrorPolicy() {
    const policy = await readManaged();
    await api().storage.local.set({ policy });
    return policy;
  }

  /**
   * Save the person's own choices. A policy-locked key is refused; per-site
   * policy needs no check here, as `merge` applies it over whatever is stored.
   */
  async function save(patch) {
    const { settings: current } = await api().storage.local.get('settings');
    const { locked } = await load();
    for (const key of Object.keys(patch)) {
      if (locked.has(key)) throw new Error(t('settings_locked', key));
    }
    if ('host' in patch && !isLoopbackHost(patch.host)) {
      throw new Error(t('settings_address_loopback'));
    }
    if ('port' in patch && !validPort(patch.port)) throw new Error(t('settings_port_range'));
    const next = { ...(current || {}), ...patch };
    await api().storage.local.set({ settings: next });
    return next;
  }

  /** How this settings object treats a hostname: enabled? which brand? built in? */
  function siteState(settings, hostname) {
    const key = siteKey(hostname);
    const builtIn = Boolean(siteFor(hostname));
    const entry = settings.sites[key];
    return {
      key,
      builtIn,
      enabled: entry ? entry.enabled !== false : builtIn,
      brand: (entry && entry.brand) || null,
    };
  }

  /** Custom (person-enabled) sites: hostnames whose content script is registered at run time. */
  function customSites(settings) {
    return Object.entries(settings.sites)
      .filter(([key, v]) => v.custom && v.enabled !== false && !SITES.some((s) => s.key === key))
      .map(([key]) => key);
  }

  /** Patch that sets one site's fields, keeping the others. */
  function sitePatch(settings, hostname, fields) {
    const key = siteKey(hostname);
    const builtIn = SITES.some((s) => s.key === key);
    const prev = settings.sites[key] || { enabled: builtIn, brand: null, custom: !builtIn };
    return { sites: { ...settings.sites, [key]: { ...prev, ...fields } } };
  }

  /** Match pattern for a custom site's content script and permission. */
  function originPattern(hostname) {
    return `*://${hostname}/*`;
  }

  const exported = {
    DEFAULTS,
    PRIVACY_MODES,
    isLoopbackHost,
    agentUrl,
    merge,
    load,
    mirrorPolicy,
    save,
    siteState,
    customSites,
    sitePatch,
    originPattern,
  };
  root.OnbrandSettings = exported;
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
})(globalThis);
