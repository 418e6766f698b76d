'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const P = require('../src/shared/protocol.js');
const M = require('../src/shared/metrics.js');

const T0 = 1_750_000_000_000;

test('localDay and reportSite', () => {
  const tz = process.env.TZ;
  try {
    process.env.TZ = 'UTC';
    assert.equal(M.localDay(Date.parse('2025-03-04T23:59:59Z')), '2025-03-04');
    // 03:00 UTC is still the evening before in California, and already the
    // afternoon in Auckland: the day is the person's own.
    process.env.TZ = 'America/Los_Angeles';
    assert.equal(M.localDay(Date.parse('2025-03-05T03:00:00Z')), '2025-03-04');
    process.env.TZ = 'Pacific/Auckland';
    assert.equal(M.localDay(Date.parse('2025-03-04T13:00:00Z')), '2025-03-05');
  } finally {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  }
  assert.equal(M.reportSite('www.LinkedIn.com'), 'linkedin.com');
  assert.equal(M.reportSite('mastodon.social.'), 'mastodon.social');
  assert.equal(M.reportSite('x.com'), 'x.com');
});

// -- active time ---------------------------------------------------------------------

function ticks(meter, from, to, shown, step = 1000) {
  for (let t = from; t <= to; t += step) meter.tick(t, shown);
}

test('active time counts while shown and within the idle window of the last input', () => {
  const m = new M.ActiveTime({ idleMs: 60_000 });
  m.tick(T0, true);
  m.input(T0);
  ticks(m, T0 + 1000, T0 + 30_000, true);
  assert.equal(m.take(), 30);
  // Continuous input: every second counts.
  for (let t = T0 + 31_000; t <= T0 + 40_000; t += 1000) {
    m.input(t - 10);
    m.tick(t, true);
  }
  assert.equal(m.take(), 10);
});

test('active time stops idleMs after the last input, and resumes on input', () => {
  const m = new M.ActiveTime({ idleMs: 60_000 });
  m.tick(T0, true);
  m.input(T0);
  ticks(m, T0 + 1000, T0 + 300_000, true);
  assert.equal(m.take(), 60, 'one idle window, no more');
  m.input(T0 + 300_500);
  ticks(m, T0 + 301_000, T0 + 310_000, true);
  assert.equal(m.take(), 10);
});

test('hidden or unfocused time does not count; a frozen page counts no gap', () => {
  const m = new M.ActiveTime({ idleMs: 60_000, maxGapMs: 5000 });
  m.tick(T0, true);
  m.input(T0);
  ticks(m, T0 + 1000, T0 + 20_000, false);
  assert.equal(m.take(), 0);
  m.input(T0 + 20_000);
  m.tick(T0 + 50_000, true); // 30 s between ticks: the page was frozen
  assert.equal(m.take(), 5);
});

test('take keeps the fraction of a second', () => {
  const m = new M.ActiveTime({ idleMs: 60_000 });
  m.tick(T0, true);
  m.input(T0);
  m.tick(T0 + 1500, true);
  assert.equal(m.take(), 1);
  m.tick(T0 + 2000, true);
  assert.equal(m.take(), 1);
  assert.equal(m.take(), 0);
});

// -- compose sessions --------------------------------------------------------------------

const where = { site: 'x.com', platform: 'x', brand: 'demo' };

test('a session starts at the first keystroke and counts analyses and the last verdict', () => {
  const b = new M.SessionBook({ idleMs: 300_000 });
  b.typed('d1', { now: T0 + 400, typedAt: T0, ...where });
  b.analysis('d1', 0, 'vague', T0 + 900);
  b.typed('d1', { now: T0 + 5000, typedAt: T0, ...where });
  b.analysis('d1', 3, 'repeat', T0 + 5600);
  b.analysis('d1', 3, 'repeat', T0 + 9000); // the same seq again after a reconnect
  b.analysis('d1', 2, 'ok'); // older: ignored
  b.analysis('nope', 1, 'ok');
  const r = b.end('d1', T0 + 20_000);
  assert.deepEqual(r, {
    kind: 'session', site: 'x.com', platform: 'x', brand: 'demo', startedAt: T0, endedAt: T0 + 20_000,
    analyses: 2, finalVerdict: 'repeat', approved: false,
  });
  assert.equal(b.end('d1', T0 + 30_000), null, 'ended once');
  // The report is a valid frame, and carries no text.
  const frame = P.report({ ...r, id: 'r1' });
  assert.equal(frame.final_verdict, 'repeat');
  assert.equal(frame.analyses, 2);
});

