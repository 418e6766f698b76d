'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { DraftSchedule, changedALot } = require('../src/shared/schedule.js');

function setup(t, options = {}) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const sent = [];
  const s = new DraftSchedule({ send: (f) => sent.push(f), ...options });
  return { s, sent, tick: (ms) => t.mock.timers.tick(ms) };
}

test('sends once after a pause in typing, with the newest text', (t) => {
  const { s, sent, tick } = setup(t);
  for (const text of ['H', 'He', 'Hel', 'Hell', 'Hello']) {
    s.update(text);
    tick(100);
  }
  assert.deepEqual(sent, []);
  tick(200);
  assert.deepEqual(sent, [{ seq: 0, text: 'Hello' }]);
});

test('seq rises with each send', (t) => {
  const { s, sent, tick } = setup(t);
  s.update('a');
  tick(300);
  s.update('ab');
  tick(300);
  s.update('abc');
  tick(300);
  assert.deepEqual(sent.map((f) => f.seq), [0, 1, 2]);
});

test('the pause is configurable', (t) => {
  const { s, sent, tick } = setup(t, { delayMs: 50 });
  s.update('x');
  tick(49);
  assert.equal(sent.length, 0);
  tick(1);
  assert.equal(sent.length, 1);
});

test('long continuous typing still sends every maxWaitMs', (t) => {
  const { s, sent, tick } = setup(t, { delayMs: 300, maxWaitMs: 1000 });
  let text = '';
  for (let i = 0; i < 25; i++) {
    text += 'x';
    s.update(text);
    tick(100); // never a 300 ms pause
  }
  assert.equal(sent.length, 2);
  assert.equal(sent[0].text.length, 10);
  assert.equal(sent[1].text.length, 20);
});

test('typing back to the text already sent sends nothing', (t) => {
  const { s, sent, tick } = setup(t);
  s.update('Hello');
  tick(300);
  s.update('Hello!');
  tick(100);
  s.update('Hello');
  tick(1000);
  assert.deepEqual(sent.map((f) => f.text), ['Hello']);
});

test('analyses older than the newest answered are ignored', (t) => {
  const { s, tick } = setup(t);
  for (const text of ['a', 'ab', 'abc']) {
    s.update(text);
    tick(300);
  }
  assert.equal(s.busy, true);
  assert.equal(s.accept(2), true);
  assert.equal(s.busy, false);
  assert.equal(s.accept(1), false, 'stale');
  assert.equal(s.accept(2), true, 'the same seq again (a resend after reconnect) is fine');
  assert.equal(s.accept(3), false, 'never sent');
  assert.equal(s.accept('2'), false);
});

test('an older analysis is shown while a newer one is in flight', (t) => {
  const { s, tick } = setup(t);
  s.update('a');
  tick(300);
  s.update('ab');
  tick(300);
  assert.equal(s.accept(0), true);
  assert.equal(s.busy, true, 'seq 1 still in flight');
  assert.equal(s.accept(1), true);
});

test('newest() is what to resend after a reconnect', (t) => {
  const { s, tick } = setup(t);
  assert.equal(s.newest(), null);
  s.update('first');
  tick(300);
  s.update('second');
  assert.deepEqual(s.newest(), { seq: 0, text: 'first' }, 'pending text is not sent yet');
  tick(300);
  assert.deepEqual(s.newest(), { seq: 1, text: 'second' });
});

test('clear() drops a pending send and forgets the last text', (t) => {
  const { s, sent, tick } = setup(t);
  s.update('Hello');
  tick(300);
  s.update('Hello there');
  s.clear();
  tick(1000);
  assert.equal(sent.length, 1);
  s.update('Hello');
  tick(300);
  assert.deepEqual(sent.map((f) => [f.seq, f.text]), [[0, 'Hello'], [1, 'Hello']]);
});

test('flush() sends at once', (t) => {
  const { s, sent } = setup(t);
  s.update('now');
  assert.deepEqual(s.flush(), { seq: 0, text: 'now' });
  assert.equal(s.flush(), null);
  assert.equal(sent.length, 1);
});

test('changedALot: emptied or mostly rewritten', () => {
  const base = 'Our new shop in Astoria opens on Saturday at 10 a.m.';
  assert.equal(changedALot(base, base + ' Come by!'), false);
  assert.equal(changedALot(base, base.replace('Saturday', 'Sunday')), false);
  assert.equal(changedALot(base, ''), true);
  assert.equal(changedALot(base, '   '), true);
  assert.equal(changedALot(base, 'Something else entirely, about batteries.'), true);
  assert.equal(changedALot('', ''), true);
});
