'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const P = require('../src/shared/protocol.js');

test('constants match docs/protocol.md', () => {
  assert.equal(P.PROTOCOL_VERSION, 1);
  assert.equal(P.DEFAULT_PORT, 47615);
  assert.equal(P.EXTENSION_ID, 'fjfpoacdahenfgeamodngdjenohfijea');
  assert.equal(P.KEEPALIVE_SECONDS, 20);
  assert.equal(P.MAX_FRAME_BYTES, 512 * 1024);
  assert.equal(P.MAX_TEXT_CHARS, 63206);
  assert.equal(P.MAX_ID_CHARS, 128);
  assert.deepEqual([...P.CLIENT_TYPES],
    ['hello', 'pair', 'analyze', 'approve', 'ping', 'report', 'login', 'ignore_rule', 'list_ignored',
      'list_reminders']);
  assert.deepEqual([...P.SERVER_TYPES],
    ['welcome', 'paired', 'analysis', 'approved', 'pong', 'reported', 'login_link', 'rules_ignored',
      'reminders', 'error']);
  const closing = Object.entries(P.ERROR_CODES).filter(([, open]) => !open).map(([c]) => c).sort();
  assert.deepEqual(closing, ['frame_too_large', 'too_many_connections', 'unsupported_protocol']);
  assert.equal(Object.keys(P.ERROR_CODES).length, 16);
});

test('list_reminders asks for a brand, and a reminders frame carries a list', () => {
  assert.deepEqual(P.listReminders({ id: 'r1', brand: 'demo' }), { type: 'list_reminders', id: 'r1', brand: 'demo' });
  assert.deepEqual(P.listReminders({ id: 'r2' }), { type: 'list_reminders', id: 'r2' });
  const ok = P.parseServerFrame(JSON.stringify({ type: 'reminders', id: 'r1', reminders: [{ current: 1, target: 3 }] }));
  assert.equal(ok.reminders.length, 1);
  assert.throws(() => P.parseServerFrame(JSON.stringify({ type: 'reminders', id: 'r1', reminders: 'soon' })));
});

test('the module also sets globalThis.OnbrandProtocol', () => {
  assert.equal(globalThis.OnbrandProtocol, P);
});

test('hello carries the protocol version, token and client', () => {
  assert.deepEqual(P.hello('tok', '0.1.0'), {
    type: 'hello', protocol: 1, token: 'tok', client: { name: 'onbrand-extension', version: '0.1.0' },
  });
  assert.throws(() => P.hello(''), { code: 'bad_frame' });
});

test('pair accepts the 6 digits as people type them', () => {
  assert.equal(P.pair('123456').code, '123456');
  assert.equal(P.pair(' 123 456 ').code, '123456');
  assert.equal(P.pair('123-456').code, '123456');
  for (const bad of ['12345', '1234567', 'abcdef', '', null]) {
    assert.throws(() => P.pair(bad), { code: 'bad_frame' }, String(bad));
  }
});

test('analyze builds a minimal frame and omits empty optionals', () => {
  const f = P.analyze({ draftId: 'd1', seq: 0, text: 'Hello' });
  assert.deepEqual(f, { type: 'analyze', draft_id: 'd1', seq: 0, text: 'Hello' });
  const g = P.analyze({
    draftId: 'd1', seq: 3, text: 'Yes', platform: 'bluesky', brand: 'demo', replyTo: { text: 'Question?' },
  });
  assert.deepEqual(g.reply_to, { text: 'Question?' });
  assert.equal(g.platform, 'bluesky');
  assert.equal(g.brand, 'demo');
  assert.equal(P.analyze({ draftId: 'd', seq: 1, text: 'x', replyTo: { text: '  ' } }).reply_to, undefined);
});

test('analyze validates like the agent does', () => {
  assert.throws(() => P.analyze({ seq: 0, text: 'x' }), { code: 'bad_frame' });
  assert.throws(() => P.analyze({ draftId: 'x'.repeat(129), seq: 0, text: 'x' }), { code: 'bad_frame' });
  assert.throws(() => P.analyze({ draftId: 'd', seq: -1, text: 'x' }), { code: 'bad_frame' });
  assert.throws(() => P.analyze({ draftId: 'd', seq: 1.5, text: 'x' }), { code: 'bad_frame' });
  assert.throws(() => P.analyze({ draftId: 'd', seq: 0, text: 5 }), { code: 'bad_frame' });
  assert.throws(() => P.analyze({ draftId: 'd', seq: 0, text: 'x'.repeat(63207) }), { code: 'text_too_long' });
  assert.throws(() => P.analyze({ draftId: 'd', seq: 0, text: 'x', platform: 'myspace' }), { code: 'unknown_platform' });
  assert.doesNotThrow(() => P.analyze({ draftId: 'd', seq: 0, text: 'x'.repeat(63206) }));
});

