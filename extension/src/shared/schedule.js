/*
 * Latest-wins scheduling for one draft, on the client side.
 *
 * A person types faster than any model runs, so a draft is sent only after a
 * short pause in typing (debounce), or at the latest every `maxWaitMs` while
 * typing goes on, and only its newest text, with a rising `seq`. An analysis
 * whose seq is older than the newest one already shown is stale and ignored.
 * The agent drops superseded seqs on its side too (docs/protocol.md).
 *
 * Pure: timers come from globalThis (node's mock timers replace them in tests).
 * The content scripts run it; its default pause is also settings.js's default
 * `debounceMs`, so the background and the pages load it too. In node,
 * require() returns the same object, constants included, for tests on either
 * side (tools/bench.py replays this schedule in Python).
 */
(function (root) {
  'use strict';

  // A draft is sent after this long without a keystroke...
  const DEFAULT_DELAY_MS = 300;
  // ...or at the latest this long after its first unsent change, while typing goes on.
  const DEFAULT_MAX_WAIT_MS = 2000;

  class DraftSchedule {
    /**
     * @param {object} options
     * @param {(frame: {seq: number, text: string}) => void} options.send
     * @param {number} [options.delayMs] pause in typing before a send
     * @param {number} [options.maxWaitMs] longest a change waits while typing goes on
     */
    constructor({ send, delayMs = DEFAULT_DELAY_MS, maxWaitMs = DEFAULT_MAX_WAIT_MS }) {
      this.sendFn = send;
      this.delayMs = delayMs;
      this.maxWaitMs = Math.max(maxWaitMs, delayMs);
      this.seq = -1; // the newest seq sent
      this.sentText = null; // the text sent with it
      this.answered = -1; // the newest seq whose analysis was accepted
      this.pending = null; // text waiting for the pause
      this.timer = null;
      this.firstPendingAt = 0;
    }

    /** The editor's text changed. Schedules a send of it, superseding any pending one. */
    update(text) {
      if (text === this.sentText) {
        // Typed and undone before the pause ended: nothing new to ask.
        this.cancel();
        return;
      }
      const now = Date.now();
      if (this.pending === null) this.firstPendingAt = now;
      this.pending = text;
      clearTimeout(this.timer);
      const waited = now - this.firstPendingAt;
      const delay = Math.max(0, Math.min(this.delayMs, this.maxWaitMs - waited));
      this.timer = setTimeout(() => this.flush(), delay);
    }

    /** Send the pending text now (if any). Returns the frame sent, or null. */
    flush() {
      clearTimeout(this.timer);
      this.timer = null;
      if (this.pending === null) return null;
      const text = this.pending;
      this.pending = null;
      this.seq += 1;
      this.sentText = text;
      const frame = { seq: this.seq, text };
      this.sendFn(frame);
      return frame;
    }

    /** Drop a pending send. */
    cancel() {
      clearTimeout(this.timer);
      this.timer = null;
      this.pending = null;
    }

    /** The draft was emptied: forget the last text so the next one is always sent. */
    clear() {
      this.cancel();
      this.sentText = null;
    }

    /**
     * An analysis arrived for `seq`. Returns true when it should be shown: it is
     * not older than the newest one shown. The same seq is accepted again, as
     * after a reconnect the newest draft is resent and answered anew.
     */
    accept(seq) {
      if (!Number.isSafeInteger(seq) || seq < this.answered || seq > this.seq) return false;
      this.answered = seq;
      return true;
    }

    /** The newest frame sent, to resend after a reconnect; null before any. */
    newest() {
      return this.seq >= 0 && this.sentText !== null ? { seq: this.seq, text: this.sentText } : null;
    }

    /** True while a newer text than the one last answered is waiting or in flight. */
    get busy() {
      return this.pending !== null || this.seq > this.answered;
    }
  }

  /**
   * Whether `after` differs enough from `before` to count as a new draft: used
   * to bring back an overlay the user dismissed. Emptying the draft counts; so
   * does keeping less than half of it (shared prefix plus shared suffix).
   */
  function changedALot(before, after) {
    if (!after.trim()) return true;
    const longest = Math.max(before.length, after.length);
    if (!longest) return false;
    let prefix = 0;
    const max = Math.min(before.length, after.length);
    while (prefix < max && before[prefix] === after[prefix]) prefix++;
    let suffix = 0;
    while (
      suffix < max - prefix &&
      before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
    ) suffix++;
    return (prefix + suffix) / longest < 0.5;
  }

  const api = { DraftSchedule, changedALot, DEFAULT_DELAY_MS, DEFAULT_MAX_WAIT_MS };
  root.OnbrandSchedule = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
