'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { PLATFORMS } = require('../src/shared/protocol.js');
const { present, formatDate, PLATFORM_NAMES } = require('../src/content/present.js');

const FULL = {
  version: 1,
  brand: 'demo',
  platform: 'x',
  length: 227,
  verdict: 'repeat',
  scores: {
    originality: { value: 4, label: 'Near-repeat of your x on 2025-06-03 post', verdict: 'repeat' },
    voice_drift: { value: 0, label: 'Squarely your voice', reasons: [] },
    specificity: { value: 80, label: 'Specific' },
    risk: { value: 70, label: 'Could start a fight' },
  },
  hints: [
    { kind: 'guideline', severity: 'info', message: 'Who we are: ...', span: null, evidence: { passage_id: 2 } },
    { kind: 'originality', severity: 'alert', message: 'This says what your post already said.', span: null, evidence: {} },
    { kind: 'voice', severity: 'warn', message: 'Fewer exclamation marks.', span: [0, 4], evidence: {} },
  ],
  nearest: [{
    post_id: 1, similarity: 0.9454, text: 'A Brick 500 holds ten Sticks.', platform: 'x',
    posted_at: '2025-06-03T00:00:00+00:00', url: 'https://x.com/ferrowandpine/status/1',
  }],
  passages: [{
    passage_id: 2, doc: 'guidelines.md', heading: 'Social Media Guidelines > Who we are', text: 'Ferrow & Pine builds…', similarity: 0.37,
  }],
};

test('a full result: verdict, scores in a fixed order, gauges read fuller-is-better', () => {
  const v = present(FULL);
  assert.equal(v.verdict, 'repeat');
  assert.equal(v.title, 'Near-repeat');
  assert.equal(v.tone, 'bad');
  assert.deepEqual(v.scores.map((s) => s.key), ['originality', 'specificity', 'voice_drift', 'risk']);
  const byKey = Object.fromEntries(v.scores.map((s) => [s.key, s]));
  assert.equal(byKey.originality.tone, 'bad', 'a repeat is bad whatever the number');
  assert.equal(byKey.voice_drift.gauge, 1, 'no drift: full gauge');
  assert.equal(byKey.voice_drift.tone, 'good');
  assert.equal(byKey.risk.gauge, 0.3);
  assert.equal(byKey.risk.tone, 'bad');
  assert.equal(byKey.specificity.tone, 'good');
});

test('hints are sorted by severity; guideline hints fold into the passage', () => {
  const v = present(FULL);
  assert.deepEqual(v.hints.map((h) => h.kind), ['originality', 'voice']);
  assert.equal(v.passage.heading, 'Who we are');
  assert.equal(v.passage.source, 'Social Media Guidelines');
});

test('the nearest post: text, platform name, date, percent, safe link', () => {
  const v = present(FULL);
  assert.deepEqual(v.nearest, {
    postId: 1, text: 'A Brick 500 holds ten Sticks.', platform: 'X', date: 'Jun 3, 2025', similarity: 95,
    url: 'https://x.com/ferrowandpine/status/1',
  });
  const evil = present({ ...FULL, nearest: [{ ...FULL.nearest[0], url: 'javascript:alert(1)' }] });
  assert.equal(evil.nearest.url, '');
});

test('missing and null scores render as unknown, never throw', () => {
  const v = present({
    verdict: 'ok',
    scores: { originality: { value: null, label: 'No approved posts yet', verdict: 'fresh' }, voice_drift: { value: null } },
  });
  assert.equal(v.scores.length, 2);
  for (const s of v.scores) {
    assert.equal(s.value, null);
    assert.equal(s.gauge, null);
    assert.equal(s.tone, 'idle');
  }
  assert.equal(v.scores[1].label, 'Not enough text to judge yet');
  assert.equal(v.nearest, null);
  assert.equal(v.passage, null);
  assert.deepEqual(v.hints, []);
});

test('garbage in, a calm view out', () => {
  for (const r of [null, undefined, 42, 'x', [], {}, { scores: [], hints: {}, nearest: 'no', passages: [null, 1] },
    { verdict: 'weird', scores: { risk: 'high', originality: { value: 'NaN' } }, hints: [null, { message: 3 }] }]) {
    const v = present(r);
    assert.equal(typeof v.title, 'string');
    assert.ok(Array.isArray(v.scores));
    assert.ok(Array.isArray(v.hints));
  }
  const clamped = present({ scores: { risk: { value: 140 } } });
  assert.equal(clamped.scores[0].value, 100);
});

test('voice drift reasons are shown as text', () => {
  const v = present({ scores: { voice_drift: { value: 72, label: 'Drifting', reasons: ['hashtags', { message: 'all caps' }, 5] } } });
  assert.deepEqual(v.scores[0].reasons, ['hashtags', 'all caps']);
  assert.equal(v.scores[0].tone, 'bad');
});

test('each verdict the agent sends has its own words; only ok is green', () => {
  for (const verdict of ['repeat', 'risky', 'complaint', 'rule', 'off-voice', 'review', 'echo', 'vague']) {
    const v = present({ verdict, scores: {}, hints: [] });
    assert.equal(v.verdict, verdict);
    assert.notEqual(v.tone, 'good', verdict);
    assert.ok(v.title && v.short && v.summary, verdict);
  }
  assert.equal(present({ verdict: 'ok', scores: {}, hints: [] }).tone, 'good');
});

