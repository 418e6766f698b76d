'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
require('../src/shared/protocol.js');
require('../src/shared/sites.js');
require('../src/shared/schedule.js');
const S = require('../src/shared/settings.js');

test('defaults: local-only, learning off, the protocol port', () => {
  const { settings, locked } = S.merge(undefined, {});
  assert.equal(settings.privacyMode, 'local-only');
  assert.equal(settings.learnFromPosts, false);
  assert.equal(settings.goalBadge, false, 'the goal badge is opt-in');
  assert.equal(settings.port, 47615);
  assert.equal(settings.host, '127.0.0.1');
  assert.equal(settings.debounceMs, 300, 'schedule.js\'s DEFAULT_DELAY_MS');
  assert.equal(settings.reportIntervalS, 60);
  assert.equal(settings.activeIdleS, 60);
  assert.equal(settings.sessionIdleS, 300);
  assert.equal(locked.size, 0);
});

test('report timings: a valid choice is kept, anything else gets the default', () => {
  const { settings } = S.merge({ reportIntervalS: 2, activeIdleS: 30, sessionIdleS: 20 }, {});
  assert.deepEqual([settings.reportIntervalS, settings.activeIdleS, settings.sessionIdleS], [2, 30, 20]);
  const bad = S.merge({ reportIntervalS: 0, activeIdleS: 'x', sessionIdleS: 1e9 }, {}).settings;
  assert.deepEqual([bad.reportIntervalS, bad.activeIdleS, bad.sessionIdleS], [60, 60, 300]);
});

test('agentUrl: loopback only', () => {
  assert.equal(S.agentUrl({ host: '127.0.0.1', port: 47615 }), 'ws://127.0.0.1:47615/ws');
  assert.equal(S.agentUrl({ host: 'localhost', port: 5000 }), 'ws://localhost:5000/ws');
  assert.equal(S.agentUrl({ host: '::1', port: 5000 }), 'ws://[::1]:5000/ws');
  assert.equal(S.agentUrl({ host: '[::1]', port: 5000 }), 'ws://[::1]:5000/ws');
  for (const host of ['192.168.1.5', 'agent.example.com', '10.0.0.1', '127.0.0.1.evil.com', '0.0.0.0']) {
    assert.throws(() => S.agentUrl({ host, port: 47615 }), /Local-only/, host);
  }
  assert.throws(() => S.agentUrl({ host: '127.0.0.1', port: 70000 }), /port/);
});

test('policy wins over the person’s choices and locks what it sets', () => {
  const local = { port: 5000, privacyMode: 'local-only', learnFromPosts: true, sites: { 'x.com': { enabled: false } } };
  const managed = {
    port: 6000, privacyMode: 'paused', learnFromPosts: false, goalBadge: true,
    enabledSites: ['x.com', 'mastodon.example'], disabledSites: ['www.facebook.com'], siteBrands: { 'linkedin.com': 'acme' },
  };
  const { settings, locked } = S.merge(local, managed);
  assert.equal(settings.port, 6000);
  assert.equal(settings.privacyMode, 'paused');
  assert.equal(settings.learnFromPosts, false);
  assert.equal(S.siteState(settings, 'x.com').enabled, true);
  assert.equal(S.siteState(settings, 'facebook.com').enabled, false);
  assert.equal(S.siteState(settings, 'mastodon.example').enabled, true);
  assert.equal(S.siteState(settings, 'www.linkedin.com').brand, 'acme');
  assert.equal(settings.goalBadge, true);
  for (const k of ['port', 'privacyMode', 'learnFromPosts', 'goalBadge', 'site:x.com', 'site:facebook.com', 'brand:linkedin.com']) {
    assert.ok(locked.has(k), k);
  }
  assert.deepEqual(S.customSites(settings), ['mastodon.example']);
});

test('invalid policy values are ignored', () => {
  const { settings, locked } = S.merge({}, { port: 'x', privacyMode: 'off', learnFromPosts: 'yes', goalBadge: 1 });
  assert.equal(settings.port, 47615);
  assert.equal(settings.privacyMode, 'local-only');
  assert.equal(locked.size, 0);
});

test('siteState: built-in sites default on, others off until enabled', () => {
  const { settings } = S.merge({}, {});
  assert.deepEqual(S.siteState(settings, 'twitter.com'), { key: 'x.com', builtIn: true, enabled: true, brand: null });
  assert.equal(S.siteState(settings, 'example.org').enabled, false);
  const patched = { ...settings, ...S.sitePatch(settings, 'example.org', { enabled: true, custom: true }) };
  assert.equal(S.siteState(patched, 'www.example.org').enabled, true);
  assert.deepEqual(S.customSites(patched), ['example.org']);
  const off = { ...patched, ...S.sitePatch(patched, 'example.org', { enabled: false }) };
  assert.deepEqual(S.customSites(off), []);
  assert.equal(off.sites['example.org'].custom, true, 'other fields kept');
});

test('save refuses non-loopback hosts and locked keys', async () => {
  const store = { local: {}, managed: { port: 6000 } };
  globalThis.chrome = {
    storage: {
      local: {
        get: async (keys) => Object.fromEntries([].concat(keys).filter((k) => k in store.local).map((k) => [k, store.local[k]])),
        set: async (obj) => Object.assign(store.local, obj),
      },
      managed: { get: async () => store.managed },
    },
  };
  try {
    await assert.rejects(S.save({ host: 'agent.example.com' }), /Local-only/);
    await assert.rejects(S.save({ port: 5000 }), /administrator/);
    await S.save({ learnFromPosts: true });
    const { settings } = await S.load();
    assert.equal(settings.learnFromPosts, true);
    assert.equal(settings.port, 6000);
  } finally {
    delete globalThis.chrome;
  }
});

test('readers use the policy copy the background keeps', async () => {
  const store = { local: {}, managed: { privacyMode: 'paused' } };
  let managedReads = 0;
  globalThis.chrome = {
    storage: {
      local: {
        get: async (keys) => Object.fromEntries([].concat(keys).filter((k) => k in store.local).map((k) => [k, store.local[k]])),
        set: async (obj) => Object.assign(store.local, obj),
      },
      managed: { get: async () => { managedReads++; return store.managed; } },
    },
  };
  try {
    // No copy yet: the real policy is read.
    assert.equal((await S.load()).settings.privacyMode, 'paused');
    assert.equal(managedReads, 1);
    await S.mirrorPolicy();
    assert.deepEqual(store.local.policy, { privacyMode: 'paused' });
    managedReads = 0;
    const { settings, locked } = await S.load();
    assert.equal(settings.privacyMode, 'paused');
    assert.ok(locked.has('privacyMode'));
    assert.equal(managedReads, 0, 'the copy is enough');
  } finally {
    delete globalThis.chrome;
  }
});
