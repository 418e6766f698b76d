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

  const { present } = root.OnbrandPresent;

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

  const code = (t) => h('code', null, t);

  // What each connection state says, in the badge and in the panel.
  const STATES = {
    connecting: {
      label: '',
      title: 'Connecting…',
      notice: () => ['Connecting to the onbrand agent on this computer…'],
    },
    offline: {
      label: 'Offline',
      title: 'Agent offline',
      notice: () => ['The onbrand agent is not running on this computer. Start it with ', code('onbrand serve'),
        '; hints come back by themselves.'],
    },
    unpaired: {
      label: 'Pair',
      title: 'Not paired yet',
      notice: () => ['Run ', code('onbrand pair'), ' in a terminal, then enter the 6-digit code in the onbrand toolbar button.'],
    },
    error: {
      label: 'Error',
      title: 'Hints are unavailable',
      notice: (detail) => [detail || 'The onbrand agent answered with an error.'],
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

  class HintOverlay {
    /**
     * @param {object} o
     * @param {string} o.draftId
     * @param {Element} o.anchor the compose box
     * @param {() => void} o.onApprove
     * @param {() => void} o.onDismiss
     */
    constructor({ draftId, anchor, onApprove, onDismiss }) {
      this.anchor = anchor;
      this.onApprove = onApprove;
      this.onDismiss = onDismiss;
      this.state = 'connecting';
      this.detail = '';
      this.view = null;
      this.canApprove = false;
      this.approveStatus = null; // {tone, text}
      this.open = false;

      const host = document.createElement('onbrand-hint');
      host.setAttribute('data-draft-id', draftId);
      host.setAttribute('data-state', this.state);
      host.setAttribute('data-verdict', 'empty');
      host.setAttribute('data-theme', detectTheme(anchor));
      host.hidden = true;
      this.host = host;

      const shadow = host.attachShadow({ mode: 'open' });
      this.adoptStyles(shadow);
      this.badge = h('button', { class: 'badge', type: 'button', 'aria-haspopup': 'dialog', 'aria-expanded': 'false' });
      this.panel = h('section', { class: 'panel up right', role: 'dialog', 'aria-label': 'onbrand hints', hidden: true });
      const wrap = h('div', { class: 'wrap' }, this.badge, this.panel);
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

      this.onOutside = (e) => {
        if (!e.composedPath().includes(this.host)) this.toggle(false);
      };
      this.onEscape = (e) => {
        if (e.key === 'Escape') this.toggle(false);
      };

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

    setResult(result) {
      this.view = result ? present(result) : null;
      this.host.setAttribute('data-verdict', this.view ? this.view.verdict : 'empty');
      this.render();
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
      this.badge.setAttribute('aria-expanded', String(open));
      const method = open ? 'addEventListener' : 'removeEventListener';
      document[method]('mousedown', this.onOutside, true);
      document[method]('keydown', this.onEscape, true);
      this.render();
      if (open) this.place();
    }

    destroy() {
      this.toggle(false);
      this.host.remove();
    }

    // -- rendering ---------------------------------------------------------------

    /** The state the badge and panel speak for: the connection's, unless it is fine. */
    connectionProblem() {
      return STATES[this.state] && this.state !== 'connecting' ? STATES[this.state] : null;
    }

    render() {
      this.renderBadge();
      this.panel.hidden = !this.open;
      if (this.open) this.renderPanel();
    }

    renderBadge() {
      const problem = this.connectionProblem();
      const v = this.view;
      const tone = problem || !v ? 'idle' : v.tone;
      const label = problem ? problem.label : v ? v.short : '';
      const meters = !problem && v ? v.scores : [];
      this.badge.replaceChildren(
        h('span', { class: 'mark', 'data-tone': tone }),
        h('span', { class: 'label', 'data-tone': tone }, label),
        h('span', { class: 'meters', 'aria-hidden': 'true' }, meters.map((s) => {
          const fill = h('b', { 'data-tone': s.tone });
          fill.style.height = `${Math.round((s.gauge ?? 0) * 100)}%`;
          return h('i', { class: 'meter', title: `${s.name}: ${s.value ?? '–'}` }, fill);
        })),
      );
      const what = problem ? problem.title : v ? `${v.title}${v.scores.length ? ': ' : ''}${v.scores
        .map((s) => `${s.name.toLowerCase()} ${s.value ?? 'unknown'}`).join(', ')}` : 'Checking your draft';
      this.badge.setAttribute('aria-label', `onbrand: ${what}. ${this.open ? 'Hide' : 'Show'} details`);
      this.badge.title = `onbrand: ${what}`;
    }

    renderPanel() {
      const problem = this.connectionProblem();
      const v = this.view;
      const tone = problem || !v ? 'idle' : v.tone;
      // No result: either nothing is written yet, or the first one is on its way.
      const idle = !problem && !v && this.state !== 'analyzing' && this.state !== 'connecting';
      const title = problem ? problem.title : v ? v.title : idle ? 'Start writing' : 'Checking your draft…';
      const sub = problem ? 'onbrand' : v ? [v.brand && `${v.brand} brand`, v.platform].filter(Boolean).join(' · ') : '';
      const sections = [];

      if (problem || this.state === 'connecting') {
        const s = problem || STATES.connecting;
        sections.push(h('section', null, h('p', { class: 'notice' }, s.notice(this.detail))));
      } else if (idle) {
        sections.push(h('p', { class: 'notice' }, 'Hints appear as you write: originality, specificity, voice and risk.'));
      }
      if (v && !problem) {
        if (v.summary) sections.push(h('p', { class: 'notice' }, v.summary));
        // What to act on first, then the evidence, then the numbers and the rule.
        if (v.hints.length) sections.push(this.hintsSection(v));
        if (v.nearest) sections.push(this.nearestSection(v));
        if (v.scores.length) sections.push(this.scoresSection(v));
        if (v.passage) sections.push(this.passageSection(v));
      }

      const approve = h('button', {
        class: 'approve',
        type: 'button',
        disabled: !(this.canApprove && (this.state === 'ready' || this.state === 'analyzing')),
        title: 'Add this text to your approved posts: later drafts are checked against it',
        onclick: () => this.onApprove(),
      }, 'Approve as posted');
      const status = h('span', {
        class: 'approve-status',
        role: 'status',
        'aria-live': 'polite',
        'data-tone': this.approveStatus ? this.approveStatus.tone : null,
      }, this.approveStatus ? this.approveStatus.text : '');

      this.panel.replaceChildren(...[
        h('header', null,
          h('span', { class: 'mark', 'data-tone': tone }),
          h('div', { class: 'heading' }, h('h2', null, title), sub ? h('p', { class: 'sub' }, sub) : null),
          h('button', {
            class: 'icon dismiss',
            type: 'button',
            'aria-label': 'Hide onbrand for this draft',
            title: 'Hide for this draft',
            onclick: () => this.onDismiss(),
          }, '×')),
        h('div', { class: 'body' }, sections),
        problem ? null : h('footer', null, approve, status),
      ].filter(Boolean));
    }

    scoresSection(v) {
      return h('section', { class: 'scores' },
        h('h3', null, 'Scores'),
        h('ul', null, v.scores.map((s) => {
          const fill = h('b', { 'data-tone': s.tone });
          fill.style.width = `${Math.round((s.gauge ?? 0) * 100)}%`;
          return h('li', { class: 'score', 'data-score': s.key },
            h('span', { class: 'name' }, s.name),
            h('span', { class: 'bar', role: 'img', 'aria-label': `${s.name} ${s.value ?? 'not judged'}` }, fill),
            h('span', { class: 'value' }, s.value ?? '–'),
            s.label ? h('span', { class: 'why' }, s.label) : null,
            s.reasons.length ? h('span', { class: 'why' }, s.reasons.join(' · ')) : null);
        })));
    }

    hintsSection(v) {
      return h('section', { class: 'hints' },
        h('h3', null, 'What to look at'),
        h('ul', null, v.hints.map((hint) => h('li', { class: 'hint', 'data-kind': hint.kind, 'data-severity': hint.severity },
          h('span', { class: 'sev', 'data-tone': SEVERITY_TONE[hint.severity], 'aria-label': hint.severity }, SEVERITY_MARK[hint.severity]),
          h('span', null, hint.message)))));
    }

    nearestSection(v) {
      const n = v.nearest;
      const meta = [n.platform, n.date, n.similarity !== null ? `${n.similarity}% similar` : ''].filter(Boolean).join(' · ');
      return h('section', { class: 'nearest' },
        h('h3', null, 'Closest past post'),
        h('p', { class: 'quote', 'data-tone': v.verdict === 'repeat' ? 'bad' : v.verdict === 'echo' ? 'warn' : null },
          h('span', null, n.text)),
        h('p', { class: 'meta' }, meta,
          n.url ? [' · ', h('a', { href: n.url, target: '_blank', rel: 'noopener noreferrer' }, 'Open')] : null));
    }

    passageSection(v) {
      const p = v.passage;
      return h('section', { class: 'passage' },
        h('h3', null, 'Guideline'),
        h('p', { class: 'passage-title' }, p.heading),
        h('p', { class: 'quote' }, h('span', null, p.text)),
        p.source ? h('p', { class: 'meta' }, p.source) : null);
    }

    // -- position ----------------------------------------------------------------

    /** Pin the badge inside the box's bottom-right corner and open the panel where it fits. */
    place() {
      if (this.host.hidden) return;
      if (!this.host.isConnected) (document.body || document.documentElement).append(this.host);
      const r = this.anchor.getBoundingClientRect();
      const vw = document.documentElement.clientWidth || innerWidth;
      const vh = document.documentElement.clientHeight || innerHeight;
      const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < vh && r.right > 0 && r.left < vw;
      this.host.style.setProperty('visibility', onScreen ? 'visible' : 'hidden', 'important');
      if (!onScreen) return;
      const bw = this.badge.offsetWidth || 60;
      const bh = this.badge.offsetHeight || 24;
      const inset = 6;
      // A textarea's resize grip sits in its corner: keep clear of it.
      const right = this.anchor.tagName === 'TEXTAREA' ? 18 : inset;
      const x = Math.max(4, Math.min(r.right, vw) - bw - right);
      const y = Math.max(4, Math.min(r.bottom, vh) - bh - inset);
      this.host.style.setProperty('left', `${Math.round(x)}px`, 'important');
      this.host.style.setProperty('top', `${Math.round(y)}px`, 'important');
      if (this.open) {
        const up = y > vh - (y + bh);
        const right = x + bw >= 352;
        this.panel.classList.toggle('up', up);
        this.panel.classList.toggle('down', !up);
        this.panel.classList.toggle('right', right);
        this.panel.classList.toggle('left', !right);
      }
    }
  }

  const api = { HintOverlay };
  root.OnbrandOverlay = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
