'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { PLATFORMS } = require('../src/shared/protocol.js');
const Sites = require('../src/shared/sites.js');

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'manifest.json'), 'utf8'));

test('siteKey groups a site’s hosts under one setting', () => {
  assert.equal(Sites.siteKey('twitter.com'), 'x.com');
  assert.equal(Sites.siteKey('www.linkedin.com'), 'linkedin.com');
  assert.equal(Sites.siteKey('www.threads.com'), 'threads.net');
  assert.equal(Sites.siteKey('fosstodon.org'), 'mastodon');
  assert.equal(Sites.siteKey('www.Example.org'), 'example.org');
});

test('siteFor: a host and its subdomains, whole labels only', () => {
  assert.equal(Sites.siteFor('mobile.twitter.com').key, 'x.com');
  assert.equal(Sites.siteFor('BSKY.APP').platform, 'bluesky');
  assert.equal(Sites.siteFor('notx.com'), null);
  assert.equal(Sites.siteFor(''), null);
});

test('every built-in site is on one of the protocol\'s platforms, and each platform has a site', () => {
  for (const s of Sites.SITES) assert.ok(PLATFORMS.includes(s.platform), s.key);
  assert.deepEqual([...new Set(Sites.SITES.map((s) => s.platform))].sort(), [...PLATFORMS].sort());
});

test('the manifest\'s content scripts match exactly the built-in sites\' hosts', () => {
  const matches = manifest.content_scripts.flatMap((c) => c.matches);
  const hosts = matches.map((m) => {
    const found = /^\*:\/\/(\*\.)?([^/*]+)\/\*$/.exec(m);
    assert.ok(found, `unexpected match pattern ${m}`);
    return found[2];
  });
  assert.deepEqual(hosts.sort(), Sites.SITES.flatMap((s) => s.hosts).sort());
});
