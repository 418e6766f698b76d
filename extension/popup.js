/*
 * The toolbar popup: connection state, pairing with the code from
 * `onbrand pair`, this site on/off and its brand, "Open dashboard" (a one-time
 * login link from the agent), and the privacy promise.
 */
'use strict';

(function () {
  const ext = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;
  const P = globalThis.OnbrandProtocol;
  const S = globalThis.OnbrandSettings;
  const A = globalThis.OnbrandSites;
  const M = globalThis.OnbrandMetrics;
  /** An element the page has. @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** An <input> the page has. @param {string} id */
  const $input = (id) => /** @type {HTMLInputElement} */ ($(id));
  /** A <button> the page has. @param {string} id */
  const $button = (id) => /** @type {HTMLButtonElement} */ ($(id));
  /** A <select> the page has. @param {string} id */
  const $select = (id) => /** @type {HTMLSelectElement} */ ($(id));
  const { say } = globalThis.OnbrandUi;
  const { t, localize, richText } = globalThis.OnbrandI18n;
  localize(document);

  const STATE_LABELS = {
    connecting: t('state_connecting'),
    offline: t('state_offline'),
    unpaired: t('state_unpaired'),
    ready: t('state_ready'),
    error: t('state_error'),
  };

  /** @type {Omit<StateMessage, 'type'>} */
  let current = { state: 'connecting', detail: '', agent: null };
  let paired = false;
  let wantPair = false;
  /** @type {import('./src/shared/settings.js').Settings} */
  let settings = S.DEFAULTS;
  /** @type {Set<string>} */
  let locked = new Set();
  /** @type {chrome.tabs.Tab | null} */
  let tab = null;
  /** @type {string | null} */
  let host = null;
  /** @type {StoredAgentInfo | null} */
  let cachedAgent = null;
  let openingDashboard = false;

  function detailText() {
    const a = current.agent;
    if (current.state === 'ready' && a) {
      return [a.name && a.version ? `${a.name} ${a.version}` : t('popup_agent_connected'), a.brand && t('popup_active_brand', a.brand)]
        .filter(Boolean).join(' · ');
    }
    if (current.state === 'offline') {
      return current.detail === t('bg_paused') ? current.detail : t('popup_start_agent');
    }
    return current.detail || '';
  }

  function render() {
    const pill = $('state');
    pill.dataset.state = current.state;
    pill.textContent = STATE_LABELS[current.state] || current.state;
    $('state-detail').replaceChildren(...richText(detailText()));
    const pairVisible = current.state === 'unpaired' || wantPair || (!paired && current.state !== 'ready');
    $('pair-section').hidden = !pairVisible;
    $('repair').hidden = pairVisible || current.state !== 'ready';
    const privacy = current.agent && current.agent.privacy;
    $('privacy-agent').textContent = privacy ? ` ${t('popup_agent_privacy', privacy)}` : '';
    $('privacy-line').textContent = settings.privacyMode === 'paused' ? t('popup_privacy_paused') : t('popup_privacy_local');
    // The dashboard's login link comes from the agent: only when it is connected.
    $button('open-dashboard').disabled = current.state !== 'ready' || openingDashboard;
    renderSite();
    if (current.state === 'ready' && !remindersAsked) loadReminders();
  }

  // -- weekly goals behind their pace (from the agent; no system notifications) ----
  let remindersAsked = false;

  async function loadReminders() {
    remindersAsked = true;
    const st = host ? S.siteState(settings, host) : null;
    const answer = await ext.runtime.sendMessage({ type: 'reminders', brand: (st && st.brand) || undefined });
    const list = $('reminders');
    const items = (answer && answer.ok && Array.isArray(answer.reminders)) ? answer.reminders : [];
    list.replaceChildren(...items.map((r) => {
      const li = document.createElement('li');
      li.textContent = M.reminderLine(r, t);
      return li;
    }));
    $('reminders-section').hidden = items.length === 0;
  }

  function brands() {
    const a = current.agent || cachedAgent;
    return { list: (a && a.brands) || [], active: (a && a.brand) || null };
  }

  function renderSite() {
    if (!host) return;
    const st = S.siteState(settings, host);
    const site = A.siteFor(host);
    $('site-section').hidden = false;
    $('site-name').textContent = host.replace(/^www\./, '');
    $('site-note').textContent = site
      ? t('popup_site_builtin', site.label)
      : st.enabled ? t('popup_site_checking') : t('popup_site_turn_on');
    const toggle = $input('site-toggle');
    toggle.checked = st.enabled;
    toggle.disabled = locked.has(`site:${st.key}`) || settings.privacyMode === 'paused';
    toggle.setAttribute('aria-label', t('hints_on_site', host));

    const select = $select('brand-select');
    const { list, active } = brands();
    const options = [['', active ? t('popup_agent_brand_named', active) : t('popup_agent_brand')], ...list.map((b) => [b, b])];
    if (st.brand && !list.includes(st.brand)) options.push([st.brand, st.brand]);
    select.replaceChildren(...options.map(([value, label]) => new Option(label, value, false, value === (st.brand || ''))));
    select.disabled = !st.enabled || locked.has(`brand:${st.key}`);
  }

  async function reloadSettings() {
    ({ settings, locked } = await S.load());
  }

  // -- pairing -------------------------------------------------------------------

  $('pair-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = $input('pair-code').value;
    if (!P.normalizeCode(code)) {
      say('pair-result', 'bad', t('pair_code_format'));
      return;
    }
    $button('pair-button').disabled = true;
    say('pair-result', null, t('popup_pairing'));
    const answer = await ext.runtime.sendMessage({ type: 'pair', code });
    $button('pair-button').disabled = false;
    if (answer && answer.ok) {
      paired = true;
      wantPair = false;
      $input('pair-code').value = '';
      say('pair-result', 'good', t('popup_paired'));
    } else {
      say('pair-result', 'bad', (answer && answer.message) || t('popup_pair_failed'));
    }
    if (answer && answer.state) current = answer;
    render();
  });

  $('repair').addEventListener('click', () => {
    wantPair = true;
    render();
    $('pair-code').focus();
  });

  // -- this site -------------------------------------------------------------------

  /** The content scripts manifest.json declares for the built-in sites, in load order. */
  function contentScripts() {
    const [declared] = ext.runtime.getManifest().content_scripts || [];
    return declared.js || [];
  }

  $('site-toggle').addEventListener('change', (e) => {
    const toggle = /** @type {HTMLInputElement} */ (e.target);
    const on = toggle.checked;
    const st = S.siteState(settings, host);
    const origin = S.originPattern(host);
    // permissions.request must run in the click's own task (Firefox), so it
    // comes first, before any await.
    const permission = on && !st.builtIn ? ext.permissions.request({ origins: [origin] }) : Promise.resolve(true);
    permission.then(async (granted) => {
      if (!granted) {
        toggle.checked = false;
        say('site-result', 'bad', t('popup_site_denied'));
        return;
      }
      await S.save(S.sitePatch(settings, host, { enabled: on, custom: !st.builtIn }));
      if (on && tab && tab.id !== undefined) {
        await ext.scripting.executeScript({ target: { tabId: tab.id }, files: contentScripts() });
      }
      if (!on && !st.builtIn) await ext.permissions.remove({ origins: [origin] });
      await reloadSettings();
      say('site-result', on ? 'good' : null, on ? t('popup_site_on') : t('popup_site_off'));
      render();
    }).catch((err) => {
      toggle.checked = !on;
      say('site-result', 'bad', err.message);
    });
  });

  $('brand-select').addEventListener('change', async (e) => {
    const select = /** @type {HTMLSelectElement} */ (e.target);
    try {
      await S.save(S.sitePatch(settings, host, { brand: select.value || null }));
      await reloadSettings();
      say('site-result', 'good', select.value ? t('popup_brand_set', select.value) : t('popup_brand_active'));
    } catch (err) {
      say('site-result', 'bad', err.message);
    }
  });

  // -- the dashboard ---------------------------------------------------------------

  $('open-dashboard').addEventListener('click', async () => {
    openingDashboard = true;
    render();
    say('dashboard-result', null, t('popup_opening'));
    // The background asks the agent for a one-time login link and opens it in a new tab.
    const answer = await ext.runtime.sendMessage({ type: 'login' }).catch((err) => ({ ok: false, message: err.message }));
    openingDashboard = false;
    if (answer && answer.ok) {
      say('dashboard-result', 'good', t('popup_dashboard_opened'));
      window.close();
    } else {
      say('dashboard-result', 'bad', (answer && answer.message) || t('popup_dashboard_failed'));
    }
    render();
  });

  $('open-options').addEventListener('click', (e) => {
    e.preventDefault();
    ext.runtime.openOptionsPage();
    window.close();
  });

  // -- start -----------------------------------------------------------------------

  async function init() {
    const [state, info, tabs] = await Promise.all([
      ext.runtime.sendMessage({ type: 'get-state' }),
      ext.storage.local.get('agentInfo'),
      ext.tabs.query({ active: true, currentWindow: true }),
      reloadSettings(),
    ]);
    cachedAgent = /** @type {StoredAgentInfo | undefined} */ (info.agentInfo) || null;
    if (state) {
      paired = state.paired;
      current = state;
    }
    tab = tabs[0] || null;
    const url = (tab && tab.url) || '';
    if (/^https?:/.test(url)) host = new URL(url).hostname;
    render();
    // Live updates while the popup is open; opening it also wakes the connection.
    const port = ext.runtime.connect({ name: 'onbrand-popup' });
    port.onMessage.addListener((msg) => {
      if (msg && msg.type === 'state') {
        current = msg;
        if (msg.state === 'ready') paired = true;
        render();
      }
    });
  }

  init();
})();
