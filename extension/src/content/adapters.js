/*
 * Site adapters: where each site's compose boxes are, how to read their text
 * exactly as the person sees it, which platform it is, which post a reply
 * answers, and which button publishes. Which site a hostname is comes from
 * shared/sites.js (OnbrandSites), loaded first.
 *
 * Everything here only reads the DOM: an adapter never writes to an editor,
 * moves its selection or dispatches events into it. The functions use only
 * standard DOM APIs (no layout), so node tests run them on linkedom.
 */

/**
 * @typedef {object} Adapter
 * @property {string | null} platform one of protocol.js's PLATFORMS; null for the generic adapter
 * @property {string} editors
 * @property {string | null} replyScope
 * @property {string | null} reply
 * @property {string} [replyText]
 * @property {string} postButton
 * @property {boolean} [enterPosts]
 */

(function (root) {
  'use strict';

  const { siteFor } = root.OnbrandSites;

  // -- text extraction ---------------------------------------------------------

  const BLOCK_TAGS = new Set([
    'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DIV', 'DL', 'DT', 'FIGCAPTION', 'FIGURE', 'FOOTER',
    'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE',
    'SECTION', 'TABLE', 'TR', 'UL',
  ]);
  const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'ONBRAND-HINT']);
  // Zero-width space, word joiner and BOM: editors use them as caret anchors
  // (Quill's cursor blot, Lexical's composition guard). ZWJ and ZWNJ stay:
  // they are part of emoji sequences and of several scripts.
  const INVISIBLE_ONE = /[\u200B\u2060\uFEFF]/;
  const PLACEHOLDER_CLASS = /(^|[\s_-])placeholder/i;

  function isTextField(el) {
    return el && (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT');
  }

  function skipElement(el) {
    if (SKIP_TAGS.has(el.tagName)) return true;
    if (el.hasAttribute('hidden')) return true;
    const cls = typeof el.className === 'string' ? el.className : el.getAttribute('class') || '';
    return PLACEHOLDER_CLASS.test(cls);
  }

  /**
   * The text of an editor as the person sees it: the value of a textarea, or
   * for a contenteditable its blocks joined with "\n", <br> as a line break, a
   * trailing <br> in a block not counted (it only keeps an empty line open),
   * placeholders and invisible caret anchors left out.
   */
  function extractText(el) {
    if (!el) return '';
    if (isTextField(el)) return String(el.value || '').replace(/\r\n?/g, '\n');
    return textMap(el).text;
  }

  /**
   * @typedef {object} Piece where a run of the extracted text lives in the DOM
   * @property {Node} node a text node, or an <img> whose alt is the run
   * @property {number} start offset of the run in the text (UTF-16)
   * @property {number} end
   * @property {number[] | null} offsets node offset of each run character (null: the same)
   */

  /**
   * A contenteditable's text (as extractText) with where each run of it lives,
   * so an offset into the text can be turned into a DOM Range: underlines are
   * drawn from it and a fix selects the characters it replaces.
   * @returns {{text: string, pieces: Piece[]}}
   */
  function textMap(el) {
    const lines = [];
    /** @type {Piece[]} */
    const pieces = [];
    /** @type {{piece: Piece, line: number, at: number}[]} */
    const placed = [];
    /** @type {string | null} the line being built; null when no line is open */
    let cur = null;
    let afterBreak = false; // cur was opened by a <br>

    const endLine = () => {
      // A block that ends right after a <br> adds no line of its own.
      if (cur !== null && !(cur === '' && afterBreak)) lines.push(cur);
      cur = null;
      afterBreak = false;
    };
    const add = (node, text, offsets) => {
      const at = (cur ?? '').length;
      cur = (cur ?? '') + text;
      if (text) {
        const piece = { node, start: 0, end: 0, offsets };
        pieces.push(piece);
        placed.push({ piece, line: lines.length, at });
      }
    };

    const walk = (node) => {
      if (node.nodeType === 3) {
        const raw = node.nodeValue;
        let text = '';
        /** @type {number[] | null} */
        let offsets = null;
        if (INVISIBLE_ONE.test(raw) || raw.includes('\u00A0')) {
          offsets = [];
          for (let i = 0; i < raw.length; i++) {
            const c = raw[i];
            if (c === '\u200B' || c === '\u2060' || c === '\uFEFF') continue;
            text += c === '\u00A0' ? ' ' : c;
            offsets.push(i);
          }
        } else {
          text = raw;
        }
        // Source formatting between blocks is not text the person typed.
        if (cur === null && /^\s*$/.test(text) && text.includes('\n')) return;
        if (!text && cur === null) return;
        add(node, text, offsets);
        if (text) afterBreak = false;
        return;
      }
      if (node.nodeType !== 1 || skipElement(node)) return;
      if (node.tagName === 'BR') {
        lines.push(cur ?? '');
        cur = '';
        afterBreak = true;
        return;
      }
      if (node.tagName === 'IMG') {
        // Emoji drawn as images carry the character in alt.
        const alt = node.getAttribute('alt');
        if (alt) {
          add(node, alt, null);
          afterBreak = false;
        }
        return;
      }
      const block = BLOCK_TAGS.has(node.tagName);
      if (block) endLine();
      for (let child = node.firstChild; child; child = child.nextSibling) walk(child);
      if (block) endLine();
    };

    for (let child = el.firstChild; child; child = child.nextSibling) walk(child);
    endLine();
    // Where each line starts in the joined text.
    const starts = [];
    let pos = 0;
    for (const line of lines) {
      starts.push(pos);
      pos += line.length + 1;
    }
    for (const { piece, line, at } of placed) {
      piece.start = (starts[line] ?? pos) + at;
      const n = piece.node.nodeType === 3 ? (piece.offsets ? piece.offsets.length : (piece.node.nodeValue || '').length)
        : (/** @type {Element} */ (piece.node).getAttribute('alt') || '').length;
      piece.end = piece.start + n;
    }
    return { text: lines.join('\n'), pieces };
  }

  /**
   * The DOM boundary of a text offset: in the piece holding it (the earlier one
   * at a seam when `end`, so a range does not spill into the next block).
   * @returns {{node: Node, offset: number} | null}
   */
  function boundary(pieces, pos, end) {
    const inside = (p) => (end ? p.start < pos && pos <= p.end : p.start <= pos && pos < p.end);
    const p = pieces.find(inside) || pieces.find((q) => q.start <= pos && pos <= q.end);
    if (p) {
      if (p.node.nodeType !== 3) {
        const parent = p.node.parentNode;
        if (!parent) return null;
        const i = Array.prototype.indexOf.call(parent.childNodes, p.node);
        return { node: parent, offset: pos === p.start ? i : i + 1 };
      }
      const k = pos - p.start;
      if (!p.offsets) return { node: p.node, offset: k };
      return { node: p.node, offset: k < p.offsets.length ? p.offsets[k] : p.offsets[p.offsets.length - 1] + 1 };
    }
    return null;
  }

  /**
   * Start and end of the DOM range covering text offsets [start, end) of a
   * contenteditable, or null when they do not fall on its text.
   */
  function domRange(el, start, end) {
    const { pieces } = textMap(el);
    const a = boundary(pieces, start, false);
    const b = boundary(pieces, end, true);
    return a && b ? { startNode: a.node, startOffset: a.offset, endNode: b.node, endOffset: b.offset } : null;
  }

  /** The outermost contenteditable ancestor of an element (the editor's root). */
  function editableRoot(el) {
    let node = el && el.nodeType === 1 ? el : el && el.parentElement;
    /** @type {Element | null} */
    let found = null;
    while (node) {
      const ce = node.getAttribute && node.getAttribute('contenteditable');
      if (ce === 'true' || ce === '' || ce === 'plaintext-only') found = node;
      else if (ce === 'false' && found) break;
      node = node.parentElement;
    }
    return found;
  }

  // -- adapters ----------------------------------------------------------------

  /*
   * Each adapter names, as CSS selectors:
   *   editors      the compose boxes (the editable root element itself)
   *   replyScope   the container a reply box shares with the post it answers
   *   reply        the answered post's text, which precedes the box in the scope
   *   replyText    optional: inside `reply`, the element holding only the text
   *   postButton   what publishes the draft (for "learn from posts I publish")
   *   enterPosts   Enter alone publishes (comment boxes on Facebook)
   */
  /** @type {Readonly<Record<string, Adapter>>} one per platform of protocol.js's PLATFORMS (a unit test checks), and generic */
  const ADAPTERS = Object.freeze({
    x: {
      platform: 'x',
      // Draft.js: the contenteditable carries data-testid="tweetTextarea_N"
      // (its label wrapper has "tweetTextarea_N_label", hence the attribute check).
      editors: '[data-testid^="tweetTextarea_"][contenteditable="true"], .public-DraftEditor-content[contenteditable="true"]',
      replyScope: '[role="dialog"], [data-testid="primaryColumn"]',
      reply: '[data-testid="tweetText"]',
      postButton: '[data-testid="tweetButton"], [data-testid="tweetButtonInline"]',
    },
    linkedin: {
      platform: 'linkedin',
      // Quill in the share box and comment boxes.
      editors: '.ql-editor[contenteditable="true"]',
      replyScope: '.feed-shared-update-v2, [data-urn^="urn:li:activity"], [role="article"]',
      reply: '.update-components-text, .feed-shared-inline-show-more-text, .feed-shared-text',
      postButton: '.share-actions__primary-action, .comments-comment-box__submit-button, .comments-comment-box__submit-button--cr',
    },
    facebook: {
      platform: 'facebook',
      // Lexical, in the composer dialog and in comment boxes.
      editors: '[data-lexical-editor="true"][contenteditable="true"]',
      replyScope: '[role="article"], [role="dialog"]',
      reply: '[data-ad-rendering-role="story_message"], [data-ad-preview="message"], [data-ad-comet-preview="message"]',
      postButton: '[role="button"][aria-label="Post"], [role="button"][aria-label="Comment"], [role="button"][aria-label="Reply"]',
      enterPosts: true,
    },
    threads: {
      platform: 'threads',
      // Lexical, like Facebook.
      editors: '[data-lexical-editor="true"][contenteditable="true"]',
      replyScope: '[role="dialog"]',
      reply: '[data-pressable-container="true"] span[dir="auto"]',
      postButton: '[role="dialog"] [role="button"][aria-label="Post"], [role="dialog"] [role="button"][aria-label="Reply"]',
    },
    bluesky: {
      platform: 'bluesky',
      // TipTap (ProseMirror) inside the composer dialog.
      editors: '.ProseMirror[contenteditable="true"]',
      replyScope: '[role="dialog"]',
      reply: '[aria-label="Expand or collapse the full post you are replying to"]',
      replyText: '[dir="auto"]',
      postButton: '[data-testid="composerPublishBtn"]',
    },
    mastodon: {
      platform: 'mastodon',
      editors: 'textarea.autosuggest-textarea__textarea, .compose-form textarea[name="status"], .compose-form textarea',
      replyScope: '.compose-form, .compose-panel, .drawer__inner',
      reply: '.reply-indicator__content, .reply-indicator .status__content',
      postButton: '.compose-form button[type="submit"], .compose-form__publish button, .compose-form__submit button',
    },
    generic: {
      platform: null,
      editors: 'textarea:not([readonly]):not([disabled]), [contenteditable="true"][role="textbox"], [contenteditable=""][role="textbox"]',
      replyScope: null,
      reply: null,
      postButton: 'button[type="submit"], input[type="submit"]',
    },
  });

  /** Mastodon's web app, recognised on any server. */
  function looksLikeMastodon(doc) {
    return Boolean(
      doc && doc.querySelector &&
      (doc.querySelector('#mastodon[data-props], #mastodon') ||
        doc.querySelector('meta[name="application-name"][content="Mastodon"]') ||
        doc.querySelector('.compose-form .autosuggest-textarea__textarea')),
    );
  }

  /** The adapter for a page: by hostname, then by DOM (Mastodon), else generic. */
  function adapterFor(hostname, doc) {
    const site = siteFor(hostname);
    if (site && site.platform !== 'mastodon') return ADAPTERS[site.platform];
    if (site || looksLikeMastodon(doc)) return ADAPTERS.mastodon;
    return ADAPTERS.generic;
  }

  /** Compose boxes under `rootNode`, outermost editable roots only, in document order. */
  function findComposeBoxes(adapter, rootNode) {
    const out = [];
    for (const el of rootNode.querySelectorAll(adapter.editors)) {
      const box = isTextField(el) ? el : editableRoot(el) || el;
      if (!out.includes(box)) out.push(box);
    }
    return out;
  }

  /** Whether `el` (or an ancestor) is one of the adapter's compose boxes. */
  function composeBoxOf(adapter, el) {
    if (!el || el.nodeType !== 1) return null;
    if (isTextField(el)) return el.matches(adapter.editors) ? el : null;
    const box = editableRoot(el);
    return box && box.matches(adapter.editors) ? box : null;
  }

  /**
   * The text of the post a reply box answers: the last `reply` element that
   * precedes the box inside its `replyScope`. Null when the page shows none.
   */
  function replyContext(adapter, editor) {
    if (!adapter.reply || !adapter.replyScope || !editor) return null;
    const scope = editor.closest(adapter.replyScope);
    if (!scope) return null;
    /** @type {Element | null} */
    let found = null;
    for (const el of scope.querySelectorAll(adapter.reply)) {
      if (!el.contains(editor) && !editor.contains(el) && precedes(el, editor)) found = el;
    }
    if (!found) return null;
    if (adapter.replyText) {
      const parts = found.querySelectorAll(adapter.replyText);
      if (parts.length) found = parts[parts.length - 1];
    }
    const text = extractText(found).trim();
    return text ? { text } : null;
  }

  function ancestry(node) {
    const chain = [];
    for (let n = node; n; n = n.parentNode) chain.unshift(n);
    return chain;
  }

  /** Whether `a` comes before `b` in document order (neither containing the other). */
  function precedes(a, b) {
    const ca = ancestry(a);
    const cb = ancestry(b);
    let i = 0;
    while (i < ca.length && i < cb.length && ca[i] === cb[i]) i++;
    if (i === 0 || i === ca.length || i === cb.length) return false;
    for (let n = ca[i].nextSibling; n; n = n.nextSibling) if (n === cb[i]) return true;
    return false;
  }

  /** The publish button an event target is in, or null. */
  function postButtonOf(adapter, target) {
    if (!adapter.postButton || !target || target.nodeType !== 1) return null;
    return target.closest(adapter.postButton);
  }

  /** Depth of the deepest common ancestor of two nodes (for pairing a button with its box). */
  function commonDepth(a, b) {
    const chain = [];
    for (let n = a; n; n = n.parentNode) chain.push(n);
    const set = new Set(chain);
    let n = b;
    while (n && !set.has(n)) n = n.parentNode;
    if (!n) return -1;
    let depth = 0;
    for (let m = n; m.parentNode; m = m.parentNode) depth++;
    return depth;
  }

  const api = {
    ADAPTERS,
    extractText,
    textMap,
    domRange,
    editableRoot,
    looksLikeMastodon,
    adapterFor,
    findComposeBoxes,
    composeBoxOf,
    replyContext,
    postButtonOf,
    commonDepth,
  };
  root.OnbrandAdapters = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
