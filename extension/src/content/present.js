/*
 * Turns an analysis `result` (docs/result.md) into what the overlay shows.
 *
 * Defensive by design: the agent may leave out scores it cannot compute yet
 * (specificity, risk), a score's value may be null (too little text to judge),
 * and any list may be missing. Nothing here throws on a partial result.
 * Pure: node tests call it directly.
 */
(function (root) {
  'use strict';

  // The display name of each of protocol.js's PLATFORMS (a unit test keeps the keys in step).
  const PLATFORM_NAMES = Object.freeze({
    x: 'X', linkedin: 'LinkedIn', facebook: 'Facebook', mastodon: 'Mastodon', bluesky: 'Bluesky', threads: 'Threads',
  });

  // In node (unit tests) the helper is required; the browser loads it first.
  const I18n = root.OnbrandI18n || require('../shared/i18n.js');
  const { t } = I18n;

  // tone: good | warn | bad | idle (no colour). `short` is the badge's word. The
  // agent's `summary` (a sentence that says what to do, in the brand's language)
  // is shown instead of these when it sends one.
  const VERDICTS = Object.freeze({
    repeat: { title: t('verdict_repeat_title'), short: t('verdict_repeat_short'), tone: 'bad', summary: t('verdict_repeat_summary') },
    risky: { title: t('verdict_risky_title'), short: t('verdict_risky_short'), tone: 'bad', summary: t('verdict_risky_summary') },
    complaint: { title: t('verdict_complaint_title'), short: t('verdict_complaint_short'), tone: 'warn', summary: t('verdict_complaint_summary') },
    rule: { title: t('verdict_rule_title'), short: t('verdict_rule_short'), tone: 'bad', summary: t('verdict_rule_summary') },
    'off-voice': { title: t('verdict_offvoice_title'), short: t('verdict_offvoice_short'), tone: 'warn', summary: t('verdict_offvoice_summary') },
    review: { title: t('verdict_review_title'), short: t('verdict_review_short'), tone: 'bad', summary: t('verdict_review_summary') },
    echo: { title: t('verdict_echo_title'), short: t('verdict_echo_short'), tone: 'warn', summary: t('verdict_echo_summary') },
    vague: { title: t('verdict_vague_title'), short: t('verdict_vague_short'), tone: 'warn', summary: t('verdict_vague_summary') },
    ok: { title: t('verdict_ok_title'), short: t('verdict_ok_short'), tone: 'good', summary: t('verdict_ok_summary') },
    empty: { title: t('verdict_empty_title'), short: '', tone: 'idle', summary: t('verdict_empty_summary') },
  });
  // A verdict this version does not know (a newer agent's), or "ok" over an alert
  // (an older agent's): never green.
  const UNKNOWN = Object.freeze({ title: t('verdict_unknown_title'), short: t('verdict_unknown_short'), tone: 'warn', summary: t('verdict_unknown_summary') });
  const VERDICT_WORD = /^[a-z-]{1,20}$/;

  // `lowerIsBetter` scores are shown as a gauge of how good the draft is
  // (100 - value), so every bar in the badge reads "fuller is better".
  const SCORES = Object.freeze([
    { key: 'originality', name: t('score_originality'), short: 'O', lowerIsBetter: false },
    { key: 'specificity', name: t('score_specificity'), short: 'S', lowerIsBetter: false },
    { key: 'voice_drift', name: t('score_voice_drift'), short: 'V', lowerIsBetter: true },
    { key: 'risk', name: t('score_risk'), short: 'R', lowerIsBetter: true },
  ]);

  const SEVERITIES = ['alert', 'warn', 'info'];

  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const str = (v) => (typeof v === 'string' ? v : '');
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

  function toneFor(def, value, verdict) {
    if (def.key === 'originality' && verdict === 'repeat') return 'bad';
    if (def.key === 'originality' && verdict === 'echo') return 'warn';
    if (value === null) return 'idle';
    const good = def.lowerIsBetter ? 100 - value : value;
    if (good >= 60) return 'good';
    if (good >= 35) return 'warn';
    return 'bad';
  }

  function presentScore(def, score) {
    if (!isObj(score)) return null;
    const raw = num(score.value);
    const value = raw === null ? null : Math.max(0, Math.min(100, Math.round(raw)));
    const verdict = str(score.verdict);
    return {
      key: def.key,
      name: def.name,
      short: def.short,
      value,
      // 0..1, fuller is better; null when there is nothing to judge yet
      gauge: value === null ? null : (def.lowerIsBetter ? 100 - value : value) / 100,
      label: str(score.label) || (value === null ? t('score_not_enough_text') : ''),
      tone: toneFor(def, value, verdict),
      reasons: Array.isArray(score.reasons) ? score.reasons.map(reasonText).filter(Boolean) : [],
    };
  }

  function reasonText(r) {
    if (typeof r === 'string') return r;
    if (isObj(r)) return str(r.message) || str(r.label) || str(r.text);
    return '';
  }

  /** "Jun 3, 2025" from an ISO date, in the UI language ("3 Jun 2025"); '' when unparseable. */
  function formatDate(iso) {
    const s = str(iso);
    if (!s) return '';
    const d = new Date(s.length === 10 ? s + 'T00:00:00Z' : s);
    if (Number.isNaN(d.getTime())) return '';
    return d.toLocaleDateString(I18n.locale() === 'en' ? 'en-US' : I18n.locale(), { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
  }

  function platformName(p) {
    return PLATFORM_NAMES[p] || str(p);
  }

  function safeUrl(u) {
    const s = str(u);
    return /^https?:\/\//i.test(s) ? s : '';
  }

  function presentNearest(n) {
    if (!isObj(n) || !str(n.text)) return null;
    const sim = num(n.similarity);
    return {
      postId: n.post_id ?? null,
      text: n.text,
      platform: platformName(n.platform),
      date: formatDate(n.posted_at),
      similarity: sim === null ? null : Math.round(Math.max(0, Math.min(1, sim)) * 100),
      url: safeUrl(n.url),
    };
  }

  function presentPassage(p) {
    if (!isObj(p) || !str(p.text)) return null;
    // Headings arrive as a breadcrumb "Doc title > Section"; the section is what reads well.
    const parts = str(p.heading).split(' > ');
    return {
      passageId: p.passage_id ?? null,
      heading: parts[parts.length - 1] || str(p.doc),
      source: parts.length > 1 ? parts.slice(0, -1).join(' › ') : str(p.doc),
      text: p.text,
    };
  }

  /**
   * A converter from the agent's character offsets to offsets into a JS
   * string. The agent counts code points (Python str indices, docs/result.md);
   * JS strings count UTF-16 units, so every astral character (most emoji) before
   * a span shifts it by one.
   * @returns {(cp: number) => number | null}
   */
  function codePointsToUnits(text) {
    /** @type {number[] | null} */
    let table = null;
    return (cp) => {
      if (!Number.isInteger(cp) || cp < 0) return null;
      if (!table) {
        table = [0];
        for (const ch of text) table.push(table[table.length - 1] + ch.length);
      }
      return cp < table.length ? table[cp] : null;
    };
  }

  /**
   * The places a hint points at, as [start, end) UTF-16 offsets into `text`
   * (the text that was analysed), each with its replacement. A span that does
   * not hold the text the agent says it holds is left out: better no
   * underline than one in the wrong place.
   */
  function presentMarks(h, text) {
    if (typeof text !== 'string') return [];
    const units = codePointsToUnits(text);
    const matches = Array.isArray(h.matches) && h.matches.length ? h.matches
      : (Array.isArray(h.spans) ? h.spans : []).map((span) => ({ span }));
    const out = [];
    for (const m of matches) {
      if (!isObj(m) || !Array.isArray(m.span) || m.span.length !== 2) continue;
      const start = units(m.span[0]);
      const end = units(m.span[1]);
      if (start === null || end === null || end < start) continue;
      const said = str(m.text);
      if (said && text.slice(start, end) !== said) continue;
      const replacement = typeof m.replacement === 'string' ? m.replacement : null;
      out.push({ start, end, text: text.slice(start, end), replacement });
    }
    return out;
  }

  /** What identifies a hint within one draft across analyses (for "ignore this"). */
  function hintKey(h, rule, marks) {
    const what = marks.length ? marks.map((m) => m.text.toLowerCase()).join('|') : str(h.message);
    return `${str(h.kind)}:${rule}:${what}`;
  }

  /**
   * The overlay's view of a result. Guideline hints are folded into the
   * passage section (the same text would otherwise show twice). `text` is the
   * text that was analysed: hint spans are mapped into it.
   * @param {any} result
   * @param {string} [text]
   */
  function present(result, text) {
    const r = isObj(result) ? result : {};
    const said = typeof r.verdict === 'string' && VERDICT_WORD.test(r.verdict) ? r.verdict : 'unknown';
    const alerted = Array.isArray(r.hints) && r.hints.some((h) => isObj(h) && h.severity === 'alert');
    const verdict = said === 'ok' && alerted ? 'review' : said;
    const v = Object.hasOwn(VERDICTS, verdict) ? VERDICTS[verdict] : UNKNOWN;
    // Any alert hint makes the badge red, whatever the verdict's own tone.
    const tone = alerted && v.tone === 'warn' ? 'bad' : v.tone;
    const scoresIn = isObj(r.scores) ? r.scores : {};
    const originalityVerdict = isObj(scoresIn.originality) ? str(scoresIn.originality.verdict) : '';
    const scores = SCORES.map((def) => presentScore(def, scoresIn[def.key])).filter((s) => s !== null);
    for (const s of scores) {
      if (s.key === 'originality') s.tone = toneFor(SCORES[0], s.value, originalityVerdict);
    }
    const passages = (Array.isArray(r.passages) ? r.passages : []).map(presentPassage).filter((p) => p !== null);
    const shownPassage = passages[0] || null;
    // Every hint when the agent sends them all (the card pages them itself).
    const all = Array.isArray(r.hints_all) ? r.hints_all : Array.isArray(r.hints) ? r.hints : [];
    const hints = all
      .filter((h) => isObj(h) && str(h.message))
      .filter((h) => !(h.kind === 'guideline' && shownPassage))
      .map((h) => {
        const evidence = isObj(h.evidence) ? h.evidence : {};
        const rule = h.kind === 'rule' ? str(evidence.rule) : '';
        const marks = presentMarks(h, text);
        return {
          key: hintKey(h, rule, marks),
          kind: str(h.kind),
          severity: SEVERITIES.includes(h.severity) ? h.severity : 'info',
          message: h.message,
          rule,
          marks,
          postId: h.kind === 'originality' ? evidence.post_id ?? null : null,
        };
      })
      .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    const nearest = (Array.isArray(r.nearest) ? r.nearest : []).map(presentNearest).filter((n) => n !== null);
    return {
      verdict,
      title: v.title,
      short: v.short,
      tone,
      summary: (verdict === said && str(r.summary)) || v.summary,
      brand: str(r.brand),
      platform: platformName(r.platform),
      scores,
      hints,
      // Hints the agent left out of `hints` without sending `hints_all` (an older agent).
      hintsMore: Array.isArray(r.hints_all) ? 0 : Math.max(0, num(r.hints_more) ?? 0),
      nearest: nearest[0] || null,
      passage: shownPassage,
    };
  }

  /**
   * Offsets [start, end) into the analysed text `before`, carried over to the
   * current text `after`: unchanged before the edit, shifted after it, null
   * when the edit touched them (the next analysis places them again).
   */
  function carryMark(before, after, start, end) {
    if (before === after) return { start, end };
    let p = 0;
    const max = Math.min(before.length, after.length);
    while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
    let s = 0;
    while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
    if (end <= p) return { start, end };
    const changedEnd = before.length - s;
    if (start >= changedEnd) return { start: start + after.length - before.length, end: end + after.length - before.length };
    return null;
  }

  const api = {
    VERDICTS, UNKNOWN, SCORES, PLATFORM_NAMES, present, formatDate, platformName, codePointsToUnits, carryMark,
  };
  root.OnbrandPresent = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(globalThis);