test('an unknown verdict is never green', () => {
  for (const verdict of ['update', 'some-new-word', 'NOT OK', 42, undefined]) {
    const v = present({ verdict, scores: {} });
    assert.notEqual(v.tone, 'good', String(verdict));
    assert.equal(v.short, 'Check');
  }
  assert.equal(present({ verdict: 'update' }).verdict, 'update', 'a valid word is kept for data-verdict');
  assert.equal(present({ verdict: 'NOT OK' }).verdict, 'unknown');
});

test('an alert hint never sits under a green badge', () => {
  const alert = { kind: 'rule', severity: 'alert', message: "Don't run down other brands.", span: [0, 6] };
  const okOverAlert = present({ verdict: 'ok', summary: 'Nothing to fix.', scores: {}, hints: [alert] });
  assert.equal(okOverAlert.verdict, 'review');
  assert.equal(okOverAlert.tone, 'bad');
  assert.notEqual(okOverAlert.summary, 'Nothing to fix.', "an old agent's ok summary is not shown");
  const offVoice = present({ verdict: 'off-voice', scores: {}, hints: [{ ...alert, kind: 'voice' }] });
  assert.equal(offVoice.tone, 'bad', 'an alert makes an amber verdict red');
  const rule = present({ verdict: 'rule', summary: "Breaks your brand rule 'competitor-digs': fix it before posting.", hints: [alert] });
  assert.equal(rule.tone, 'bad');
  assert.equal(rule.summary, "Breaks your brand rule 'competitor-digs': fix it before posting.");
  const complaint = present({ verdict: 'complaint', hints: [{ kind: 'complaint', severity: 'warn', message: 'Take it to a DM.' }] });
  assert.equal(complaint.tone, 'warn');
  assert.equal(complaint.title, 'Complaint');
});

test('the empty verdict', () => {
  const v = present({ verdict: 'empty', scores: {} });
  assert.equal(v.tone, 'idle');
  assert.equal(v.short, '');
});

test('formatDate', () => {
  assert.equal(formatDate('2025-06-03'), 'Jun 3, 2025');
  assert.equal(formatDate('2026-06-22T00:00:00+00:00'), 'Jun 22, 2026');
  assert.equal(formatDate('soon'), '');
  assert.equal(formatDate(null), '');
});

test('a display name for each of the protocol\'s platforms, and no other', () => {
  assert.deepEqual(Object.keys(PLATFORM_NAMES).sort(), [...PLATFORMS].sort());
});

// -- spans: the agent counts code points, JS strings UTF-16 units --------------------

const { codePointsToUnits, carryMark } = require('../src/content/present.js');

test('code point offsets become UTF-16 offsets past emoji', () => {
  const text = '🚲🔋 Our ebike, cafe\u0301 ebike';
  const units = codePointsToUnits(text);
  assert.equal(units(0), 0);
  assert.equal(units(2), 4); // two astral emoji before
  assert.equal(text.slice(units(7), units(12)), 'ebike');
  assert.equal(units(999), null);
  assert.equal(units(-1), null);
});

test('marks are mapped, checked against their text, and carry replacements', () => {
  const text = '🚲 Our ebike and I';
  const result = {
    verdict: 'ok',
    hints_all: [
      {
        kind: 'rule', severity: 'warn', message: 'House style.', evidence: { rule: 'terminology' },
        matches: [
          { span: [6, 11], text: 'ebike', replacement: 'e-bike' },
          { span: [0, 3], text: 'not there', replacement: 'x' }, // a stale span: left out
        ],
      },
      { kind: 'rule', severity: 'alert', message: 'We, not I.', evidence: { rule: 'we-not-i' }, spans: [[16, 17]] },
      { kind: 'voice', severity: 'info', message: 'Whole draft.', span: null, spans: [] },
    ],
    hints: [],
  };
  const v = present(result, text);
  assert.equal(v.hints.length, 3, 'hints_all preferred to hints');
  assert.equal(v.hints[0].rule, 'we-not-i', 'most severe first');
  const terms = v.hints.find((h) => h.rule === 'terminology');
  assert.deepEqual(terms.marks, [{ start: 7, end: 12, text: 'ebike', replacement: 'e-bike' }]);
  assert.deepEqual(v.hints[0].marks, [{ start: 17, end: 18, text: 'I', replacement: null }]);
  assert.notEqual(terms.key, v.hints[0].key);
  // Without the analysed text there is nothing to place.
  assert.deepEqual(present(result).hints[0].marks, []);
});

test('marks follow edits before them and drop when the edit touches them', () => {
  const before = 'Our ebike is here';
  assert.deepEqual(carryMark(before, before, 4, 9), { start: 4, end: 9 });
  assert.deepEqual(carryMark(before, `So ${before}`, 4, 9), { start: 7, end: 12 });
  assert.deepEqual(carryMark(before, `${before}!`, 4, 9), { start: 4, end: 9 });
  assert.equal(carryMark(before, 'Our ebyke is here', 4, 9), null);
});
