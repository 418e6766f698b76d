/*
 * The options page: agent address (loopback only), privacy mode, learning
 * from published posts, the typing pause, and the per-site list with a brand
 * per site. Values an administrator set by policy are shown read-only.
 */
'use strict';

(function () {
  const ext = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;
  const S = globalThis.OnbrandSettings;
  const A = globalThis.OnbrandSites;
  /** An element the page has. @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** An <input> the page has. @param {string} id */
  const $input = (id) => /** @type {HTMLInputElement} */ ($(id));
  /** The privacy mode's radio buttons. */
  const privacyRadios = () => /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name="privacy"]'));
  const { say } = globalThis.OnbrandUi;

  const STATE_LABELS = {
    connecting: 'Connecting…', offline: 'Agent offline', unpaired: 'Not paired', ready: 'Ready', error: 'Error',
  };

  /** @type {import('./src/shared/settings.js').Settings} */
  let settings = S.DEFAULTS;
  /** @type {Set<string>} */
  let locked = new Set();
  /** @type {AgentSummary | StoredAgentInfo | null} the connected agent's, else the last one seen */
  let agentInfo = null;

  async function reload() {
    ({ settings, locked } = await S.load());
    render();
  }

  async function save(patch, resultId, okText) {
    try {
      await S.save(patch);
      await reload();
      if (okText) say(resultId, 'good', okText);
    } catch (err) {
      say(resultId, 'bad', err.message);
      await reload();
    }
  }

  // -- rendering -------------------------------------------------------------------

  function renderState(msg) {
    $('state').dataset.state = msg.state;
    $('state').textContent = STATE_LABELS[msg.state] || msg.state;
    const a = msg.agent;
    $('state-detail').textContent = msg.state === 'ready' && a
      ? `${a.name || 'onbrand'} ${a.version || ''} · brands: ${(a.brands || []).join(', ') || 'none'} · agent privacy: ${a.privacy || 'unknown'}`
      : msg.detail || '';
    if (a) agentInfo = a;
  }

  function render() {
    $('managed-note').hidden = locked.size === 0;
    if (document.activeElement !== $('host')) $input('host').value = settings.host;
    if (document.activeElement !== $('port')) $input('port').value = String(settings.port);
    $input('port').disabled = locked.has('port');
    for (const radio of privacyRadios()) {
      radio.checked = radio.value === settings.privacyMode;
      radio.disabled = locked.has('privacyMode');
    }
    $input('learn').checked = settings.learnFromPosts;
    $input('learn').disabled = locked.has('learnFromPosts');
    if (document.activeElement !== $('debounce')) $input('debounce').value = String(settings.debounceMs);
    renderSites();
  }

  function siteRows() {
    const rows = A.SITES.map((s) => ({ key: s.key, label: s.label, hosts: s.hosts, builtIn: true }));
    for (const [key, v] of Object.entries(settings.sites)) {
      if (v.custom && !A.SITES.some((s) => s.key === key)) rows.push({ key, label: key, hosts: [key], builtIn: false });
    }
    return rows;
  }

  function brandSelect(row, st) {
    const select = document.createElement('select');
    select.setAttribute('aria-label', `Brand for ${row.label}`);
    const list = (agentInfo && agentInfo.brands) || [];
    const active = agentInfo && agentInfo.brand;
    const options = [['', active ? `Active brand (${active})` : 'Active brand'], ...list.map((b) => [b, b])];
    if (st.brand && !list.includes(st.brand)) options.push([st.brand, st.brand]);
    select.append(...options.map(([value, label]) => new Option(label, value, false, value === (st.brand || ''))));
    select.disabled = locked.has(`brand:${row.key}`);
    select.addEventListener('change', () => save(
      S.sitePatch(settings, row.hosts[0], { brand: select.value || null }), 'sites-result',
      `${row.label}: ${select.value ? `checked as ${select.value}` : 'uses the active brand'}.`));
    return select;
  }

  function renderSites() {
    const body = $('sites');
    body.replaceChildren(...siteRows().map((row) => {
      const st = S.siteState(settings, row.hosts[0]);
      const tr = document.createElement('tr');

      const name = document.createElement('td');
      const host = document.createElement('span');
      host.className = 'host';
      host.textContent = row.label;
      const kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = locked.has(`site:${row.key}`) ? 'Set by your administrator'
        : row.builtIn ? row.hosts.join(', ') : 'Added by you';
      name.append(host, kind);

      const on = document.createElement('td');
      const toggle = document.createElement('input');
      toggle.type = 'checkbox';
      toggle.className = 'switch';
      toggle.setAttribute('role', 'switch');
      toggle.setAttribute('aria-label', `Hints on ${row.label}`);
      toggle.checked = st.enabled;
      toggle.disabled = locked.has(`site:${row.key}`);
      toggle.addEventListener('change', () => setSite(row, toggle));
      on.append(toggle);

      const brand = document.createElement('td');
      brand.append(brandSelect(row, st));

      const remove = document.createElement('td');
      if (!row.builtIn && !locked.has(`site:${row.key}`)) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'link';
        b.textContent = 'Remove';
        b.setAttribute('aria-label', `Remove ${row.label}`);
        b.addEventListener('click', () => removeSite(row));
        remove.append(b);
      }
      tr.append(name, on, brand, remove);
      return tr;
    }));
  }

  // -- sites -----------------------------------------------------------------------

  function setSite(row, toggle) {
    const on = toggle.checked;
    const origin = S.originPattern(row.key);
    // Must be called in the click's own task (Firefox): before any await.
    const granted = on && !row.builtIn ? ext.permissions.request({ origins: [origin] }) : Promise.resolve(true);
    granted.then((ok) => {
      if (!ok) {
        toggle.checked = false;
        say('sites-result', 'bad', `onbrand needs access to ${row.label} to read drafts there.`);
        return null;
      }
      return save(S.sitePatch(settings, row.hosts[0], { enabled: on }), 'sites-result', `${row.label}: ${on ? 'on' : 'off'}.`);
    });
  }

  async function removeSite(row) {
    const sites = { ...settings.sites };
    delete sites[row.key];
    await save({ sites }, 'sites-result', `${row.label} removed.`);
    await ext.permissions.remove({ origins: [S.originPattern(row.key)] }).catch(() => {});
  }

  function parseHost(input) {
    const raw = input.trim();
    if (!raw) return null;
    try {
      const url = new URL(raw.includes('://') ? raw : `https://${raw}`);
      return /^[a-z0-9.-]+$/.test(url.hostname) && url.hostname.includes('.') ? url.hostname : null;
    } catch {
      return null;
    }
  }

  $('add-site').addEventListener('submit', (e) => {
    e.preventDefault();
    const hostname = parseHost($input('new-site').value);
    if (!hostname) {
      say('sites-result', 'bad', 'Enter a site’s address, like mastodon.example.');
      return;
    }
    const builtIn = Boolean(A.siteFor(hostname));
    const key = A.siteKey(hostname);
    const granted = builtIn ? Promise.resolve(true) : ext.permissions.request({ origins: [S.originPattern(key)] });
    granted.then((ok) => {
      if (!ok) {
        say('sites-result', 'bad', `onbrand needs access to ${key} to read drafts there.`);
        return;
      }
      $input('new-site').value = '';
      save(S.sitePatch(settings, key, { enabled: true, custom: !builtIn }), 'sites-result',
        `${key} added: open a compose box there to see hints.`);
    });
  });

  // -- agent and privacy --------------------------------------------------------------

  $('agent-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const port = Number($input('port').value);
    /** @type {Partial<import('./src/shared/settings.js').Settings>} */
    const patch = { host: $input('host').value.trim() || S.DEFAULTS.host };
    if (!locked.has('port')) patch.port = port;
    save(patch, 'agent-result', 'Saved. Reconnecting…');
  });

  $('reconnect').addEventListener('click', async () => {
    await ext.runtime.sendMessage({ type: 'reconnect' });
    say('agent-result', null, 'Reconnecting…');
  });

  $('unpair').addEventListener('click', async () => {
    await ext.runtime.sendMessage({ type: 'unpair' });
    say('agent-result', null, 'Pairing forgotten. Pair again from the toolbar button with a code from `onbrand pair`.');
  });

  for (const radio of privacyRadios()) {
    radio.addEventListener('change', () => save({ privacyMode: radio.value }, 'privacy-result',
      radio.value === 'paused' ? 'Paused: nothing is read or sent.' : 'Local-only: drafts go only to the agent on this computer.'));
  }

  $('learn').addEventListener('change', () => save({ learnFromPosts: $input('learn').checked }, 'privacy-result',
    $input('learn').checked ? 'Published posts will be learned.' : 'Published posts will not be learned.'));

  $('debounce').addEventListener('change', () => {
    const ms = Math.round(Number($input('debounce').value));
    if (!(ms >= 100 && ms <= 3000)) {
      say('privacy-result', 'bad', 'Choose a pause from 100 to 3000 ms.');
      return;
    }
    save({ debounceMs: ms }, 'privacy-result', `Drafts are checked after ${ms} ms without typing.`);
  });

  // -- rules ignored for a brand (kept by the agent) -----------------------------------

  async function renderIgnored() {
    const list = $('ignored-rules');
    const brands = agentInfo && agentInfo.brands && agentInfo.brands.length ? agentInfo.brands : [undefined];
    const rows = [];
    for (const brand of brands) {
      const answer = await ext.runtime.sendMessage({ type: 'ignored-rules', brand });
      if (!answer || !answer.ok) {
        say('rules-result', 'bad', (answer && answer.message) || 'The agent did not answer');
        return;
      }
      for (const rule of answer.rules) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = 'Check again';
        button.setAttribute('aria-label', `Check the rule ${rule} again for ${answer.brand}`);
        button.addEventListener('click', async () => {
          const r = await ext.runtime.sendMessage({ type: 'unignore-rule', rule, brand: answer.brand });
          if (r && r.ok) say('rules-result', 'good', `Rule ${rule} is checked again for ${answer.brand}.`);
          else say('rules-result', 'bad', (r && r.message) || 'The agent did not answer');
          renderIgnored();
        });
        const li = document.createElement('li');
        li.append(`${rule} `, Object.assign(document.createElement('span'), { className: 'muted', textContent: `(${answer.brand}) ` }), button);
        rows.push(li);
      }
    }
    list.replaceChildren(...rows);
    if (!rows.length) say('rules-result', null, 'No rule is ignored.');
  }

  // -- start -----------------------------------------------------------------------

  async function init() {
    const [{ agentInfo: info }, state] = await Promise.all([
      ext.storage.local.get('agentInfo'),
      ext.runtime.sendMessage({ type: 'get-state' }),
    ]);
    agentInfo = /** @type {StoredAgentInfo | undefined} */ (info) || null;
    if (state) renderState(state);
    await reload();
    const port = ext.runtime.connect({ name: 'onbrand-popup' });
    port.onMessage.addListener((msg) => {
      if (msg && msg.type === 'state') {
        renderState(msg);
        renderSites();
        if (msg.state === 'ready') renderIgnored().catch(() => {});
      }
    });
    ext.storage.onChanged.addListener((changes, area) => {
      if (area === 'local' && changes.settings) reload();
    });
  }

  init();
})();
