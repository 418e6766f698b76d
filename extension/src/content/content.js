/*
 * Content script: finds compose boxes with the site's adapter, reads their
 * text as it changes, and shows an overlay per box. Drafts travel to the
 * background over a runtime port (the websocket lives only there); analyses
 * come back on the same port, routed by draft_id.
 *
 * It also counts active seconds on the page (visible, focused, the person
 * active) for the agent's dashboard: durations only, sent to the background,
 * which reports them per site. A draft's `typedAt` and an emptied box mark
 * where a compose session begins and ends; the text is never part of that.
 *
 * The one rule: never change what the person wrote. This script only reads
 * the editor (listeners are passive, nothing is written, no selection or
 * focus is touched, no event is dispatched) and draws outside it.
 */
(function () {
  'use strict';

  const ext = globalThis.browser && globalThis.browser.runtime ? globalThis.browser : globalThis.chrome;

  // Declared, dynamically registered and freshly injected scripts (after an
  // install or update) may all land in one page: one live copy runs. A copy
  // orphaned by an extension update has lost its runtime id and gives way.
  const previous = globalThis.__onbrandContent;
  if (previous && previous.alive()) return;
  globalThis.__onbrandContent = { alive: () => Boolean(ext.runtime && ext.runtime.id) };

  const A = globalThis.OnbrandAdapters;
  const S = globalThis.OnbrandSettings;
  const { DraftSchedule, changedALot } = globalThis.OnbrandSchedule;
  const { HintOverlay } = globalThis.OnbrandOverlay;
  const M = globalThis.OnbrandMetrics;
  const { t } = globalThis.OnbrandI18n;

  // How long after a click on the site's publish button the box must empty
  // (or vanish) for the text to count as published.
  const PUBLISH_WINDOW_MS = 6000;
  // How long "Approve as posted" stays offered after a publish.
  const POSTED_OFFER_MS = 30000;
  const TICK_MS = 1000;
  // The page-wide listeners only read: passive, so they never hold up scrolling.
  /** @type {AddEventListenerOptions} */
  const PASSIVE = { passive: true };
  /** @type {AddEventListenerOptions} */
  const PASSIVE_CAPTURE = { capture: true, passive: true };

  const nonce = Math.random().toString(36).slice(2, 10);
  let counter = 0;
  /** @type {import('./adapters.js').Adapter} this page's, set by start() */
  let adapter = A.ADAPTERS.generic;
  /** @type {import('../shared/settings.js').Settings} */
  let settings = S.DEFAULTS;
  let running = false;
  /** @type {Set<Draft>} */
  const drafts = new Set();
  /** @type {WeakMap<Element, Draft>} */
  const byEditor = new WeakMap();
  /** @type {Draft | null} */
  let lastFocused = null;

  // -- the port to the background ----------------------------------------------

  const link = {
    /** @type {chrome.runtime.Port | null} */
    port: null,
    state: 'connecting',
    detail: '',
    /** @type {number | null} */
    retry: null,
    wokeAt: 0,

    connect() {
      if (this.port || !running) return;
      let port;
      try {
        port = ext.runtime.connect({ name: 'onbrand-content' });
      } catch {
        // The extension was reloaded or removed: this script is orphaned.
        stop();
        return;
      }
      this.port = port;
      port.onMessage.addListener((msg) => this.receive(msg));
      port.onDisconnect.addListener(() => this.lost());
      // A new background (the service worker may have been restarted) knows
      // nothing: tell it which drafts are open and resend their newest text.
      for (const d of drafts) if (d.active) d.sendOpen();
    },

    lost() {
      this.port = null;
      if (!ext.runtime || !ext.runtime.id) {
        stop();
        return;
      }
      this.setState('connecting', '');
      // An approval's answer would have come back on this port: say so, never "Saving…" forever.
      for (const d of drafts) d.approvalLost();
      clearTimeout(this.retry);
      if ([...drafts].some((d) => d.active)) this.retry = setTimeout(() => this.connect(), 300);
    },

    /** Send to the background; a closing message never opens a new port. */
    post(msg, { open = true } = {}) {
      if (!this.port && open) this.connect();
      if (!this.port) return;
      try {
        this.port.postMessage(msg);
      } catch {
        this.lost();
      }
    },

    disconnect() {
      clearTimeout(this.retry);
      try {
        if (this.port) this.port.disconnect();
      } catch {
        // An orphaned script's port is already gone.
      }
      this.port = null;
    },

    /** The person is writing while the agent is away: ask the background to retry now. */
    wake() {
      const now = Date.now();
      if (this.state !== 'offline' || !this.port || now - (this.wokeAt || 0) < 1000) return;
      this.wokeAt = now;
      this.post({ type: 'wake' });
    },

    setState(state, detail) {
      this.state = state;
      this.detail = detail || '';
      for (const d of drafts) d.refresh();
    },

    receive(msg) {
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'state') {
        this.setState(msg.state, msg.detail);
        return;
      }
      if (msg.type === 'command' && msg.command === 'open-card') {
        const d = [...drafts].find((x) => x.focused) || lastFocused;
        if (d) d.openCard();
        return;
      }
      const d = [...drafts].find((x) => x.id === msg.draftId);
      if (!d) return;
      if (msg.type === 'analysis') d.onAnalysis(msg.seq, msg.result);
      else if (msg.type === 'draft-error') d.onDraftError(msg);
      else if (msg.type === 'approved') d.onApproved(msg);
      else if (msg.type === 'rule-ignored') d.onRuleIgnored(msg);
    },
  };

  // -- one compose box -------------------------------------------------------------

  class Draft {
    constructor(editor) {
      this.editor = editor;
      this.id = `${nonce}-${++counter}`;
      this.text = '';
      this.touched = false; // focused or typed in at least once
      this.active = false;
      this.error = '';
      /** @type {string | null} */
      this.dismissedText = null;
      /** @type {{text: string, until: number} | null} a publish click waiting for the box to empty */
      this.armed = null;
      /** @type {string | null} the approval waiting for its answer */
      this.pendingApprove = null;
      /** @type {{text: string, until: number} | null} text just published, offered for approval */
      this.posted = null;
      /** @type {number | null} when the person began typing in this box since it was last empty */
      this.typedAt = null;
      this.schedule = new DraftSchedule({
        delayMs: settings.debounceMs,
        send: (frame) => this.send(frame),
      });
      /** @type {Map<number, string>} the text of each seq sent and not yet answered (spans index into it) */
      this.sentText = new Map();
      this.overlay = new HintOverlay({
        draftId: this.id,
        anchor: editor,
        postButton: adapter.postButton,
        onApprove: () => this.approve(this.text),
        onDismiss: () => this.dismiss(),
        onApply: (fix) => this.applyFix(fix),
        onApprovePosted: () => this.approvePosted(),
        onDeclinePosted: () => this.endPosted(),
        onIgnoreRule: (rule, ignore) => this.ignoreRule(rule, ignore),
      });

      this.onFocus = () => {
        this.touched = true;
        lastFocused = this;
        this.read();
        this.refresh();
        link.wake();
      };
      this.onBlur = () => this.refresh();
      this.onInput = () => {
        this.touched = true;
        this.markTyped();
        this.read();
        link.wake();
      };
      this.onKeydown = (e) => {
        this.markTyped();
        if (e.key !== 'Enter' || e.isComposing) return;
        if (e.ctrlKey || e.metaKey || (adapter.enterPosts && !e.shiftKey)) this.arm();
      };
      const opts = { passive: true };
      editor.addEventListener('focus', this.onFocus, opts);
      editor.addEventListener('blur', this.onBlur, opts);
      editor.addEventListener('input', this.onInput, opts);
      editor.addEventListener('keydown', this.onKeydown, opts);
      // Rich editors render changes without always firing `input` (paste
      // handled by the framework, undo, programmatic clears).
      if (editor.tagName !== 'TEXTAREA' && editor.tagName !== 'INPUT') {
        this.mutations = new MutationObserver(() => this.read());
        this.mutations.observe(editor, { childList: true, characterData: true, subtree: true });
      }
      this.resize = new ResizeObserver(() => this.overlay.place());
      this.resize.observe(editor);
    }

    /** First look at the box, once it is registered (a new port announces registered drafts). */
    start() {
      if (this.focused) this.onFocus();
      this.read();
      this.refresh();
    }

    get focused() {
      const a = document.activeElement;
      return Boolean(a && (a === this.editor || this.editor.contains(a)));
    }

    /** The person types in this box: the compose session starts (once, until the box empties). */
    markTyped() {
      if (this.typedAt === null) this.typedAt = Date.now();
    }

    read() {
      const text = A.extractText(this.editor);
      if (text === this.text) return;
      this.text = text;
      this.overlay.setText(text);
      const empty = !text.trim();
      if (this.armed && empty) this.published();
      if (empty && this.typedAt !== null) {
        // Cleared or sent: the compose session ends (after any approval of the text, above).
        this.typedAt = null;
        link.post({ type: 'session-end', draftId: this.id }, { open: false });
      }
      if (this.dismissedText !== null && changedALot(this.dismissedText, text)) this.dismissedText = null;
      if (empty) {
        // Emptied (often: just published): the old hints no longer apply.
        this.schedule.clear();
        this.error = '';
        this.overlay.setResult(null);
        this.overlay.toggle(false);
      } else {
        this.schedule.update(text);
      }
      this.refresh();
    }

    send({ seq, text }) {
      // A new port announces every open draft with its newest text, this one included.
      if (!link.port) {
        link.connect();
        return;
      }
      this.sentText.set(seq, text);
      link.post({
        type: 'analyze',
        draftId: this.id,
        seq,
        text,
        platform: adapter.platform,
        replyTo: A.replyContext(adapter, this.editor),
        typedAt: this.typedAt === null ? undefined : this.typedAt,
      });
      this.refresh();
    }

    /** Tell the background this draft is open; a new port does so for every open draft. */
    announce() {
      if (link.port) this.sendOpen();
      else link.connect();
    }

    /** Register with a (possibly new) background and resend the newest text. */
    sendOpen() {
      link.post({ type: 'open', draftId: this.id });
      const newest = this.schedule.newest();
      if (newest && this.text.trim()) this.send(newest);
    }

    refresh() {
      const active = this.touched && this.editor.isConnected && (this.focused || Boolean(this.text.trim()));
      if (active !== this.active) {
        this.active = active;
        if (active) this.announce();
        else link.post({ type: 'close', draftId: this.id }, { open: false });
      }
      let state = link.state;
      if (state === 'ready') {
        if (this.error) state = 'error';
        else if (this.text.trim() && this.schedule.busy) state = 'analyzing';
      }
      this.overlay.setState(state, this.error || link.detail);
      this.overlay.setCanApprove(Boolean(this.text.trim()));
      this.overlay.setVisible((active && this.dismissedText === null) || this.posted !== null);
    }

    onAnalysis(seq, result) {
      if (!this.schedule.accept(seq) || !this.text.trim()) return;
      this.error = '';
      // Spans index into the text that was analysed; without it (a seq sent by
      // an earlier copy of this script) the result shows without underlines.
      const analysed = this.sentText.get(seq);
      for (const old of this.sentText.keys()) if (old < seq) this.sentText.delete(old);
      this.overlay.setResult(result, analysed === undefined ? undefined : analysed);
      this.refresh();
    }

    /**
     * The one write to the editor, on an explicit Apply: select the characters
     * the fix replaces and insert the replacement through the editor's own
     * input path (execCommand fires beforeinput/input as typing does, so
     * Draft.js, Lexical, Quill and ProseMirror update their models and their
     * undo stacks; a textarea's native undo gets it too).
     */
    async applyFix({ start, end, text, replacement }) {
      this.read();
      if (this.text.slice(start, end) !== text) return; // the draft moved on
      const el = this.editor;
      el.focus({ preventScroll: true });
      if (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT') {
        /** @type {HTMLTextAreaElement} */ (el).setSelectionRange(start, end);
      } else {
        const r = A.domRange(el, start, end);
        const sel = getSelection();
        if (!r || !sel) return;
        sel.setBaseAndExtent(r.startNode, r.startOffset, r.endNode, r.endOffset);
        // Editors sync their own selection from selectionchange, which fires
        // asynchronously: let it land before the input.
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      if (!document.execCommand('insertText', false, replacement)) {
        this.overlay.setApproveStatus('bad', t('status_fix_refused'));
      }
      this.read();
    }

    ignoreRule(rule, ignore) {
      link.post({ type: 'ignore-rule', draftId: this.id, rule, ignore });
    }

    /** The `commands` shortcut: open this box's card, focus inside it. */
    openCard() {
      if (!this.active) return;
      if (this.dismissedText !== null) {
        this.dismissedText = null;
        this.refresh();
      }
      this.overlay.openFromKeyboard();
    }

    onDraftError(msg) {
      this.error = msg.message || msg.code;
      this.refresh();
    }

    approve(text, learned = false) {
      if (!text.trim()) return;
      const reqId = `${this.id}:${Date.now()}`;
      if (!learned) this.overlay.setApproveStatus('idle', t('status_saving'));
      this.pendingApprove = learned ? null : reqId;
      link.post({ type: 'approve', reqId, draftId: this.id, text, platform: adapter.platform, url: location.href });
    }

    /** Whether this box still needs the port: open, or waiting for an approval's answer. */
    get needsPort() {
      return this.active || this.pendingApprove !== null;
    }

    approvalLost() {
      if (this.pendingApprove === null) return;
      this.pendingApprove = null;
      this.overlay.setApproveStatus('bad', t('status_connection_lost'));
    }

    onApproved(msg) {
      if (msg.reqId !== this.pendingApprove) return;
      this.pendingApprove = null;
      if (msg.ok) {
        const what = !msg.created ? t('status_already_approved', msg.postId)
          : msg.brand ? t('status_saved_brand', msg.brand, msg.postId) : t('status_saved', msg.postId);
        this.overlay.setApproveStatus('good', what);
      } else {
        this.overlay.setApproveStatus('bad', msg.message || t('status_save_failed'));
      }
    }

    /** The agent stored (or refused) an ignored rule; the next analysis no longer has its hint. */
    onRuleIgnored(msg) {
      if (!msg.ok) {
        this.overlay.setApproveStatus('bad', msg.message || t('status_ignore_failed'));
        return;
      }
      this.overlay.setApproveStatus('good', !msg.ignore ? t('status_rule_checked', msg.rule)
        : msg.brand ? t('status_rule_ignored', msg.rule, msg.brand) : t('status_rule_ignored_active', msg.rule));
      // Analyse the same text again: the result without the rule replaces this one.
      this.schedule.clear();
      if (this.text.trim()) this.schedule.update(this.text);
    }

    dismiss() {
      this.dismissedText = this.text;
      this.refresh();
    }

    /** The site's publish button was pressed (or its shortcut): wait for the box to empty. */
    arm() {
      if (!this.text.trim()) return;
      this.armed = { text: this.text, until: Date.now() + PUBLISH_WINDOW_MS };
      tick.fast();
    }

    /**
     * The box emptied or vanished right after a publish: learn the text, or
     * (without "Learn from posts I publish") offer to approve what was posted.
     */
    published() {
      if (!this.armed) return;
      const { text, until } = this.armed;
      this.armed = null;
      if (Date.now() > until) return;
      if (settings.learnFromPosts) {
        this.approve(text, true);
      } else if (this.editor.isConnected) {
        this.posted = { text, until: Date.now() + POSTED_OFFER_MS };
        this.overlay.setPosted(true);
      }
    }

    /** "Approve as posted": the text the site just published. */
    approvePosted() {
      if (this.posted) this.approve(this.posted.text);
    }

    /** The offer to approve a published text ends: declined, expired, or typing again. */
    endPosted() {
      if (!this.posted) return;
      this.posted = null;
      this.overlay.setPosted(false);
      this.refresh();
    }

    /** Called every tick: textareas can change without events; arms expire. */
    poll() {
      if (this.editor.tagName === 'TEXTAREA' || this.editor.tagName === 'INPUT' || this.armed) this.read();
      if (this.armed && Date.now() > this.armed.until) this.armed = null;
      if (this.posted && (Date.now() > this.posted.until || this.text.trim())) this.endPosted();
      if (this.overlay.visible) this.overlay.place();
    }

    destroy() {
      if (this.armed) this.published();
      if (this.active) link.post({ type: 'close', draftId: this.id }, { open: false });
      this.active = false;
      this.schedule.cancel();
      const opts = { passive: true };
      this.editor.removeEventListener('focus', this.onFocus, opts);
      this.editor.removeEventListener('blur', this.onBlur, opts);
      this.editor.removeEventListener('input', this.onInput, opts);
      this.editor.removeEventListener('keydown', this.onKeydown, opts);
      if (this.mutations) this.mutations.disconnect();
      this.resize.disconnect();
      this.overlay.destroy();
      drafts.delete(this);
      byEditor.delete(this.editor);
      if (lastFocused === this) lastFocused = null;
    }
  }

  // -- page-wide wiring ----------------------------------------------------------

  function attach(editor) {
    const known = byEditor.get(editor);
    if (known) return known;
    const d = new Draft(editor);
    drafts.add(d);
    byEditor.set(editor, d);
    d.start();
    return d;
  }

  function scan() {
    for (const box of A.findComposeBoxes(adapter, document)) attach(box);
    for (const d of [...drafts]) if (!d.editor.isConnected) d.destroy();
    if (![...drafts].some((d) => d.needsPort) && link.port) link.disconnect();
  }

  /** @type {number | null} */
  let scanTimer = null;
  const domObserver = new MutationObserver(() => {
    if (scanTimer === null) scanTimer = setTimeout(() => {
      scanTimer = null;
      scan();
    }, 200);
  });

  function onFocusIn(e) {
    const box = A.composeBoxOf(adapter, e.target);
    if (box) attach(box).onFocus();
  }

  /** A click on the site's publish button arms the box it belongs to. */
  function onClick(e) {
    const button = A.postButtonOf(adapter, e.target);
    if (!button) return;
    /** @type {Draft | null} */
    let best = null;
    let bestDepth = -1;
    for (const d of drafts) {
      if (!d.text.trim()) continue;
      const depth = A.commonDepth(d.editor, button) + (d === lastFocused ? 0.5 : 0);
      if (depth > bestDepth) {
        best = d;
        bestDepth = depth;
      }
    }
    if (best) best.arm();
  }

  let placeFrame = 0;
  function placeAll() {
    if (placeFrame) return;
    placeFrame = requestAnimationFrame(() => {
      placeFrame = 0;
      for (const d of drafts) if (d.overlay.visible) d.overlay.place();
    });
  }

  const tick = {
    /** @type {number | null} */
    timer: null,
    fastUntil: 0,
    start() {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.run(), TICK_MS);
    },
    /** Poll quickly for a short while: a publish clears the box within a moment. */
    fast() {
      this.fastUntil = Date.now() + PUBLISH_WINDOW_MS;
      clearInterval(this.timer);
      this.timer = setInterval(() => this.run(), 150);
    },
    run() {
      for (const d of drafts) d.poll();
      if (this.fastUntil && Date.now() > this.fastUntil) {
        this.fastUntil = 0;
        this.start();
      }
    },
    stop() {
      clearInterval(this.timer);
      this.timer = null;
    },
  };

  // -- active time on this site ------------------------------------------------------

  const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'mousemove', 'wheel', 'scroll', 'touchstart'];

  const activity = {
    /** @type {InstanceType<typeof M.ActiveTime> | null} */
    meter: null,
    /** @type {number | null} */
    timer: null,
    lastFlush: 0,

    onInput() {
      if (activity.meter) activity.meter.input(Date.now());
    },

    shown() {
      return document.visibilityState === 'visible' && document.hasFocus();
    },

    start() {
      const meter = new M.ActiveTime({ idleMs: settings.activeIdleS * 1000 });
      this.meter = meter;
      this.lastFlush = Date.now();
      for (const type of ACTIVITY_EVENTS) addEventListener(type, this.onInput, PASSIVE_CAPTURE);
      document.addEventListener('visibilitychange', this.onHide, PASSIVE);
      addEventListener('pagehide', this.onHide, PASSIVE);
      meter.tick(Date.now(), this.shown());
      this.timer = setInterval(() => this.run(), TICK_MS);
    },

    run() {
      if (!this.meter) return;
      const now = Date.now();
      this.meter.idleMs = settings.activeIdleS * 1000;
      this.meter.tick(now, this.shown());
      if (now - this.lastFlush >= settings.reportIntervalS * 1000) this.flush();
    },

    /** Leaving the page or the tab: count up to now and send what was counted. */
    onHide(e) {
      if (!activity.meter) return;
      if (e.type === 'visibilitychange' && document.visibilityState === 'visible') {
        activity.meter.tick(Date.now(), false); // back: the hidden time does not count
        return;
      }
      activity.meter.tick(Date.now(), true);
      activity.flush();
    },

    /** Hand the whole seconds counted to the background (durations only). */
    flush() {
      if (!this.meter) return;
      this.lastFlush = Date.now();
      const seconds = this.meter.take();
      if (seconds <= 0) return;
      try {
        Promise.resolve(ext.runtime.sendMessage({ type: 'activity', seconds })).catch(() => {});
      } catch {
        // The extension was reloaded: this script is orphaned.
      }
    },

    stop() {
      if (!this.meter) return;
      this.meter.tick(Date.now(), this.shown());
      this.flush();
      clearInterval(this.timer);
      this.timer = null;
      for (const type of ACTIVITY_EVENTS) removeEventListener(type, this.onInput, PASSIVE_CAPTURE);
      document.removeEventListener('visibilitychange', this.onHide, PASSIVE);
      removeEventListener('pagehide', this.onHide, PASSIVE);
      this.meter = null;
    },
  };

  function start() {
    running = true;
    activity.start();
    adapter = A.adapterFor(location.hostname, document);
    domObserver.observe(document.documentElement, { childList: true, subtree: true });
    document.addEventListener('focusin', onFocusIn, PASSIVE_CAPTURE);
    document.addEventListener('click', onClick, PASSIVE_CAPTURE);
    addEventListener('scroll', placeAll, PASSIVE_CAPTURE);
    addEventListener('resize', placeAll, PASSIVE);
    tick.start();
    scan();
  }

  function stop() {
    running = false;
    activity.stop();
    domObserver.disconnect();
    document.removeEventListener('focusin', onFocusIn, PASSIVE_CAPTURE);
    document.removeEventListener('click', onClick, PASSIVE_CAPTURE);
    removeEventListener('scroll', placeAll, PASSIVE_CAPTURE);
    removeEventListener('resize', placeAll, PASSIVE);
    tick.stop();
    for (const d of [...drafts]) d.destroy();
    link.disconnect();
  }

  async function evaluate() {
    let loaded;
    try {
      loaded = await S.load();
    } catch {
      stop(); // the extension context is gone
      return;
    }
    settings = loaded.settings;
    const site = S.siteState(settings, location.hostname);
    const wanted = settings.privacyMode !== 'paused' && site.enabled;
    if (wanted && !running) start();
    else if (!wanted && running) stop();
  }

  ext.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && (changes.settings || changes.policy)) evaluate();
  });
  evaluate();
})();
