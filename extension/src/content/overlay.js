/*
 * The overlay for one compose box: an <onbrand-hint> element with an open
 * shadow root, appended to <body> (never inside the editor's DOM), pinned with
 * position: fixed to the box's bottom-right corner.
 *
 * It never takes focus: no focus() calls, and every mousedown inside it is
 * defaultPrevented so the caret stays in the editor while its buttons work.
 * Its state is mirrored on the host for tests and styling:
 *   data-state   connecting | offline | unpaired | analyzing | ready | error
 *   data-verdict the result's verdict (repeat, risky, complaint, rule, off-voice, review,
 *                echo, vague, ok, empty; another word from a newer agent; "review" for an
 *                "ok" over an alert, "unknown" for none: docs/result.md)
 *   data-draft-id
 */
(function (root) {
  'use strict';

  const { present, carryMark } = root.OnbrandPresent;
  const A = root.OnbrandAdapters;
  const { t, rich } = root.OnbrandI18n;

  /** Tiny element builder: text children become text nodes (never HTML). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // What each connection state says, in the badge and in the panel.
  const STATES = {
    connecting: {
      label: '',
      title: t('state_connecting'),
      notice: () => rich('card_connecting_notice'),
    },
    offline: {
      label: t('badge_offline'),
      title: t('state_offline'),
      notice: () => rich('card_offline_notice'),
    },
    unpaired: {
      label: t('badge_pair'),
      title: t('card_unpaired_title'),
      notice: () => rich('card_unpaired_notice'),
    },
    error: {
      label: t('badge_error'),
      title: t('card_error_title'),
      notice: (detail) => [detail || t('card_error_notice')],
    },
  };

  const SEVERITY_MARK = { alert: '!', warn: '!', info: 'i' };
  const SEVERITY_TONE = { alert: 'bad', warn: 'warn', info: 'info' };

  /** 'dark' when the page behind the editor is dark, else 'light'. */
  function detectTheme(anchor) {
    for (let el = anchor; el && el.nodeType === 1; el = el.parentElement) {
      const m = getComputedStyle(el).backgroundColor.match(/rgba?\(([^)]+)\)/);
      if (!m) continue;
      const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      if (a < 0.5) continue;
      // Relative luminance, sRGB approximated.
      const lum = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      return lum < 0.45 ? 'dark' : 'light';
    }
    return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  const MAX_SHOWN = 5; // hints listed before "n more"
  const GAP = 8; // between the card or badge and what they keep clear of
  const MARGIN = 8; // from the viewport's edges
  const MIN_CARD_W = 280; // narrower, a hint's buttons no longer fit a line
  const HOVER_MS = 500; // resting on an underline this long opens its hint
  // What a badge or card must not cover near the compose box.
  const CONTROLS = 'button, [role="button"], a[href], input:not([type="hidden"]), select, textarea, [contenteditable="true"]';
  const MIRRORED = ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'fontVariant', 'fontStretch', 'letterSpacing',
    'wordSpacing', 'lineHeight', 'textTransform', 'textIndent', 'textAlign', 'tabSize', 'direction', 'paddingTop',
    'paddingRight', 'paddingBottom', 'paddingLeft', 'borderTopWidth', 'borderRightWidth', 'borderBottomWidth',
    'borderLeftWidth', 'boxSizing', 'wordBreak', 'overflowWrap'];

  /** @typedef {{left: number, top: number, right: number, bottom: number}} Box */

  const box = (left, top, width, height) => ({ left, top, right: left + width, bottom: top + height });
  const hits = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const area = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
    * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));

  class HintOverlay {
    /**
     * @param {object} o
     * @param {string} o.draftId
     * @param {HTMLElement} o.anchor the compose box
     * @param {string} [o.postButton] selector of the site's publish button
     * @param {() => void} o.onApprove
     * @param {() => void} o.onDismiss
     * @param {(mark: {start: number, end: number, text: string, replacement: string}) => void} [o.onApply]
     * @param {(rule: string, ignore: boolean) => void} [o.onIgnoreRule]
     * @param {() => void} [o.onApprovePosted]
     * @param {() => void} [o.onDeclinePosted]
     */
    constructor({ draftId, anchor, postButton, onApprove, onDismiss, onApply, onIgnoreRule, onApprovePosted, onDeclinePosted }) {
      this.anchor = anchor;
      this.postButton = postButton || 'button[type="submit"]';
      this.onApprove = onApprove;
      this.onDismiss = onDismiss;
      this.onApply = onApply || (() => {});
      this.onIgnoreRule = onIgnoreRule || (() => {});
      this.onApprovePosted = onApprovePosted || (() => {});
      this.onDeclinePosted = onDeclinePosted || (() => {});
      /** the site just published the draft: approval is offered */
      this.posted = false;
      this.state = 'connecting';
      this.detail = '';
      this.view = null;
      /** the text that was analysed, and the editor's text now */
      this.analysed = '';
      this.text = '';
      this.canApprove = false;
      this.approveStatus = null; // {tone, text}
      this.open = false;
      this.showAll = false;
      /** @type {Set<string>} hints ignored for this draft (until it is emptied) */
      this.ignored = new Set();
      /** hints of a repeat marked "this is an update" for this draft */
      this.update = false;
      /** @type {string | null} the hint an underline opened */
      this.focusKey = null;
      /** @type {{box: Box, key: string}[]} where the underlines are, for hover and click */
      this.markBoxes = [];

      const host = document.createElement('onbrand-hint');
      host.setAttribute('data-draft-id', draftId);
      host.setAttribute('data-state', this.state);
      host.setAttribute('data-verdict', 'empty');
      host.setAttribute('data-theme', detectTheme(anchor));
      host.hidden = true;
      this.host = host;

      const shadow = host.attachShadow({ mode: 'open' });
      this.adoptStyles(shadow);
      this.marks = h('div', { class: 'marks', 'aria-hidden': 'true' });
      this.badge = h('button', { class: 'badge', type: 'button', 'aria-haspopup': 'dialog', 'aria-expanded': 'false' });
      this.panel = h('section', { class: 'panel', role: 'dialog', 'aria-label': t('card_label'), hidden: true });
      // A textarea's text has no DOM ranges: a hidden copy laid out like it does.
      this.mirror = anchor.tagName === 'TEXTAREA' ? h('div', { class: 'mirror', 'aria-hidden': 'true' }) : null;
      const wrap = h('div', { class: 'wrap' }, this.marks, this.mirror, this.badge, this.panel);
      shadow.append(wrap);

      // Keep the caret where it is: a mousedown that is not defaultPrevented
      // would move focus out of the editor. Clicks still fire.
      wrap.addEventListener('mousedown', (e) => e.preventDefault());
      // The page never sees interactions with the overlay (some sites close
      // their composer on an outside click).
      for (const type of ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'click', 'keydown', 'keyup']) {
        wrap.addEventListener(type, (e) => e.stopPropagation());
      }
      this.badge.addEventListener('click', () => this.toggle());
      // The badge follows its editor in tab order although it lives at the end of
      // the page: Tab from the editor comes here, and the overlay's last stop goes
      // on to whatever follows the editor (Shift+Tab from the badge goes back).
      wrap.addEventListener('keydown', (e) => this.onOverlayTab(e));
      this.onEditorTab = (e) => {
        // An editor that uses Tab itself (Quill indents) has already prevented it.
        if (e.key !== 'Tab' || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return;
        if (e.defaultPrevented || e.isComposing || !this.visible) return;
        if (!e.composedPath().includes(this.anchor)) return;
        e.preventDefault();
        this.badge.focus();
      };
      window.addEventListener('keydown', this.onEditorTab);

      this.onOutside = (e) => {
        if (!e.composedPath().includes(this.host) && !this.markAt(e.clientX, e.clientY)) this.toggle(false);
      };
      this.onEscape = (e) => {
        if (e.key !== 'Escape') return;
        // Focus in the card (a keyboard user): back to the editor it belongs to.
        const inside = document.activeElement === this.host;
        this.toggle(false);
        if (inside) this.anchor.focus();
      };
      // Underlines let the pointer through to the text; these find the one under it.
      /** @type {number | null} */
      this.hoverTimer = null;
      this.onPointerMove = (e) => {
        const key = this.markAt(e.clientX, e.clientY);
        if (key === this.hoverKey) return;
        this.hoverKey = key;
        clearTimeout(this.hoverTimer);
        if (key) this.hoverTimer = setTimeout(() => this.showHint(key), HOVER_MS);
      };
      this.onPointerClick = (e) => {
        const key = this.markAt(e.clientX, e.clientY);
        if (key) this.showHint(key);
      };
      document.addEventListener('mousemove', this.onPointerMove, { passive: true });
      document.addEventListener('click', this.onPointerClick, { capture: true, passive: true });

      (document.body || document.documentElement).append(host);
      this.render();
    }

    adoptStyles(shadow) {
      // A constructed sheet is not subject to the page's CSP; a <style> is
      // the fallback where adoptedStyleSheets cannot cross into the page
      // (Firefox content scripts).
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(root.OnbrandOverlayCss);
        shadow.adoptedStyleSheets = [sheet];
      } catch {
        shadow.append(h('style', null, root.OnbrandOverlayCss));
      }
    }

    // -- inputs ----------------------------------------------------------------

    setState(state, detail = '') {
      if (state === this.state && detail === this.detail) return;
      this.state = state;
      this.detail = detail;
      this.host.setAttribute('data-state', state);
      this.render();
    }

    /** A result for `text` (the text that was analysed), or null. */
    setResult(result, text = '') {
      this.analysed = text;
      this.view = result ? present(result, text) : null;
      this.host.setAttribute('data-verdict', this.view ? this.view.verdict : 'empty');
      this.render();
      this.place();
    }

    /** The editor's text now: underlines follow it until the next analysis. */
    setText(text) {
      if (text === this.text) return;
      this.text = text;
      if (!text.trim()) {
        // An emptied box starts a new draft: nothing stays ignored.
        this.ignored.clear();
        this.update = false;
        this.showAll = false;
      }
      if (this.visible) this.place();
    }

    /** Offer (or stop offering) to approve what the site just published. */
    setPosted(on) {
      if (on === this.posted) return;
      this.posted = on;
      if (on) this.approveStatus = null;
      this.host.toggleAttribute('data-posted', on);
      this.render();
      if (this.visible) this.place();
    }

    setCanApprove(can) {
      if (can === this.canApprove) return;
      this.canApprove = can;
      if (this.open) this.render();
    }

    setApproveStatus(tone, text) {
      this.approveStatus = text ? { tone, text } : null;
      if (this.open) this.render();
    }

    setVisible(visible) {
      if (visible === !this.host.hidden) return;
      this.host.hidden = !visible;
      if (visible) {
        this.host.setAttribute('data-theme', detectTheme(this.anchor));
        this.place();
      } else {
        this.toggle(false);
      }
    }

    get visible() {
      return !this.host.hidden;
    }

    toggle(open = !this.open) {
      if (open === this.open) return;
      this.open = open;
      if (!open) this.focusKey = null;
      this.badge.setAttribute('aria-expanded', String(open));
      const method = open ? 'addEventListener' : 'removeEventListener';
      document[method]('mousedown', this.onOutside, true);
      document[method]('keydown', this.onEscape, true);
      this.render();
      if (open) this.place();
    }

    /** Open the card from the keyboard (the `commands` shortcut): focus moves into it. */
    openFromKeyboard() {
      if (!this.visible) return;
      this.toggle(true);
      const first = /** @type {HTMLElement | null} */ (this.panel.querySelector('button:not([disabled]), a[href]'));
      (first || this.badge).focus();
    }

    /** Open the card at one hint (its underline was clicked or rested on). */
    showHint(key) {
      this.focusKey = key;
      const v = this.hintsShown();
      if (v.findIndex((x) => x.key === key) >= MAX_SHOWN) this.showAll = true;
      if (this.open) this.render();
      else this.toggle(true);
      const li = this.panel.querySelector(`.hint[data-key="${CSS.escape(key)}"]`);
      if (li) li.scrollIntoView({ block: 'nearest' });
      this.place();
    }

    /** @param {KeyboardEvent} e */
    onOverlayTab(e) {
      if (e.key !== 'Tab' || e.altKey || e.ctrlKey || e.metaKey) return;
      const stops = [this.badge, ...this.panel.querySelectorAll('button:not([disabled]), a[href]')].filter(
        (el) => el.getClientRects().length > 0,
      );
      const at = stops.indexOf(/** @type {HTMLElement} */ (this.host.shadowRoot?.activeElement));
      if (e.shiftKey && at === 0) {
        e.preventDefault();
        this.anchor.focus();
      } else if (!e.shiftKey && at === stops.length - 1) {
        const next = this.nextAfterAnchor();
        if (next) {
          e.preventDefault();
          next.focus();
        }
      }
    }

    /** The page's next tab stop after the editor, in document order. */
    nextAfterAnchor() {
      const candidates = document.querySelectorAll(
        'a[href], button, input, select, textarea, [tabindex], [contenteditable="true"], [contenteditable=""]',
      );
      for (const el of /** @type {NodeListOf<HTMLElement>} */ (candidates)) {
        if (el === this.host || this.anchor.contains(el) || el.contains(this.anchor)) continue;
        if (!(this.anchor.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        if (el.tabIndex < 0 || /** @type {HTMLButtonElement} */ (el).disabled) continue;
        if (el.getClientRects().length === 0) continue;
        return el;
      }
      return null;
    }

    destroy() {
      window.removeEventListener('keydown', this.onEditorTab);
      this.toggle(false);
      clearTimeout(this.hoverTimer);
      document.removeEventListener('mousemove', this.onPointerMove);
      document.removeEventListener('click', this.onPointerClick, true);
      this.host.remove();
    }

    // -- hints ----------------------------------------------------------------

    /** The hints still shown: not ignored, and a repeat's not once called an update. */
    hintsShown() {
      const v = this.view;
      if (!v) return [];
      return v.hints.filter((x) => !this.ignored.has(x.key) && !(this.update && x.kind === 'originality'));
    }

    ignore(hint) {
      this.ignored.add(hint.key);
      this.render();
      this.place();
    }

    /** Each underline of the shown hints, carried over to the text as it is now. */
    currentMarks() {
      const out = [];
      const text = this.text || this.analysed;
      for (const hint of this.hintsShown()) {
        for (const m of hint.marks) {
          const at = carryMark(this.analysed, text, m.start, m.end);
          if (at && at.end > at.start) out.push({ hint, mark: m, start: at.start, end: at.end });
        }
      }
      return out;
    }

    /** The key of the hint whose underlined text is under a point, or null. */
    markAt(x, y) {
      for (const { box: b, key } of this.markBoxes) {
        if (x >= b.left && x <= b.right && y >= b.top && y <= b.bottom + 3) return key;
      }
      return null;
    }

    // -- rendering ---------------------------------------------------------------

    /** The state the badge and panel speak for: the connection's, unless it is fine. */
    connectionProblem() {
      return STATES[this.state] && this.state !== 'connecting' ? STATES[this.state] : null;
    }

    /** The verdict as shown: a repeat the person called an update reads as one. */
    shownVerdict() {
      const v = this.view;
      if (!v) return null;
      if (this.update && v.verdict === 'repeat') return { title: t('verdict_update_title'), short: t('verdict_update_short'), tone: 'good' };
      return v;
    }

    render() {
      this.renderBadge();
      this.panel.hidden = !this.open;
      if (this.open) this.renderPanel();
    }

    renderBadge() {
      if (this.posted) {
        this.badge.replaceChildren(
          h('span', { class: 'mark', 'data-tone': 'good' }),
          h('span', { class: 'label', 'data-tone': 'good' }, t('badge_posted')),
          h('span', { class: 'vh' }, t('badge_posted_sr')),
        );
        this.badge.title = t('badge_posted_title');
        return;
      }
      const problem = this.connectionProblem();
      const v = this.shownVerdict();
      const tone = problem || !v ? 'idle' : v.tone;
      const label = problem ? problem.label : v ? v.short || v.title : '';
      const issues = !problem && v ? this.hintsShown().length : 0;
      const what = problem ? problem.title : v ? v.title : t('card_checking');
      // Named by its content, so the name holds what the badge shows (WCAG 2.5.3);
      // the rest is for screen readers only.
      this.badge.replaceChildren(
        h('span', { class: 'mark', 'data-tone': tone }),
        h('span', { class: 'label', 'data-tone': tone }, label),
        issues ? h('span', { class: 'count', 'data-tone': tone }, String(issues)) : null,
        h('span', { class: 'vh' }, `${issues ? ` ${issues === 1 ? t('badge_issue') : t('badge_issues')}` : ''}${label ? '' : what}, onbrand`),
      );
      this.badge.title = `onbrand: ${what}${issues ? `, ${issues} ${issues === 1 ? t('badge_issue') : t('badge_issues')}` : ''}`;
    }

    /** What became of the last approval (a polite live region), as both cards show it. */
    approveStatusLine() {
      return h('span', {
        class: 'approve-status',
        role: 'status',
        'aria-live': 'polite',
        'data-tone': this.approveStatus ? this.approveStatus.tone : null,
      }, this.approveStatus ? this.approveStatus.text : '');
    }

    /** After a publish: approve exactly what was posted, or not. */
    renderPosted() {
      const status = this.approveStatusLine();
      this.panel.replaceChildren(
        h('header', null,
          h('span', { class: 'mark', 'data-tone': 'good' }),
          h('div', { class: 'heading' }, h('h2', null, t('badge_posted')), h('p', { class: 'sub' }, 'onbrand')),
          h('button', {
            class: 'icon dismiss',
            type: 'button',
            'aria-label': t('card_decline_posted'),
            title: t('card_decline_posted'),
            onclick: () => this.onDeclinePosted(),
          }, '×')),
        h('div', { class: 'body' }, h('p', { class: 'notice' },
          t('card_posted_notice'))),
        h('footer', null,
          h('button', {
            class: 'approve approve-posted',
            type: 'button',
            disabled: !(this.state === 'ready' || this.state === 'analyzing'),
            onclick: () => this.onApprovePosted(),
          }, t('card_approve_posted')),
          status));
    }

    renderPanel() {
      if (this.posted) {
        this.renderPosted();
        return;
      }
      const problem = this.connectionProblem();
      const v = this.view;
      const shown = this.shownVerdict();
      const tone = problem || !shown ? 'idle' : shown.tone;
      // No result: either nothing is written yet, or the first one is on its way.
      const idle = !problem && !v && this.state !== 'analyzing' && this.state !== 'connecting';
      const title = problem ? problem.title : shown ? shown.title : idle ? t('verdict_empty_title') : t('card_checking_dots');
      const sub = problem ? 'onbrand' : v ? [v.brand && t('card_brand', v.brand), v.platform].filter(Boolean).join(' · ') : '';
      const top = [];
      const sections = [];

      if (problem || this.state === 'connecting') {
        const s = problem || STATES.connecting;
        sections.push(h('section', null, h('p', { class: 'notice' }, s.notice(this.detail))));
      } else if (idle) {
        sections.push(h('p', { class: 'notice' }, t('card_idle_notice')));
      }
      if (v && !problem) {
        // The verdict and the scores never scroll; the hints and evidence below them do.
        if (v.summary) top.push(h('p', { class: 'notice summary' }, this.update && v.verdict === 'repeat'
          ? t('card_update_notice') : v.summary));
        if (v.scores.length) top.push(this.scoresSection(v));
        const hints = this.hintsShown();
        if (hints.length) sections.push(this.hintsSection(v, hints));
        if (v.nearest) sections.push(this.nearestSection(v));
        if (v.passage) sections.push(this.passageSection(v));
      }

      const approve = h('button', {
        class: 'approve',
        type: 'button',
        disabled: !(this.canApprove && (this.state === 'ready' || this.state === 'analyzing')),
        title: t('card_approve_title'),
        onclick: () => this.onApprove(),
      }, t('card_approve'));
      const status = this.approveStatusLine();

      this.panel.replaceChildren(...[
        h('header', null,
          h('span', { class: 'mark', 'data-tone': tone }),
          h('div', { class: 'heading' }, h('h2', null, title), sub ? h('p', { class: 'sub' }, sub) : null),
          h('button', {
            class: 'icon dismiss',
            type: 'button',
            'aria-label': t('card_dismiss_label'),
            title: t('card_dismiss_title'),
            onclick: () => this.onDismiss(),
          }, '×')),
        top.length ? h('div', { class: 'top' }, top) : null,
        sections.length ? h('div', { class: 'body' }, sections) : null,
        problem ? null : h('footer', null, approve, status),
      ].filter(Boolean));
    }

    scoresSection(v) {
      return h('section', { class: 'scores', 'aria-label': t('card_scores') },
        h('ul', null, v.scores.map((s) => {
          const fill = h('b', { 'data-tone': s.tone });
          fill.style.width = `${Math.round((s.gauge ?? 0) * 100)}%`;
          return h('li', { class: 'score', 'data-score': s.key },
            h('span', { class: 'name' }, s.name),
            h('span', { class: 'bar', role: 'img', 'aria-label': `${s.name} ${s.value ?? t('card_not_judged')}` }, fill),
            h('span', { class: 'value' }, s.value ?? '–'),
            s.label || s.reasons.length
              ? h('span', { class: 'why', title: [s.label, ...s.reasons].filter(Boolean).join(' · ') },
                [s.label, ...s.reasons].filter(Boolean).join(' · '))
              : null);
        })));
    }

    hintsSection(v, hints) {
      const listed = this.showAll ? hints : hints.slice(0, MAX_SHOWN);
      const more = hints.length - listed.length + (this.showAll ? 0 : v.hintsMore);
      return h('section', { class: 'hints' },
        h('h3', null, t('card_hints_heading')),
        h('ul', null, listed.map((hint) => this.hintItem(v, hint))),
        more > 0 && hints.length > listed.length
          ? h('button', {
            class: 'more link',
            type: 'button',
            onclick: () => {
              this.showAll = true;
              this.render();
              this.place();
            },
          }, t('card_more', more))
          : more > 0 ? h('p', { class: 'more' }, t('card_more', more)) : null);
    }

    hintItem(v, hint) {
      const fixes = hint.marks.filter((m) => m.replacement !== null && m.replacement !== m.text).slice(0, 3);
      const actions = [
        ...fixes.map((m) => h('button', {
          class: 'apply',
          type: 'button',
          title: m.replacement ? t('card_apply_title', m.text, m.replacement) : t('card_apply_remove_title', m.text),
          onclick: () => this.apply(m),
        }, `${m.text} → ${m.replacement || t('card_remove')}`)),
        hint.kind === 'originality' && v.verdict === 'repeat' && !this.update
          ? h('button', {
            class: 'update',
            type: 'button',
            title: t('card_update_title'),
            onclick: () => {
              this.update = true;
              this.render();
              this.place();
            },
          }, t('card_update'))
          : null,
        h('button', {
          class: 'ignore',
          type: 'button',
          'aria-label': t('card_ignore_label'),
          onclick: () => this.ignore(hint),
        }, t('card_ignore')),
        hint.rule
          ? h('button', {
            class: 'ignore-rule',
            type: 'button',
            title: v.brand ? t('card_ignore_rule_title', hint.rule, v.brand) : t('card_ignore_rule_title_active', hint.rule),
            onclick: () => this.onIgnoreRule(hint.rule, true),
          }, t('card_ignore_rule'))
          : null,
      ];
      return h('li', {
        class: `hint${hint.key === this.focusKey ? ' focus' : ''}`,
        'data-kind': hint.kind,
        'data-severity': hint.severity,
        'data-key': hint.key,
        'data-rule': hint.rule || null,
      },
      h('span', { class: 'sev', 'data-tone': SEVERITY_TONE[hint.severity], role: 'img', 'aria-label': hint.severity === 'alert' ? t('severity_alert') : hint.severity === 'warn' ? t('severity_warn') : t('severity_info') },
        SEVERITY_MARK[hint.severity]),
      h('div', { class: 'hint-body' },
        h('p', { class: 'msg' }, hint.message),
        h('div', { class: 'actions' }, actions)));
    }

    /** Apply one fix: the text it replaces must still be where it was. */
    apply(m) {
      const at = carryMark(this.analysed, this.text || this.analysed, m.start, m.end);
      if (!at || (this.text || this.analysed).slice(at.start, at.end) !== m.text) return;
      this.onApply({ start: at.start, end: at.end, text: m.text, replacement: m.replacement || '' });
    }

    nearestSection(v) {
      const n = v.nearest;
      const meta = [n.platform, n.date, n.similarity !== null ? t('card_similar', n.similarity) : ''].filter(Boolean).join(' · ');
      return h('section', { class: 'nearest' },
        h('h3', null, t('card_nearest_heading')),
        h('p', { class: 'quote', 'data-tone': v.verdict === 'repeat' ? 'bad' : v.verdict === 'echo' ? 'warn' : null },
          h('span', null, n.text)),
        h('p', { class: 'meta' }, meta,
          n.url ? [' · ', h('a', { href: n.url, target: '_blank', rel: 'noopener noreferrer' }, t('card_open_post'))] : null));
    }

    passageSection(v) {
      const p = v.passage;
      return h('section', { class: 'passage' },
        h('h3', null, t('card_guideline_heading')),
        h('p', { class: 'passage-title' }, p.heading),
        h('p', { class: 'quote' }, h('span', null, p.text)),
        p.source ? h('p', { class: 'meta' }, p.source) : null);
    }

    // -- geometry ----------------------------------------------------------------

    /**
     * Viewport rectangles of the editor's text [start, end) (all of it when no
     * range is given); `pieces` from one A.textMap of this layout pass.
     * @param {{node: Node, start: number, end: number, offsets: number[] | null}[] | null} [pieces]
     */
    textRects(start = 0, end = Infinity, pieces = null) {
      const out = [];
      const range = document.createRange();
      if (this.mirror) {
        const node = this.mirror.firstChild;
        if (!node) return out;
        const len = node.nodeValue.length;
        range.setStart(node, Math.min(start, len));
        range.setEnd(node, Math.min(end, len));
        for (const r of range.getClientRects()) if (r.width > 0.5) out.push(r);
        return out;
      }
      for (const p of pieces || A.textMap(this.anchor).pieces) {
        const a = Math.max(start, p.start);
        const b = Math.min(end, p.end);
        if (a >= b) continue;
        if (p.node.nodeType === 3) {
          const at = (k) => (p.offsets ? (k < p.offsets.length ? p.offsets[k] : p.offsets[p.offsets.length - 1] + 1) : k);
          range.setStart(p.node, at(a - p.start));
          range.setEnd(p.node, at(b - p.start));
        } else {
          range.selectNode(p.node);
        }
        for (const r of range.getClientRects()) if (r.width > 0.5) out.push(r);
      }
      return out;
    }

    /** Lay the textarea's copy over it, scrolled as it is, so its ranges measure the textarea. */
    syncMirror(r) {
      if (!this.mirror) return;
      const ta = /** @type {HTMLTextAreaElement} */ (this.anchor);
      const cs = getComputedStyle(ta);
      const st = this.mirror.style;
      for (const k of MIRRORED) st[k] = cs[k];
      // The scroll bar narrows the text; the copy has none.
      const bar = ta.offsetWidth - ta.clientWidth - parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth);
      st.paddingRight = `${parseFloat(cs.paddingRight) + Math.max(0, bar)}px`;
      st.left = `${r.left}px`;
      st.top = `${r.top}px`;
      st.width = `${r.width}px`;
      st.height = `${r.height}px`;
      if (this.mirror.textContent !== ta.value) this.mirror.textContent = ta.value;
      this.mirror.scrollTop = ta.scrollTop;
      this.mirror.scrollLeft = ta.scrollLeft;
    }

    /** What near the compose box must stay visible: the site's buttons and links. */
    controls() {
      let scope = this.anchor.parentElement;
      for (let i = 0; scope && i < 8; i++) {
        if (scope.querySelector(this.postButton) || i >= 5) break;
        scope = scope.parentElement;
      }
      const out = [];
      for (const el of (scope || document).querySelectorAll(CONTROLS)) {
        if (el === this.anchor || this.anchor.contains(el) || el.contains(this.anchor)) continue;
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) out.push(r);
      }
      return out;
    }

    // -- position ----------------------------------------------------------------

    /**
     * Place everything: the underlines under their text, the badge where it
     * covers no typed character and no control, the card where it covers
     * neither the text nor the site's buttons.
     */
    place() {
      if (this.host.hidden) return;
      if (!this.host.isConnected) (document.body || document.documentElement).append(this.host);
      const r = this.anchor.getBoundingClientRect();
      const vw = document.documentElement.clientWidth || innerWidth;
      const vh = document.documentElement.clientHeight || innerHeight;
      const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < vh && r.right > 0 && r.left < vw;
      this.host.style.setProperty('visibility', onScreen ? 'visible' : 'hidden', 'important');
      if (!onScreen) {
        this.markBoxes = [];
        return;
      }
      this.syncMirror(r);
      const pieces = this.mirror ? null : A.textMap(this.anchor).pieces;
      const text = this.textRects(0, Infinity, pieces);
      const controls = this.controls();
      this.placeMarks(r, pieces);
      const b = this.placeBadge(r, text, controls, vw, vh);
      if (this.open) this.placePanel(r, b, text, controls, vw, vh);
    }

    placeMarks(r, pieces) {
      const lines = [];
      const boxes = [];
      const marks = this.problemFree() ? this.currentMarks() : [];
      for (const { hint, start, end } of marks) {
        for (const t of this.textRects(start, end, pieces)) {
          // Clipped to the box: text scrolled out of a textarea has no underline.
          if (t.bottom < r.top || t.top > r.bottom) continue;
          boxes.push({ box: { left: t.left, top: t.top, right: t.right, bottom: t.bottom }, key: hint.key });
          const line = h('i', {
            class: 'underline',
            'data-tone': SEVERITY_TONE[hint.severity],
            'data-kind': hint.kind,
            'data-key': hint.key,
            'data-start': start,
            'data-end': end,
          });
          line.style.left = `${t.left}px`;
          line.style.top = `${t.bottom - 2}px`;
          line.style.width = `${t.width}px`;
          lines.push(line);
        }
      }
      this.markBoxes = boxes;
      this.marks.replaceChildren(...lines);
    }

    problemFree() {
      return !this.connectionProblem() && Boolean(this.view);
    }

    /** @returns {Box} where the badge went */
    placeBadge(r, text, controls, vw, vh) {
      const bw = this.badge.offsetWidth || 80;
      const bh = this.badge.offsetHeight || 24;
      // A textarea's resize grip sits in its corner: keep clear of it.
      const inset = this.anchor.tagName === 'TEXTAREA' ? 18 : 6;
      const candidates = [
        box(r.right - bw - inset, r.bottom - bh - 6, bw, bh), // inside the box's corner, under no text
        box(r.right + GAP, r.bottom - bh, bw, bh), // beside the box
        box(r.right + GAP, r.top, bw, bh),
        box(r.right - bw, r.bottom + 4, bw, bh), // below, above
        box(r.right - bw, r.top - bh - 4, bw, bh),
        box(r.left - bw - GAP, r.bottom - bh, bw, bh),
      ];
      const fits = (c) => c.left >= 2 && c.top >= 2 && c.right <= vw - 2 && c.bottom <= vh - 2;
      const clear = (c) => !text.some((t) => hits(c, t)) && !controls.some((t) => hits(c, t));
      const chosen = candidates.find((c) => fits(c) && clear(c))
        || candidates.find((c) => fits(c) && !text.some((t) => hits(c, t)))
        || box(Math.max(4, Math.min(r.right, vw) - bw - inset), Math.max(4, Math.min(r.bottom, vh) - bh - 6), bw, bh);
      this.badge.style.left = `${Math.round(chosen.left)}px`;
      this.badge.style.top = `${Math.round(chosen.top)}px`;
      return chosen;
    }

    placePanel(r, badge, text, controls, vw, vh) {
      const p = this.panel;
      const wide = Math.min(344, vw - 2 * MARGIN);
      p.style.width = `${wide}px`;
      p.style.maxHeight = '';
      const want = Math.min(p.scrollHeight || p.offsetHeight || 320, 520);
      const buttons = [...document.querySelectorAll(this.postButton)].map((el) => el.getBoundingClientRect())
        .filter((b) => b.width > 0 && b.height > 0);
      const clampX = (x, w) => Math.max(MARGIN, Math.min(x, vw - w - MARGIN));
      const clampY = (y, hgt) => Math.max(MARGIN, Math.min(y, vh - hgt - MARGIN));
      const full = vh - 2 * MARGIN;
      const top = Math.min(r.top, badge.top);
      const bottom = Math.max(r.bottom, badge.bottom);
      const right = Math.max(r.right, badge.right);
      // Beside the box a narrower card (down to MIN_CARD_W) beats covering the text.
      const rightW = Math.min(wide, vw - right - GAP - MARGIN);
      const leftW = Math.min(wide, r.left - GAP - MARGIN);
      /** @type {[number, number | null, number, number][]} left, top (null: above), height available, width */
      const candidates = [
        [right + GAP, clampY(top, Math.min(want, full)), full, rightW],
        [r.left - GAP - leftW, clampY(top, Math.min(want, full)), full, leftW],
        [clampX(r.right - wide, wide), bottom + GAP, vh - MARGIN - bottom - GAP, wide],
        [clampX(r.right - wide, wide), null, top - GAP - MARGIN, wide],
      ];
      /** @type {{c: Box, hgt: number, w: number, cost: number} | null} */
      let best = null;
      for (const [x, y0, avail, w] of candidates) {
        if (w < MIN_CARD_W) continue;
        const hgt = Math.min(want, avail);
        if (hgt < Math.min(want, 200)) continue; // too short to show the verdict and scores
        const y = y0 === null ? top - GAP - hgt : y0;
        const c = box(x, y, w, hgt);
        if (c.left < 0 || c.right > vw || c.top < 0 || c.bottom > vh) continue;
        const cost = text.reduce((s, t) => s + area(c, t), 0) * 1000
          + buttons.reduce((s, t) => s + area(c, t), 0) * 1000
          + controls.reduce((s, t) => s + area(c, t), 0) * 10
          + area(c, box(r.left, r.top, r.width, r.height)) + area(c, badge);
        if (!best || cost < best.cost) best = { c, hgt, w, cost };
        if (cost === 0) break;
      }
      if (!best) {
        // Nowhere clear: below the box, scrolling inside.
        const hgt = Math.min(want, full);
        best = { c: box(clampX(r.right - wide, wide), clampY(bottom + GAP, hgt), wide, hgt), hgt, w: wide, cost: -1 };
      }
      p.style.width = `${Math.floor(best.w)}px`;
      p.style.left = `${Math.round(best.c.left)}px`;
      p.style.top = `${Math.round(best.c.top)}px`;
      p.style.maxHeight = `${Math.floor(best.hgt)}px`;
    }
  }

  const api = { HintOverlay };
  root.OnbrandOverlay = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
