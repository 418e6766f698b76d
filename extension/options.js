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
  const { t, localize, richText } = globalThis.OnbrandI18n;
  localize(document);

  const STATE_LABELS = {
    connecting: t('state_connecting'), offline: t('state_offline'), unpaired: t('state_unpaired'), ready: t('state_ready'),
    error: t('state_error'),
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
    $('state-detail').replaceChildren(...richText(msg.state === 'ready' && a
      ? `${a.name || 'onbrand'} ${a.version || ''} · ${t('options_agent_brands', (a.brands || []).join(', ') || t('options_none'))}`
        + ` · ${t('options_agent_privacy', a.privacy || t('options_unknown'))}`
      : msg.detail || ''));
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
    $input('goal-badge').checked = settings.goalBadge;
    $input('goal-badge').disabled = locked.has('goalBadge');
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
    select.setAttribute('aria-label', t('options_brand_for', row.label));
    const list = (agentInfo && agentInfo.brands) || [];
    const active = agentInfo && agentInfo.brand;
    const options = [['', active ? t('options_active_brand_named', active) : t('options_active_brand')], ...list.map((b) => [b, b])];
    if (st.brand && !list.includes(st.brand)) options.push([st.brand, st.brand]);
    select.append(...options.map(([value, label]) => new Option(label, value, false, value === (st.brand || ''))));
    select.disabled = locked.has(`brand:${row.key}`);
    select.addEventListener('change', () => save(
      S.sitePatch(settings, row.hosts[0], { brand: select.value || null }), 'sites-result',
      select.value ? t('options_site_brand_set', row.label, select.value) : t('options_site_brand_active', row.label)));
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
      kind.textContent = locked.has(`site:${row.key}`) ? t('options_set_by_admin')
        : row.builtIn ? row.hosts.join(', ') : t('options_added_by_you');
      name.append(host, kind);

      const on = document.createElement('td');
      const toggle = document.createElement('input');
      toggle.type = 'checkbox';
      toggle.className = 'switch';
      toggle.setAttribute('role', 'switch');
      toggle.setAttribute('aria-label', t('hints_on_site', row.label));
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
        b.textContent = t('options_remove');
        b.setAttribute('aria-label', t('options_remove_site', row.label));
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
        say('sites-result', 'bad', t('options_site_denied', row.label));
        return null;
      }
      return save(S.sitePatch(settings, row.hosts[0], { enabled: on }), 'sites-result', on ? t('options_site_on', row.label) : t('options_site_off', row.label));
    });
  }

  async function removeSite(row) {
    const sites = { ...settings.sites };
    delete sites[row.key];
    await save({ sites }, 'sites-result', t('options_site_removed', row.label));
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
      say('sites-result', 'bad', t('options_site_invalid'));
      return;
    }
    const builtIn = Boolean(A.siteFor(hostname));
    const key = A.siteKey(hostname);
    const granted = builtIn ? Promise.resolve(true) : ext.permissions.request({ origins: [S.originPattern(key)] });
    granted.then((ok) => {
      if (!ok) {
        say('sites-result', 'bad', t('options_site_denied', key));
        return;
      }
      $input('new-site').value = '';
      save(S.sitePatch(settings, key, { enabled: true, custom: !builtIn }), 'sites-result',
        t('options_site_added', key));
    });
  });

  // -- agent and privacy --------------------------------------------------------------

  $('agent-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const port = Number($input('port').value);
    /** @type {Partial<import('./src/shared/settings.js').Settings>} */
    const patch = { host: $input('host').value.trim() || S.DEFAULTS.host };
    if (!locked.has('port')) patch.port = port;
    save(patch, 'agent-result', t('options_saved'));
  });

  $('reconnect').addEventListener('click', async () => {
    await ext.runtime.sendMessage({ type: 'reconnect' });
    say('agent-result', null, t('options_reconnecting'));
  });

  $('unpair').addEventListener('click', async () => {
    await ext.runtime.sendMessage({ type: 'unpair' });
    say('agent-result', null, t('options_unpaired'));
  });

  for (const radio of privacyRadios()) {
    radio.addEventListener('change', () => save({ privacyMode: radio.value }, 'privacy-result',
      radio.value === 'paused' ? t('options_privacy_paused') : t('options_privacy_local')));
  }

  $('learn').addEventListener('change', () => save({ learnFromPosts: $input('learn').checked }, 'privacy-result',
    $input('learn').checked ? t('options_learn_on') : t('options_learn_off')));

  $('goal-badge').addEventListener('change', () => save({ goalBadge: $input('goal-badge').checked }, 'privacy-result',
    $input('goal-badge').checked ? t('options_goal_badge_on') : t('options_goal_badge_off')));

  $('debounce').addEventListener('change', () => {
    const ms = Math.round(Number($input('debounce').value));
    if (!(ms >= 100 && ms <= 3000)) {
      say('privacy-result', 'bad', t('options_debounce_invalid'));
      return;
    }
    save({ debounceMs: ms }, 'privacy-result', t('options_debounce_saved', ms));
  });

  // -- rules ignored for a brand (kept by the agent) -----------------------------------

  async function renderIgnored() {
    const list = $('ignored-rules');
    const brands = agentInfo && agentInfo.brands && agentInfo.brands.length ? agentInfo.brands : [undefined];
    const rows = [];
    for (const brand of brands) {
      const answer = await ext.runtime.sendMessage({ type: 'ignored-rules', brand });
      if (!answer || !answer.ok) {
        say('rules-result', 'bad', (answer && answer.message) || t('options_no_answer'));
        return;
      }
      for (const rule of answer.rules) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = t('options_check_again');
        button.setAttribute('aria-label', t('options_check_again_label', rule, answer.brand));
        button.addEventListener('click', async () => {
          const r = await ext.runtime.sendMessage({ type: 'unignore-rule', rule, brand: answer.brand });
          if (r && r.ok) say('rules-result', 'good', t('options_rule_checked_again', rule, answer.brand));
          else say('rules-result', 'bad', (r && r.message) || t('options_no_answer'));
          renderIgnored();
        });
        const li = document.createElement('li');
        li.append(`${rule} `, Object.assign(document.createElement('span'), { className: 'muted', textContent: `(${answer.brand}) ` }), button);
        rows.push(li);
      }
    }
    list.replaceChildren(...rows);
    if (!rows.length) say('rules-result', null, t('options_no_rules'));
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