test('approve needs non-empty text and echoes an id', () => {
  const f = P.approve({ id: 'a1', text: 'Posted', platform: 'x', url: 'https://x.com/a' });
  assert.deepEqual(f, { type: 'approve', id: 'a1', text: 'Posted', platform: 'x', url: 'https://x.com/a' });
  assert.throws(() => P.approve({ text: '   ' }), { code: 'bad_frame' });
});

test('ping has an optional id', () => {
  assert.deepEqual(P.ping(), { type: 'ping' });
  assert.deepEqual(P.ping('7'), { type: 'ping', id: '7' });
});

test('encode refuses non-client frames and frames over the byte limit', () => {
  assert.equal(P.encode(P.ping('1')), '{"type":"ping","id":"1"}');
  assert.throws(() => P.encode({ type: 'welcome' }), { code: 'unknown_type' });
  // 63,206 four-byte characters fit, as the agent's limit was chosen for them.
  const emoji = '😀'.repeat(31603); // 63,206 UTF-16 code units
  const raw = P.encode(P.analyze({ draftId: 'd', seq: 0, text: emoji }));
  assert.ok(Buffer.byteLength(raw) <= P.MAX_FRAME_BYTES);
  assert.throws(() => P.encode({ type: 'ping', id: 'x'.repeat(600000) }), { code: 'frame_too_large' });
});

test('parseServerFrame accepts each server type', () => {
  const frames = [
    { type: 'welcome', protocol: 1, brands: ['demo'], brand: 'demo', keepalive_s: 20 },
    { type: 'paired', token: 'abc' },
    { type: 'analysis', draft_id: 'd', seq: 2, result: { verdict: 'ok' } },
    { type: 'approved', id: 'a', post_id: 12, created: true },
    { type: 'pong', id: '1' },
    { type: 'reported', id: 'r1' },
    { type: 'reported', id: null },
    { type: 'login_link', id: 'l1', url: 'http://127.0.0.1:47615/login?code=Ab_c-9' },
    { type: 'error', code: 'unauthorized', message: 'no', re: { type: 'hello' } },
  ];
  for (const f of frames) assert.deepEqual(P.parseServerFrame(JSON.stringify(f)), f);
});

test('parseServerFrame rejects what the extension must not act on', () => {
  assert.throws(() => P.parseServerFrame('{nope'), { code: 'bad_json' });
  assert.throws(() => P.parseServerFrame('[1]'), { code: 'bad_json' });
  assert.throws(() => P.parseServerFrame('{"type":"surprise"}'), { code: 'unknown_type' });
  assert.throws(() => P.parseServerFrame('{"type":"analysis","draft_id":"d","seq":"1","result":{}}'), { code: 'bad_frame' });
  assert.throws(() => P.parseServerFrame('{"type":"analysis","draft_id":"d","seq":1}'), { code: 'bad_frame' });
  assert.throws(() => P.parseServerFrame('{"type":"paired","token":""}'), { code: 'bad_frame' });
  assert.throws(() => P.parseServerFrame('{"type":"error"}'), { code: 'bad_frame' });
  assert.throws(() => P.parseServerFrame('{"type":"reported","id":5}'), { code: 'bad_frame' });
  // login_link: only the agent's own login page on this computer is ever opened.
  for (const url of [undefined, 5, 'https://127.0.0.1:47615/login?code=a', 'http://evil.example/login?code=a',
    'http://127.0.0.1.evil.com:1/login?code=a', 'http://127.0.0.1:47615/other?code=a',
    'http://127.0.0.1:47615/login?code=a&next=http://x', 'javascript:alert(1)']) {
    assert.throws(() => P.parseServerFrame({ type: 'login_link', id: 'l', url }), { code: 'bad_frame' }, String(url));
  }
  assert.ok(P.isLoginUrl('http://localhost:5000/login?code=x'));
  assert.ok(P.isLoginUrl('http://[::1]:5000/login?code=x'));
});

test('report activity: site, seconds and day only', () => {
  const f = P.report({ kind: 'activity', id: 'r1', site: 'LinkedIn.com', seconds: 42, day: '2025-03-04', text: 'secret' });
  assert.deepEqual(f, { type: 'report', kind: 'activity', id: 'r1', site: 'linkedin.com', seconds: 42, day: '2025-03-04' });
  assert.deepEqual(P.report({ kind: 'activity', site: 'x.com', seconds: 0.5 }),
    { type: 'report', kind: 'activity', site: 'x.com', seconds: 0.5 });
  assert.equal(P.encode(f), JSON.stringify(f));
});

