/*
 * The extension's own words in the browser's UI language (WebExtension i18n:
 * _locales/<lang>/messages.json, English by default). The pages, the content
 * scripts and the background read every user-visible string through `t`, so
 * test/i18n.test.js can check that each key exists in every locale.
 *
 * What the agent says (hint messages, score labels, summaries) is already in
 * the brand's language and is shown as it comes: never through here.
 *
 * In node (unit tests) there is no i18n API: the English messages are read
 * from _locales/en and filled in the same way the browser does.
 */
(function (root) {
  'use strict';

  /** @type {{getMessage(key: string, subs?: string | string[]): string} | null} */
  const api = root.browser && root.browser.i18n ? root.browser.i18n : root.chrome && root.chrome.i18n ? root.chrome.i18n : null;

  /** @type {Record<string, {message: string, placeholders?: Record<string, {content: string}>}> | null} */
  let english = null;

  /** The English message, filled as chrome.i18n.getMessage fills it (node only). */
  function fallback(key, subs) {
    if (!english) {
      english = typeof module !== 'undefined' && module.exports ? require('../../_locales/en/messages.json') : {};
    }
    const entry = english && english[key];
    if (!entry) return '';
    const named = {};
    for (const [name, p] of Object.entries(entry.placeholders || {})) named[name.toLowerCase()] = p.content;
    const positional = (s) => s.replace(/\$(\d)/g, (_, n) => (subs[Number(n) - 1] ?? ''));
    return entry.message
      .replace(/\$([A-Za-z0-9_@]+)\$/g, (all, name) => (name.toLowerCase() in named ? positional(named[name.toLowerCase()]) : all))
      .replace(/\$\$/g, '$');
  }

  /**
   * The message `key` in the UI language, with `subs` for its $1, $2, … (in
   * the order of the English message's placeholders).
   * @param {string} key
   * @param {...(string | number)} subs
   * @returns {string}
   */
  function t(key, ...subs) {
    const strs = subs.map(String);
    if (api) {
      const said = api.getMessage(key, strs);
      if (said) return said;
    }
    return fallback(key, strs) || key;
  }

  /**
   * The language the messages are in ("en", "id"): the locale's own word for
   * it, since Chromium's @@ui_locale can name the system's language while the
   * messages come from the one given by --lang.
   */
  function locale() {
    return t('ui_lang');
  }

  /**
   * Text whose `backquoted` parts are commands, as text and <code> nodes to
   * append to an element (never HTML).
   * @param {string} text
   * @returns {(string | HTMLElement)[]}
   */
  function richText(text) {
    return text.split('`').map((part, i) => {
      if (i % 2 === 0) return part;
      const code = document.createElement('code');
      code.textContent = part;
      return code;
    }).filter((part) => part !== '');
  }

  /**
   * The message `key` as richText: its commands as <code>.
   * @param {string} key
   * @param {...(string | number)} subs
   */
  function rich(key, ...subs) {
    return richText(t(key, ...subs));
  }

  /**
   * Fill a page's marked elements: data-i18n (its text, `backquotes` as code),
   * data-i18n-aria-label, data-i18n-title, data-i18n-placeholder; and the
   * document's lang.
   * @param {Document} doc
   */
  function localize(doc) {
    doc.documentElement.lang = locale();
    for (const el of doc.querySelectorAll('[data-i18n]')) {
      el.replaceChildren(...rich(/** @type {string} */ (el.getAttribute('data-i18n'))));
    }
    for (const attr of ['aria-label', 'title', 'placeholder']) {
      for (const el of doc.querySelectorAll(`[data-i18n-${attr}]`)) {
        el.setAttribute(attr, t(/** @type {string} */ (el.getAttribute(`data-i18n-${attr}`))));
      }
    }
  }

  const exported = { t, rich, richText, locale, localize };
  root.OnbrandI18n = exported;
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
})(globalThis);
