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
  /** An element the page has. @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** An <input> the page has. @param {string} id */
  const $input = (id) => /** @type {HTMLInputElement} */ ($(id));
  /** A <button> the page has. @param {string} id */
  const $button = (id) => /** @type {HTMLButtonElement} */ ($(id));
  /** A <select> the page has. @param {string} id */
  const $select = (id) => /** @type {HTMLSelectElement} */ ($(id));
  const { say } = globalThis.OnbrandUi;

  const STATE_LABELS = {
    connecting: 'Connecting…',
    offline: 'Agent offline',
    unpaired: 'Not paired',
    ready: 'Ready',
    error: 'Error',
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
      return [a.name && a.version ? `${a.name} ${a.version}` : 'Agent connected', a.brand && `active brand: ${a.brand}`]
        .filter(Boolean).join(' · ');
    }
    if (current.state === 'offline') {
      return current.detail === 'Paused in onbrand settings' ? current.detail
        : 'Start the agent on this computer with: onbrand serve';
    }
    return current.detail || '';
  }

  function render() {
    const pill = $('state');
    pill.dataset.state = current.state;
    pill.textContent = STATE_LABELS[current.state] || current.state;
    $('state-detail').textContent = detailText();
    const pairVisible = current.state === 'unpaired' || wantPair || (!paired && current.state !== 'ready');
    $('pair-section').hidden = !pairVisible;
    $('repair').hidden = pairVisible || current.state !== 'ready';
    const privacy = current.agent && current.agent.privacy;
    $('privacy-agent').textContent = privacy ? ` (agent: ${privacy})` : '';
    $('privacy-line').textContent = settings.privacyMode === 'paused'
      ? 'Paused: onbrand reads and sends nothing'
      : 'Local-only: drafts go only to the agent on this computer';
    // The dashboard's login link comes from the agent: only when it is connected.
    $button('open-dashboard').disabled = current.state !== 'ready' || openingDashboard;
    renderSite();
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
      ? `${site.label}: hints while you write`
      : st.enabled ? 'Checking compose boxes on this site' : 'Turn on to check drafts on this site';
    const toggle = $input('site-toggle');
    toggle.checked = st.enabled;
    toggle.disabled = locked.has(`site:${st.key}`) || settings.privacyMode === 'paused';
    toggle.setAttribute('aria-label', `Hints on ${host}`);

    const select = $select('brand-select');
    const { list, active } = brands();
    const options = [['', active ? `Agent's active brand (${active})` : "Agent's active brand"], ...list.map((b) => [b, b])];
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
      say('pair-result', 'bad', 'The code is the 6 digits `onbrand pair` printed.');
      return;
    }
    $button('pair-button').disabled = true;
    say('pair-result', null, 'Pairing…');
    const answer = await ext.runtime.sendMessage({ type: 'pair', code });
    $button('pair-button').disabled = false;
    if (answer && answer.ok) {
      paired = true;
      wantPair = false;
      $input('pair-code').value = '';
      say('pair-result', 'good', 'Paired. Hints are on.');
    } else {
      say('pair-result', 'bad', (answer && answer.message) || 'Pairing failed.');
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
        say('site-result', 'bad', 'onbrand needs access to this site to read your drafts here.');
        return;
      }
      await S.save(S.sitePatch(settings, host, { enabled: on, custom: !st.builtIn }));
      if (on && tab && tab.id !== undefined) {
        await ext.scripting.executeScript({ target: { tabId: tab.id }, files: contentScripts() });
      }
      if (!on && !st.builtIn) await ext.permissions.remove({ origins: [origin] });
      await reloadSettings();
      say('site-result', on ? 'good' : null, on ? 'On: hints appear when you write here.' : 'Off for this site.');
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
      say('site-result', 'good', select.value ? `Drafts here are checked as ${select.value}.` : "Drafts here use the agent's active brand.");
    } catch (err) {
      say('site-result', 'bad', err.message);
    }
  });

  // -- the dashboard ---------------------------------------------------------------

  $('open-dashboard').addEventListener('click', async () => {
    openingDashboard = true;
    render();
    say('dashboard-result', null, 'Opening…');
    // The background asks the agent for a one-time login link and opens it in a new tab.
    const answer = await ext.runtime.sendMessage({ type: 'login' }).catch((err) => ({ ok: false, message: err.message }));
    openingDashboard = false;
    if (answer && answer.ok) {
      say('dashboard-result', 'good', 'Dashboard opened in a new tab.');
      window.close();
    } else {
      say('dashboard-result', 'bad', (answer && answer.message) || 'Could not open the dashboard.');
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