test('typing again after a session ended starts a new one now, not at the old typedAt', () => {
  const b = new M.SessionBook({ idleMs: 300_000 });
  b.typed('d1', { now: T0, typedAt: T0, ...where });
  b.end('d1', T0 + 1000);
  b.typed('d1', { now: T0 + 60_000, typedAt: T0, ...where });
  const r = b.end('d1', T0 + 70_000);
  assert.equal(r.startedAt, T0 + 60_000);
  assert.equal(r.analyses, 0);
  assert.equal(r.finalVerdict, undefined);
});

test('sessions end after idleMs without typing, at the last activity', () => {
  const b = new M.SessionBook({ idleMs: 300_000 });
  b.typed('d1', { now: T0, typedAt: T0, ...where });
  b.analysis('d1', 0, 'ok', T0 + 2000);
  b.typed('d2', { now: T0 + 200_000, typedAt: T0 + 200_000, ...where });
  assert.deepEqual(b.expire(T0 + 299_000), []);
  const out = b.expire(T0 + 302_000);
  assert.equal(out.length, 1);
  assert.equal(out[0].endedAt, T0 + 2000);
  assert.equal(b.open.size, 1);
});

test('an approval in flight holds the session report until its answer', () => {
  const b = new M.SessionBook();
  b.typed('d1', { now: T0, typedAt: T0, ...where });
  b.analysis('d1', 0, 'ok', T0 + 500);
  b.approving('d1'); // learn-from-posts: approve, then the box empties
  assert.equal(b.end('d1', T0 + 1000), null);
  const r = b.approvalDone('d1', true);
  assert.equal(r.approved, true);
  assert.equal(r.endedAt, T0 + 1000);
  // A failed approval: not approved.
  b.typed('d2', { now: T0, typedAt: T0, ...where });
  b.approving('d2');
  assert.equal(b.approvalDone('d2', false), null, 'still open');
  assert.equal(b.end('d2', T0 + 5000).approved, false);
  // "Approve as posted", then the box is cleared later.
  b.typed('d3', { now: T0, typedAt: T0, ...where });
  b.approving('d3');
  b.approvalDone('d3', true);
  assert.equal(b.end('d3', T0 + 9000).approved, true);
});

// -- the outbox ------------------------------------------------------------------------------

test('activity adds up per day and site and goes out in whole seconds', () => {
  const o = new M.ReportOutbox();
  o.addActivity('x.com', 10.4, '2025-03-04');
  o.addActivity('x.com', 20.4, '2025-03-04');
  o.addActivity('bsky.app', 0.5, '2025-03-04');
  o.addActivity('x.com', 5, '2025-03-05');
  const out = o.take();
  assert.deepEqual(out.map(({ id: _id, ...r }) => r), [
    { kind: 'activity', site: 'x.com', seconds: 30, day: '2025-03-04' },
    { kind: 'activity', site: 'x.com', seconds: 5, day: '2025-03-05' },
  ]);
  assert.ok(out.every((r) => typeof r.id === 'string' && P.report(r).id === r.id));
  assert.equal(o.take().length, 0, 'fractions wait');
  o.addActivity('bsky.app', 0.6, '2025-03-04');
  assert.equal(o.take()[0].seconds, 1);
});

test('more than an hour of activity is split into reports of at most 3600 s', () => {
  const o = new M.ReportOutbox();
  o.addActivity('x.com', 9000, '2025-03-04');
  const sizes = [];
  for (let i = 0; i < 5; i++) for (const r of o.take()) {
    sizes.push(r.seconds);
    o.ack(r.id);
  }
  assert.deepEqual(sizes, [3600, 3600, 1800]);
});

