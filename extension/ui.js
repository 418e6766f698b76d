/*
 * Small helpers the toolbar popup and the options page share (their shared look
 * is ui.css). Loaded by popup.html and options.html before their own scripts.
 */
'use strict';

(function (root) {
  /**
   * Put `text` in the status line `id` (its `backquoted` commands as code);
   * `tone` ("good", "bad") colours it, null is plain.
   * @param {string} id an element the page has
   * @param {string | null} tone
   * @param {string} text
   */
  function say(id, tone, text) {
    const el = /** @type {HTMLElement} */ (document.getElementById(id));
    el.replaceChildren(...root.OnbrandI18n.richText(text));
    if (tone) el.dataset.tone = tone;
    else delete el.dataset.tone;
  }

  const api = { say };
  root.OnbrandUi = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
