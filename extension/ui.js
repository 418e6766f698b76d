/*
 * Small helpers the toolbar popup and the options page share (their shared look
 * is ui.css). Loaded by popup.html and options.html before their own scripts.
 */
'use strict';

(function (root) {
  /** Put `text` in the status line `id`; `tone` ("good", "bad") colours it, null is plain. */
  function say(id, tone, text) {
    const el = document.getElementById(id);
    el.textContent = text;
    if (tone) el.dataset.tone = tone;
    else delete el.dataset.tone;
  }

  root.OnbrandUi = { say };
})(globalThis);