test('reports in flight: acknowledged, refused, or back in the queue when the socket closes', () => {
  const o = new M.ReportOutbox({ maxInflight: 2 });
  const s = (n) => ({ kind: 'session', site: 'x.com', startedAt: T0, endedAt: T0 + n, analyses: n, brand: 'gone' });
  o.addSession(s(1));
  o.addSession(s(2));
  o.addSession(s(3));
  o.addActivity('x.com', 7, '2025-03-04');
  const first = o.take();
  assert.deepEqual(first.map((r) => r.analyses), [1, 2], 'at most maxInflight');
  assert.equal(o.take().length, 0);
  assert.ok(o.ack(first[0].id));
  // unknown_brand: retried without the brand; anything else: dropped.
  assert.ok(o.refuse(first[1].id, 'unknown_brand'));
  const second = o.take();
  assert.equal(second[0].analyses, 2);
  assert.equal(second[0].brand, undefined);
  assert.equal(second[1].analyses, 3);
  o.requeue();
  assert.equal(o.inflight.size, 0);
  const third = o.take();
  assert.deepEqual(third.map((r) => r.analyses), [2, 3], 'resent in order');
  o.refuse(third[0].id, 'bad_frame');
  o.ack(third[1].id);
  assert.deepEqual(o.take().map((r) => r.seconds), [7]);
});

test('stale reports in flight are sent again', () => {
  const o = new M.ReportOutbox();
  o.addActivity('x.com', 3, '2025-03-04');
  const [r] = o.take();
  o.sentAt.set(r.id, T0);
  o.requeue(T0 + 10_000, 30_000);
  assert.equal(o.inflight.size, 1);
  o.requeue(T0 + 31_000, 30_000);
  assert.equal(o.inflight.size, 0);
  assert.equal(o.take()[0].seconds, 3);
});

test('the outbox is bounded', () => {
  const o = new M.ReportOutbox({ maxSessions: 3, maxActivityKeys: 2 });
  for (let i = 0; i < 10; i++) o.addSession({ kind: 'session', site: 'x.com', startedAt: T0, endedAt: T0, analyses: i });
  assert.deepEqual(o.sessions.map((s) => s.analyses), [7, 8, 9], 'the newest kept');
  o.addActivity('x.com', 1, '2025-03-01');
  o.addActivity('x.com', 1, '2025-03-03');
  o.addActivity('x.com', 1, '2025-03-02');
  assert.deepEqual([...o.activity.keys()].sort(), ['2025-03-02|x.com', '2025-03-03|x.com']);
});

test('the outbox survives a restart through storage, in-flight reports included', () => {
  const o = new M.ReportOutbox();
  o.addActivity('x.com', 12.5, '2025-03-04');
  o.addSession({ kind: 'session', site: 'x.com', startedAt: T0, endedAt: T0 + 1, analyses: 1 });
  o.take(); // both in flight
  o.addActivity('x.com', 1, '2025-03-04');
  const saved = JSON.parse(JSON.stringify(o));
  assert.equal(o.inflight.size, 2, 'saving does not change the live outbox');
  const n = new M.ReportOutbox();
  n.load(saved);
  n.load({ sessions: [{ kind: 'nope' }, null], activity: [['bad'], [5, 1]] });
  const out = n.take();
  assert.deepEqual(out.map(({ id: _id, ...r }) => r), [
    { kind: 'session', site: 'x.com', startedAt: T0, endedAt: T0 + 1, analyses: 1 },
    { kind: 'activity', site: 'x.com', seconds: 13, day: '2025-03-04' },
  ]);
  assert.ok(!JSON.stringify(saved).match(/text/));
});

// -- goals behind, on the popup and the opt-in toolbar badge ----------------------------

test('reminderBadge: the fewest days left, every goal behind in the tooltip', () => {
  const { t } = require('../src/shared/i18n.js');
  assert.equal(M.reminderBadge([], t), null);
  assert.equal(M.reminderBadge(undefined, t), null);
  assert.equal(M.reminderBadge([{ platform: 'x', current: 'many', target: 3, days_left: 2 }], t), null);
  const badge = M.reminderBadge([
    { platform: 'linkedin', current: 1, target: 3, expected: 2.1, days_left: 3 },
    { platform: null, current: 0.4, target: 5, expected: 3, days_left: 2 },
  ], t);
  assert.equal(badge.text, '2d');
  assert.equal(badge.title,
    'Behind this week: 1 of 3 linkedin posts this week, 3 days left; 0 of 5 posts this week, 2 days left');
  assert.equal(M.reminderLine({ platform: 'x', current: 2, target: 4, days_left: 1 }, t),
    '2 of 4 x posts this week, 1 day left');
});
