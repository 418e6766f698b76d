'use strict';

/*
 * The extension's own words (_locales/<lang>/messages.json): every locale has
 * the same keys with the same placeholders, every key the code, the pages and
 * the manifest use exists, none is left unused, and each call passes as many
 * values as its message has placeholders. Keys are read from the source as
 * written: t('key', …) and rich('key', …) in scripts, data-i18n*="key" in
 * pages, __MSG_key__ in the manifest; a key built at run time would escape
 * this test, so a call with anything but a string literal first fails it.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const read = (rel) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const manifest = JSON.parse(read('manifest.json'));
const LOCALES = fs.readdirSync(path.join(ROOT, '_locales')).sort();
const messages = Object.fromEntries(LOCALES.map((l) => [l, JSON.parse(read(`_locales/${l}/messages.json`))]));

/** Every script and page of the extension (not tests, tooling or node_modules). */
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', 'test', 'tools', 'types', '_locales', 'icons'].includes(e.name)) walk(rel);
      } else if (/\.(js|html)$/.test(e.name) && !/\.config\.|web-ext-config/.test(e.name)) {
        out.push(rel);
      }
    }
  };
  walk('.');
  return out.map((f) => f.replace(/^\.\//, ''));
}

/** Source with /* … *\/ and // comments removed (a comment that names t('x') is no use). */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/**
 * The arguments after the key of the call starting at `open` (the index of its
 * "("): how many there are, counted at the call's own depth.
 */
function extraArgs(src, open) {
  let depth = 0;
  let commas = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === "'" || c === '"' || c === '`') {
      // Skip the string (templates: ${…} may not hold the closing quote here).
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      depth--;
      if (depth === 0) return commas;
    } else if (c === ',' && depth === 1) commas++;
  }
  throw new Error('unclosed call');
}

/** [{file, key, args (or null for a page or the manifest)}] of every use of a key. */
function uses() {
  const out = [];
  for (const file of sources()) {
    const src = file.endsWith('.js') ? stripComments(read(file)) : read(file);
    if (file.endsWith('.js')) {
      for (const m of src.matchAll(/(?<![\w.$])(t|rich)\(\s*([^\s)])/g)) {
        const open = /** @type {number} */ (m.index) + m[1].length;
        const lit = src.slice(open + 1).match(/^\s*'([^']*)'/);
        // The helper itself passes its callers' keys through.
        if (!lit && file === 'src/shared/i18n.js') continue;
        assert.ok(lit, `${file}: ${m[1]}(…) must name its key as a string literal: ${src.slice(m.index, m.index + 40)}`);
        out.push({ file, key: lit[1], args: extraArgs(src, open) });
      }
    }
    for (const m of src.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]*)"/g)) out.push({ file, key: m[1], args: null });
  }
  const walk = (v) => {
    if (typeof v === 'string') for (const m of v.matchAll(/__MSG_(\w+)__/g)) out.push({ file: 'manifest.json', key: m[1], args: null });
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(manifest);
  return out;
}

/** A message's placeholder names (lower case) as its text uses them. */
const usedNames = (entry) => [...new Set([...entry.message.matchAll(/\$(\w+)\$/g)].map((m) => m[1].toLowerCase()))].sort();
const declared = (entry) => Object.keys(entry.placeholders || {}).map((n) => n.toLowerCase()).sort();

test('the manifest defaults to English and names itself from the messages', () => {
  assert.equal(manifest.default_locale, 'en');
  assert.deepEqual(LOCALES, ['en', 'id']);
  assert.match(manifest.name, /^__MSG_\w+__$/);
  assert.match(manifest.description, /^__MSG_\w+__$/);
  for (const [name, c] of Object.entries(manifest.commands || {})) assert.match(c.description, /^__MSG_\w+__$/, name);
});

test('every locale has exactly the keys of English', () => {
  const en = Object.keys(messages.en).sort();
  for (const l of LOCALES) {
    const keys = Object.keys(messages[l]).sort();
    assert.deepEqual(keys.filter((k) => !en.includes(k)), [], `${l}: keys English lacks`);
    assert.deepEqual(en.filter((k) => !keys.includes(k)), [], `${l}: keys missing`);
    for (const k of keys) {
      assert.match(k, /^[a-z0-9_]+$/, `${l}: ${k} (browsers fold key case; keep them lower case)`);
      assert.equal(typeof messages[l][k].message, 'string', `${l}: ${k}`);
      assert.ok(messages[l][k].message.trim(), `${l}: ${k} is empty`);
    }
  }
});

