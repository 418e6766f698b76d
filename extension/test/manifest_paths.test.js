'use strict';

/*
 * Every file the manifest and the extension's pages name exists: a moved
 * script that a list still names at its old path would otherwise show only
 * when a browser loads the extension.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.json'), 'utf8'));

const exists = (rel) => fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false })?.isFile() === true;

/** Every string in the manifest that names a file (by its extension), with where it is. */
function manifestFiles(value, where = 'manifest', out = []) {
  if (typeof value === 'string') {
    if (/\.(js|mjs|html|css|json|png|svg)$/i.test(value)) out.push([where, value]);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) manifestFiles(v, `${where}.${k}`, out);
  }
  return out;
}

/** The local files a page refers to: scripts, stylesheets, images and links. */
function pageFiles(page) {
  const html = fs.readFileSync(path.join(ROOT, page), 'utf8');
  return [...html.matchAll(/<(?:script|link|img|a)\b[^>]*\b(?:src|href)="([^"#?]+)/g)]
    .map((m) => m[1])
    .filter((ref) => !/^[a-z][a-z0-9+.-]*:/i.test(ref))
    .map((ref) => path.posix.normalize(path.posix.join(path.posix.dirname(page), ref)));
}

test('every file the manifest names exists', () => {
  const files = manifestFiles(manifest);
  // The keys this has to cover, so a change to the walk cannot silently skip them.
  for (const key of ['background.service_worker', 'background.scripts', 'content_scripts.0.js',
    'action.default_popup', 'options_ui.page', 'icons']) {
    assert.ok(files.some(([where]) => where.startsWith(`manifest.${key}`)), `no file found under ${key}`);
  }
  const missing = files.filter(([, f]) => !exists(f)).map(([where, f]) => `${where}: ${f}`);
  assert.deepEqual(missing, []);
});

test('every local file the popup and options pages name exists', () => {
  for (const page of [manifest.action.default_popup, manifest.options_ui.page]) {
    const files = pageFiles(page);
    assert.ok(files.some((f) => f.endsWith('.js')), `${page}: no script found`);
    assert.deepEqual(files.filter((f) => !exists(f)), [], page);
  }
});

test('the check notices a missing file', () => {
  assert.equal(exists('src/no-such-file.js'), false);
  assert.equal(exists('manifest.json'), true);
  assert.deepEqual(manifestFiles({ a: ['x.js', '*://*.x.com/*'], b: { c: 'y.png' } }),
    [['manifest.a.0', 'x.js'], ['manifest.b.c', 'y.png']]);
});