test('report session: the aggregates, never text, in the agent\'s field names', () => {
  const f = P.report({
    kind: 'session', site: 'x.com', platform: 'x', startedAt: 1_700_000_000_000, endedAt: 1_700_000_060_000,
    analyses: 3, finalVerdict: 'repeat', approved: true, brand: 'demo', text: 'secret', url: 'https://x.com/a/b',
  });
  assert.deepEqual(f, {
    type: 'report', kind: 'session', site: 'x.com', platform: 'x', started_at: 1_700_000_000_000,
    ended_at: 1_700_000_060_000, analyses: 3, final_verdict: 'repeat', approved: true, brand: 'demo',
  });
  assert.ok(!JSON.stringify(f).includes('secret'));
  const iso = P.report({ kind: 'session', site: 'bsky.app', startedAt: '2025-01-01T10:00:00Z',
    endedAt: '2025-01-01T10:05:00Z', analyses: 0 });
  assert.equal(iso.started_at, Date.parse('2025-01-01T10:00:00Z'));
  assert.equal(iso.approved, false);
  assert.equal('final_verdict' in iso, false);
  assert.equal('platform' in iso, false);
});

test('report validates like the agent, naming the field', () => {
  const ok = { kind: 'session', site: 'x.com', startedAt: 1_700_000_000_000, endedAt: 1_700_000_001_000, analyses: 1 };
  const bad = [
    [{ ...ok, kind: 'other' }, /`kind`/],
    [{ ...ok, site: 'https://x.com/home' }, /`site`/],
    [{ ...ok, site: '' }, /`site`/],
    [{ ...ok, startedAt: 'yesterday' }, /`started_at`/],
    [{ ...ok, endedAt: undefined }, /`ended_at`/],
    [{ ...ok, endedAt: ok.startedAt - 1 }, /`ended_at` must follow/],
    [{ ...ok, endedAt: ok.startedAt + 25 * 3600 * 1000 }, /within a day/],
    [{ ...ok, analyses: -1 }, /`analyses`/],
    [{ ...ok, analyses: 1.5 }, /`analyses`/],
    [{ ...ok, finalVerdict: 'Not OK!' }, /`final_verdict`/],
    [{ ...ok, id: 'x'.repeat(129) }, /`id`/],
    [{ kind: 'activity', site: 'x.com', seconds: 0 }, /`seconds`/],
    [{ kind: 'activity', site: 'x.com', seconds: 3601 }, /`seconds`/],
    [{ kind: 'activity', site: 'x.com', seconds: '5' }, /`seconds`/],
    [{ kind: 'activity', site: 'x.com', seconds: 5, day: 'today' }, /`day`/],
  ];
  for (const [fields, message] of bad) {
    assert.throws(() => P.report(fields), (err) => err.code === 'bad_frame' && message.test(err.message), JSON.stringify(fields));
  }
  assert.throws(() => P.report({ ...ok, platform: 'myspace' }), { code: 'unknown_platform' });
});

test('login asks for a dashboard link', () => {
  assert.deepEqual(P.login(), { type: 'login' });
  assert.deepEqual(P.login('l1'), { type: 'login', id: 'l1' });
  assert.equal(P.encode(P.login('l1')), '{"type":"login","id":"l1"}');
});

test('parseServerFrame fills in error.re and message', () => {
  const f = P.parseServerFrame('{"type":"error","code":"internal"}');
  assert.deepEqual(f.re, {});
  assert.equal(f.message, 'internal');
  assert.equal(P.keepsOpen('internal'), true);
  assert.equal(P.keepsOpen('frame_too_large'), false);
});

test('ignore_rule and list_ignored frames; rules_ignored parses', () => {
  assert.deepEqual(P.ignoreRule({ id: 'r1', rule: 'terminology' }), { type: 'ignore_rule', id: 'r1', rule: 'terminology', ignore: true });
  assert.deepEqual(P.ignoreRule({ rule: 'x', ignore: false, brand: 'demo' }), { type: 'ignore_rule', rule: 'x', ignore: false, brand: 'demo' });
  assert.throws(() => P.ignoreRule({ rule: '' }), /rule/);
  assert.deepEqual(P.listIgnored({ id: 'l' }), { type: 'list_ignored', id: 'l' });
  const f = P.parseServerFrame('{"type":"rules_ignored","id":"l","brand":"demo","rules":["a"]}');
  assert.deepEqual(f.rules, ['a']);
  assert.throws(() => P.parseServerFrame('{"type":"rules_ignored","rules":[1]}'), /malformed/);
});