test('placeholders match across locales and are all used', () => {
  for (const [k, en] of Object.entries(messages.en)) {
    for (const l of LOCALES) {
      const m = messages[l][k];
      assert.deepEqual(usedNames(m), declared(m), `${l}: ${k}: the text's $NAME$s and its placeholders differ`);
      assert.deepEqual(declared(m), declared(en), `${l}: ${k}: placeholders differ from English`);
      for (const [name, p] of Object.entries(m.placeholders || {})) {
        const enP = Object.entries(en.placeholders).find(([n]) => n.toLowerCase() === name.toLowerCase());
        assert.equal(p.content, enP[1].content, `${l}: ${k}: $${name}$ takes another argument than in English`);
      }
      // A lone "$" followed by a letter would be read as a placeholder: "$$" is a dollar.
      assert.doesNotMatch(m.message.replace(/\$\$/g, '').replace(/\$\w+\$/g, ''), /\$/, `${l}: ${k}: stray $`);
    }
  }
});

test('every key the source uses exists in every locale, with its number of values', () => {
  const found = uses();
  assert.ok(found.length > 100, `only ${found.length} uses found: is the scan still reading the code?`);
  for (const { file, key, args } of found) {
    for (const l of LOCALES) assert.ok(Object.hasOwn(messages[l], key), `${file}: ${key} is missing in ${l}`);
    const want = declared(messages.en[key]).length;
    if (args === null) assert.equal(want, 0, `${file}: ${key} takes ${want} values, and a page or the manifest gives none`);
    else assert.equal(args, want, `${file}: ${key} is given ${args} values for ${want} placeholders`);
  }
});

test('no key is unused', () => {
  const used = new Set(uses().map((u) => u.key));
  assert.deepEqual(Object.keys(messages.en).filter((k) => !used.has(k)), []);
});

test('only the helper reads the i18n API', () => {
  for (const file of sources()) {
    if (file === 'src/shared/i18n.js') continue;
    assert.doesNotMatch(stripComments(read(file)), /getMessage|\.i18n\b/, file);
  }
});

test('the Indonesian words of the card, the badge and the popup', () => {
  const id = (k) => messages.id[k].message;
  assert.equal(id('card_apply_title').includes('$TEXT$'), true);
  for (const [k, want] of Object.entries({
    card_approve: 'Setujui teks ini', card_ignore: 'Abaikan', state_offline: 'Agen tidak aktif',
    popup_pair_button: 'Pasangkan', verdict_ok_short: 'Aman', verdict_unknown_short: 'Cek', verdict_repeat_short: 'Mengulang',
  })) assert.equal(id(k), want, k);
  // Everything the person reads is translated, except names and commands.
  const same = Object.keys(messages.en).filter((k) => messages.en[k].message === messages.id[k].message);
  assert.equal(messages.id.ui_lang.message, 'id');
  assert.deepEqual(same.sort(), ['ext_name', 'options_col_brand', 'options_port', 'popup_brand_label', 'severity_info']);
});

test('in node the helper fills the English messages as the browser does', () => {
  const { t, locale } = require('../src/shared/i18n.js');
  assert.equal(locale(), 'en');
  assert.equal(t('card_more', 3), '3 more');
  assert.equal(t('card_apply_title', 'ebike', 'e-bike'), "Replace 'ebike' with 'e-bike'");
  assert.equal(t('status_saved_brand', 'acme', 7), 'Saved to acme approved posts (#7)');
  assert.equal(t('no_such_key'), 'no_such_key', 'a missing key shows itself, never nothing');
});

test('rich() turns `commands` into code elements, never HTML', () => {
  const { parseHTML } = require('linkedom');
  const { document } = parseHTML('<!doctype html><p></p>');
  const saved = globalThis.document;
  globalThis.document = document;
  try {
    const { rich } = require('../src/shared/i18n.js');
    const parts = rich('card_offline_notice');
    assert.equal(parts.length, 3);
    assert.equal(parts[1].tagName, 'CODE');
    assert.equal(parts[1].textContent, 'onbrand serve');
    assert.equal(typeof parts[0], 'string');
  } finally {
    globalThis.document = saved;
  }
});
