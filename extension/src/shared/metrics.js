/*
 * Aggregates for the agent's goals and metrics dashboard (docs/dashboard.md):
 * active time on enabled social sites and compose sessions. Pure bookkeeping,
 * no browser API, so node's test runner covers it; the content script measures
 * active time, the background keeps sessions and the outbox of reports.
 *
 * Only durations, counts, verdict words and site host names pass through here:
 * never a URL path and never any text.
 */
(function (root) {
  'use strict';

  /**
   * The local calendar day (YYYY-MM-DD) of an epoch-ms time. The agent runs on the
   * same machine and counts days in the same local time, so "today" on the
   * dashboard ends at the person's midnight, not at UTC's.
   */
  function localDay(ms) {
    const d = new Date(ms);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  /** The host name a report names for a page's hostname ("www." dropped, never a path). */
  function reportSite(hostname) {
    return String(hostname || '').trim().toLowerCase().replace(/\.$/, '').replace(/^www\./, '');
  }

  // -- active time (content script) --------------------------------------------------

  /**
   * Counts the time a page is visible, focused, and the person has been active
   * (a key, pointer, wheel or scroll) within the last `idleMs`. Call `input(now)`
   * on each such event and `tick(now, shown)` about every second; `take()` hands
   * over the whole seconds counted so far and keeps the remainder.
   */
  class ActiveTime {
    constructor({ idleMs = 60000, maxGapMs = 5000 } = {}) {
      this.idleMs = idleMs;
      this.maxGapMs = maxGapMs; // a longer gap between ticks: the page was frozen; count no more
      this.lastInput = -Infinity;
      this.lastTick = null;
      this.ms = 0;
    }

    input(now) {
      this.lastInput = now;
    }

    active(now, shown) {
      return Boolean(shown) && now - this.lastInput < this.idleMs;
    }

    /**
     * Count the time since the previous tick while the page is shown (visible and
     * focused), up to the end of the activity window of the newest input.
     */
    tick(now, shown) {
      if (this.lastTick !== null && now > this.lastTick && shown) {
        const to = Math.min(now, this.lastInput + this.idleMs);
        this.ms += Math.min(Math.max(0, to - this.lastTick), this.maxGapMs);
      }
      this.lastTick = now;
    }

    /** Whole seconds counted since the last take; the fraction stays. */
    take() {
      const s = Math.floor(this.ms / 1000);
      this.ms -= s * 1000;
      return s;
    }
  }

  // -- compose sessions (background) ----------------------------------------------------

  /**
   * One session per draft: it starts when the person types, counts the analyses
   * the agent sends for it and remembers the last verdict and whether it was
   * approved; it ends when the box is emptied or removed, its tab closes, or
   * after `idleMs` without typing. An approval still in flight when the session
   * ends holds the report back until its answer.
   */
  class SessionBook {
    constructor({ idleMs = 300000 } = {}) {
      this.idleMs = idleMs;
      this.open = new Map(); // draftId -> session
      this.ended = new Set(); // drafts whose session already ended once (a new one starts now)
    }

    /**
     * The person typed (or the draft's text arrived). `typedAt`: when typing began
     * in this box (since it was last empty), as the content script saw it.
     */
    typed(draftId, { now, typedAt, site, platform, brand }) {
      let s = this.open.get(draftId);
      if (!s) {
        const start = Number.isFinite(typedAt) && typedAt <= now && !this.ended.has(draftId) ? typedAt : now;
        s = {
          draftId,
          site,
          platform: platform || undefined,
          brand: brand || undefined,
          startedAt: Math.max(start, now - 24 * 3600 * 1000),
          lastAt: now,
          analyses: 0,
          lastSeq: -1,
          finalVerdict: undefined,
          approved: false,
          approving: 0,
          endedAt: null,
        };
        this.open.set(draftId, s);
      }
      s.lastAt = Math.max(s.lastAt, now);
      if (brand) s.brand = brand;
      return s;
    }

    /** An analysis for the draft; the same seq again (after a reconnect) counts once. */
    analysis(draftId, seq, verdict, now) {
      const s = this.open.get(draftId);
      if (!s || s.endedAt !== null) return;
      if (Number.isSafeInteger(seq)) {
        if (seq <= s.lastSeq) return;
        s.lastSeq = seq;
      }
      s.analyses += 1;
      if (typeof verdict === 'string' && verdict) s.finalVerdict = verdict;
      if (now) s.lastAt = Math.max(s.lastAt, now);
    }

    /** An approval of this draft's text was sent to the agent. */
    approving(draftId) {
      const s = this.open.get(draftId);
      if (s) s.approving += 1;
    }

    /** The agent answered an approval; returns the session's report if it was waiting for it. */
    approvalDone(draftId, ok) {
      const s = this.open.get(draftId);
      if (!s) return null;
      s.approving = Math.max(0, s.approving - 1);
      if (ok) s.approved = true;
      if (s.endedAt !== null && s.approving === 0) return this.finish(s);
      return null;
    }

    /**
     * End the draft's session (box emptied or gone, tab closed). Returns the
     * report's fields, or null when there is no session or an approval is pending.
     */
    end(draftId, now, { forget = false } = {}) {
      const s = this.open.get(draftId);
      if (forget) this.ended.delete(draftId);
      if (!s) return null;
      if (s.endedAt === null) s.endedAt = Math.max(now, s.startedAt);
      if (s.approving > 0) return null;
      return this.finish(s, forget);
    }

    /** Sessions without typing for `idleMs` end at their last activity. */
    expire(now) {
      const out = [];
      for (const s of [...this.open.values()]) {
        if (s.endedAt === null && now - s.lastAt >= this.idleMs) {
          s.endedAt = s.lastAt;
          if (s.approving === 0) out.push(this.finish(s));
        }
      }
      return out;
    }

    finish(s, forget = false) {
      this.open.delete(s.draftId);
      if (!forget) this.ended.add(s.draftId);
      if (this.ended.size > 1000) this.ended.delete(this.ended.values().next().value);
      return {
        kind: 'session',
        site: s.site,
        platform: s.platform,
        brand: s.brand,
        startedAt: s.startedAt,
        endedAt: Math.max(s.endedAt, s.startedAt),
        analyses: s.analyses,
        finalVerdict: s.finalVerdict,
        approved: s.approved,
      };
    }
  }

  // -- the outbox of reports (background) ---------------------------------------------------

  /**
   * Reports waiting for the agent. Active seconds add up per (day, site) until
   * they are sent; sessions queue. Bounded: the oldest are dropped first. At most
   * `maxInflight` reports are sent and unanswered at a time; a report that was
   * sent but not answered when the socket closed is sent again later.
   */
  class ReportOutbox {
    constructor({ maxSessions = 200, maxActivityKeys = 120, maxInflight = 10, maxSeconds = 3600 } = {}) {
      this.maxSessions = maxSessions;
      this.maxActivityKeys = maxActivityKeys;
      this.maxInflight = maxInflight;
      this.maxSeconds = maxSeconds;
      this.activity = new Map(); // `${day}|${site}` -> seconds
      this.sessions = []; // report fields, oldest first
      this.inflight = new Map(); // id -> report fields
      this.sentAt = new Map(); // id -> when it was handed out
      this.counter = 0;
      this.prefix = Math.random().toString(36).slice(2, 8);
    }

    addActivity(site, seconds, day) {
      if (!site || !(seconds > 0)) return;
      const key = `${day}|${site}`;
      this.activity.set(key, (this.activity.get(key) || 0) + seconds);
      while (this.activity.size > this.maxActivityKeys) {
        // Keys sort by day: drop the oldest day's entry.
        const oldest = [...this.activity.keys()].sort()[0];
        this.activity.delete(oldest);
      }
    }

    addSession(fields) {
      this.sessions.push(fields);
      if (this.sessions.length > this.maxSessions) this.sessions.splice(0, this.sessions.length - this.maxSessions);
    }

    get size() {
      return this.activity.size + this.sessions.length + this.inflight.size;
    }

    /** Whether something could be sent now. */
    get ready() {
      return this.sessions.length > 0 || [...this.activity.values()].some((s) => s >= 1);
    }

    /**
     * The reports to send now (each with an `id`), moved in flight. Activity goes
     * in whole seconds, at most `maxSeconds` a report; the fraction waits.
     */
    take() {
      const out = [];
      const room = () => this.maxInflight - this.inflight.size;
      while (room() > 0 && this.sessions.length) out.push(this.fly(this.sessions.shift()));
      for (const [key, total] of [...this.activity]) {
        if (room() <= 0) break;
        const whole = Math.floor(Math.min(total, this.maxSeconds));
        if (whole < 1) continue;
        const [day, site] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
        const left = total - whole;
        if (left > 0) this.activity.set(key, left);
        else this.activity.delete(key);
        out.push(this.fly({ kind: 'activity', site, seconds: whole, day }));
      }
      return out;
    }

    fly(fields, now = Date.now()) {
      const id = `report-${this.prefix}-${++this.counter}`;
      const r = { ...fields, id };
      this.inflight.set(id, r);
      this.sentAt.set(id, now);
      return r;
    }

    /** The agent stored it. */
    ack(id) {
      this.sentAt.delete(id);
      return this.inflight.delete(id);
    }

    /**
     * The agent refused it. An unknown brand is retried without the brand (the
     * agent's active brand); anything else would be refused again: dropped.
     */
    refuse(id, code) {
      const r = this.inflight.get(id);
      if (!r) return false;
      this.inflight.delete(id);
      this.sentAt.delete(id);
      if (code === 'unknown_brand' && r.brand) {
        const { id: _id, brand: _brand, ...rest } = r;
        this.sessions.unshift(rest);
      }
      return true;
    }

    /**
     * The socket closed: whatever was unanswered goes back to wait. With
     * `olderThanMs`, only reports unanswered for that long (an answer lost to an
     * error that names no report, such as rate_limited).
     */
    requeue(now = Date.now(), olderThanMs = 0) {
      const back = [];
      for (const [id, r] of [...this.inflight]) {
        if (olderThanMs && now - (this.sentAt.get(id) || 0) < olderThanMs) continue;
        back.push(r);
        this.inflight.delete(id);
        this.sentAt.delete(id);
      }
      const sessions = [];
      for (const { id: _id, ...r } of back) {
        if (r.kind === 'activity') this.addActivity(r.site, r.seconds, r.day);
        else sessions.push(r);
      }
      this.sessions.unshift(...sessions);
      if (this.sessions.length > this.maxSessions) this.sessions.splice(0, this.sessions.length - this.maxSessions);
    }

    /** A plain object to keep in storage (in-flight reports count as waiting). */
    toJSON() {
      const copy = new ReportOutbox(this);
      copy.activity = new Map(this.activity);
      copy.sessions = [...this.sessions];
      copy.inflight = new Map(this.inflight);
      copy.requeue();
      return { activity: [...copy.activity], sessions: copy.sessions };
    }

    /** Merge what an earlier background kept in storage. */
    load(saved) {
      if (!saved || typeof saved !== 'object') return;
      for (const entry of Array.isArray(saved.activity) ? saved.activity : []) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') continue;
        const i = entry[0].indexOf('|');
        if (i > 0) this.addActivity(entry[0].slice(i + 1), entry[1], entry[0].slice(0, i));
      }
      const sessions = (Array.isArray(saved.sessions) ? saved.sessions : []).filter((s) => s && s.kind === 'session');
      this.sessions.unshift(...sessions);
      if (this.sessions.length > this.maxSessions) this.sessions.splice(0, this.sessions.length - this.maxSessions);
    }
  }

  // -- weekly goals behind their pace (the agent's `reminders`) ------------------------

  /**
   * One goal behind, as the popup lists it: "1 of 3 linkedin posts this week, 2 days left".
   * @param {{platform?: string | null, current: number, target: number, days_left: number}} r
   * @param {(key: string, ...subs: (string | number)[]) => string} t
   */
  function reminderLine(r, t) {
    const [now, target, where] = [Math.round(r.current), Math.round(r.target), r.platform ? `${r.platform} ` : ''];
    if (r.days_left === 1) return t('popup_reminder_one_day', now, target, where);
    return t('popup_reminder', now, target, where, r.days_left);
  }

  /**
   * The toolbar badge for goals behind (opt-in): the fewest days left as its text,
   * every goal behind in its tooltip; null when none is behind.
   * @param {unknown} reminders
   * @param {(key: string, ...subs: (string | number)[]) => string} t
   * @returns {{text: string, title: string} | null}
   */
  function reminderBadge(reminders, t) {
    const behind = (Array.isArray(reminders) ? reminders : []).filter(
      (r) => r && Number.isFinite(r.days_left) && Number.isFinite(r.current) && Number.isFinite(r.target),
    );
    if (!behind.length) return null;
    const days = Math.min(...behind.map((r) => r.days_left));
    return {
      text: t('action_goal_badge', days),
      title: `${t('popup_reminders_title')}: ${behind.map((r) => reminderLine(r, t)).join('; ')}`,
    };
  }

  const api = { localDay, reportSite, reminderLine, reminderBadge, ActiveTime, SessionBook, ReportOutbox };
  root.OnbrandMetrics = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
