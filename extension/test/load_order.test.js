'use strict';

/*
 * The extension has no bundler: each entry point lists the scripts it loads,
 * in order, and a file may only read the globals of files listed before it.
 * The lists are
 *   the background      manifest background.scripts (Firefox) and, for the
 *                       Chromium service worker, its importScripts(...) call
 *                       followed by the worker itself: the two must be equal
 *   the content scripts manifest content_scripts[*].js
 *   the popup, options  the <script src> tags of their pages
 * This test reads every file's globals (what it sets as root.OnbrandX or
 * globalThis.OnbrandX, and what it reads) and checks each list against them;
 * then that every script is loaded somewhere, and that src/'s folders say who
 * loads a file: shared/ by more than one entry point, background/ and
 * content/ by theirs alone.
 *
 * The files reach each other's globals only as root.X or globalThis.X (root
 * being the UMD wrapper's globalThis): a bare OnbrandX in code fails here, so
 * that convention, which the scan relies on, holds.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const read = (rel) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const manifest = JSON.parse(read('manifest.json'));

// -- reading a script -------------------------------------------------------------

const REGEX_MAY_FOLLOW = new Set([...'(,=:[!&|?{};+-*%<>~^', '']);
const REGEX_AFTER_WORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw']);

/**
 * The code of a script with comments dropped and the insides of strings,
 * template text and regular expressions blanked (a `${...}` in a template is
 * code and is kept), so that a name in a comment or a string is not a use.
 * @param {string} src
 */
function codeOnly(src) {
  let out = '';
  let i = 0;
  /** @type {string[]} */
  const stack = []; // 'tpl' for a template, '{' for a brace opened in code
  let prev = ''; // the last significant code character
  let word = ''; // the last identifier, for regex detection after keywords
  const n = src.length;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (stack[stack.length - 1] === 'tpl') {
      // Inside template text.
      if (c === '\\') {
        out += '  ';
        i += 2;
      } else if (c === '`') {
        out += '`';
        stack.pop();
        prev = '`';
        i++;
      } else if (c === '$' && d === '{') {
        out += '${';
        stack.push('${');
        prev = '{';
        i += 2;
      } else {
        out += blank(c);
        i++;
      }
      continue;
    }
    if (c === '/' && d === '/') {
      const end = src.indexOf('\n', i);
      i = end === -1 ? n : end;
      continue;
    }
    if (c === '/' && d === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out += c + blank(src.slice(i + 1, j)) + c;
      i = j + 1;
      prev = c;
      word = '';
      continue;
    }
    if (c === '`') {
      out += '`';
      stack.push('tpl');
      i++;
      continue;
    }
    if (c === '/' && (REGEX_MAY_FOLLOW.has(prev) || REGEX_AFTER_WORDS.has(word))) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n' && (inClass || src[j] !== '/')) {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        j++;
      }
      out += '/' + blank(src.slice(i + 1, j)) + '/';
      i = j + 1;
      prev = '/re';
      word = '';
      continue;
    }
    if (c === '{') stack.push('{');
    if (c === '}' && stack.length) {
      const top = stack.pop();
      if (top === '${') {
        // Back into the template's text.
        out += '}';
        i++;
        continue;
      }
    }
    out += c;
    if (/[A-Za-z0-9_$]/.test(c)) {
      word = /[A-Za-z0-9_$]/.test(prev) ? word + c : c;
      prev = c;
    } else if (!/\s/.test(c)) {
      prev = c;
      word = '';
    }
    i++;
  }
  return out;
}

const GLOBAL = /\b(Onbrand[A-Z]\w*)\b/g;
const MEMBER = /\b(?:root|globalThis)\.(Onbrand[A-Z]\w*)\b(\s*=(?![=>]))?/g;

/**
 * The Onbrand* globals a script sets and the ones it reads (its own excluded),
 * and any it names bare (outside the root./globalThis. convention).
 * @param {string} src
 */
function globalsOf(src) {
  const code = codeOnly(src);
  /** @type {Set<string>} */
  const defines = new Set();
  /** @type {Set<string>} */
  const uses = new Set();
  for (const m of code.matchAll(MEMBER)) (m[2] ? defines : uses).add(m[1]);
  for (const name of defines) uses.delete(name);
  const bare = [];
  for (const m of code.matchAll(GLOBAL)) {
    const before = code.slice(Math.max(0, m.index - 11), m.index);
    if (!/\b(?:root|globalThis)\.$/.test(before)) bare.push(m[1]);
  }
  return { defines, uses, bare };
}

// -- the entry points ------------------------------------------------------------------

/** Paths as the manifest names them (relative to extension/, no ./ or ../). */
const norm = (p) => path.posix.normalize(p).replace(/^\/+/, '');

/** The scripts the service worker imports, then itself. */
function serviceWorkerList() {
  const worker = manifest.background.service_worker;
  const code = read(worker);
  const calls = [...code.matchAll(/\bimportScripts\(([^)]*)\)/g)];
  assert.equal(calls.length, 1, `${worker}: one importScripts(...) call`);
  const args = [...calls[0][1].matchAll(/'([^']+)'|"([^"]+)"/g)].map((m) => m[1] || m[2]);
  return [...args.map((a) => norm(path.posix.join(path.posix.dirname(worker), a))), worker];
}

/** The local scripts a page loads, in order. */
function pageScripts(page) {
  const html = read(page);
  return [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)]
    .map((m) => norm(path.posix.join(path.posix.dirname(page), m[1])));
}

/** Every entry point's list, with the kind of entry point it is. */
function entryPoints() {
  return [
    { name: 'background.scripts', kind: 'background', files: manifest.background.scripts.map(norm) },
    { name: 'service worker importScripts', kind: 'background', files: serviceWorkerList() },
    ...manifest.content_scripts.map((c, i) => ({ name: `content_scripts[${i}]`, kind: 'content', files: c.js.map(norm) })),
    { name: manifest.action.default_popup, kind: 'popup', files: pageScripts(manifest.action.default_popup) },
    { name: manifest.options_ui.page, kind: 'options', files: pageScripts(manifest.options_ui.page) },
  ];
}

/** The extension's own scripts: src/ and the pages' scripts beside manifest.json. */
function allScripts() {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.js')) out.push(rel);
    }
  };
  walk('src');
  for (const e of fs.readdirSync(ROOT)) if (e.endsWith('.js')) out.push(e);
  return out.sort();
}

// -- the check --------------------------------------------------------------------------

/**
 * What is wrong with one load order: files missing or listed twice, a global
 * read before the file that sets it, or one that no file of the list sets.
 * @param {string} name the entry point, for messages
 * @param {string[]} files in load order
 * @param {Map<string, {defines: Set<string>, uses: Set<string>}>} table per file
 */
function orderProblems(name, files, table) {
  const problems = [];
  /** @type {Map<string, string>} global -> the file of this list that sets it */
  const setBy = new Map();
  files.forEach((f) => {
    for (const g of (table.get(f) || { defines: [] }).defines) setBy.set(g, f);
  });
  files.forEach((f, i) => {
    if (files.indexOf(f) !== i) problems.push(`${name}: ${f} is listed twice`);
    const info = table.get(f);
    if (!info) {
      problems.push(`${name}: ${f} does not exist`);
      return;
    }
    for (const g of info.uses) {
      const by = setBy.get(g);
      if (!by) problems.push(`${name}: ${f} reads ${g}, which no script it loads sets`);
      else if (files.indexOf(by) > i) problems.push(`${name}: ${f} reads ${g} but ${by} comes after it`);
    }
  });
  return problems;
}

function table() {
  const t = new Map();
  for (const f of allScripts()) t.set(f, globalsOf(read(f)));
  return t;
}

// -- tests ---------------------------------------------------------------------------------

test('the scan: a name in a comment, a string or a regex is not a use', () => {
  const src = [
    '/* reads root.OnbrandA */',
    "// globalThis.OnbrandB too",
    "const s = 'root.OnbrandC'; const r = /root\\.OnbrandD/; const u = `ws://x/${globalThis.OnbrandE.x}/*`;",
    '(function (root) { const { x } = root.OnbrandF; root.OnbrandG = { x }; if (a == root.OnbrandH) {} })(globalThis);',
    'const bare = OnbrandI;',
  ].join('\n');
  const g = globalsOf(src);
  assert.deepEqual([...g.defines], ['OnbrandG']);
  assert.deepEqual([...g.uses].sort(), ['OnbrandE', 'OnbrandF', 'OnbrandH']);
  assert.deepEqual(g.bare, ['OnbrandI']);
});

test('the check fails a file loaded before what it reads, or without it', () => {
  const t = new Map([
    ['a.js', { defines: new Set(['OnbrandA']), uses: new Set() }],
    ['b.js', { defines: new Set(['OnbrandB']), uses: new Set(['OnbrandA']) }],
  ]);
  assert.deepEqual(orderProblems('x', ['a.js', 'b.js'], t), []);
  assert.deepEqual(orderProblems('x', ['b.js', 'a.js'], t), ['x: b.js reads OnbrandA but a.js comes after it']);
  assert.deepEqual(orderProblems('x', ['b.js'], t), ['x: b.js reads OnbrandA, which no script it loads sets']);
  assert.deepEqual(orderProblems('x', ['a.js', 'c.js', 'a.js'], t),
    ['x: c.js does not exist', 'x: a.js is listed twice']);
});

test('scripts reach each other\'s globals only through root. or globalThis.', () => {
  for (const [f, g] of table()) assert.deepEqual(g.bare, [], `${f} names ${g.bare.join(', ')} bare`);
});

test('each global is set by exactly one script', () => {
  const setBy = new Map();
  for (const [f, g] of table()) {
    for (const name of g.defines) {
      assert.ok(!setBy.has(name), `${name} is set by ${setBy.get(name)} and ${f}`);
      setBy.set(name, f);
    }
  }
  assert.ok(setBy.has('OnbrandProtocol'), 'the scan finds protocol.js\'s global');
});

test('every entry point loads each script after the scripts whose globals it reads', () => {
  const t = table();
  const problems = entryPoints().flatMap((e) => orderProblems(e.name, e.files, t));
  assert.deepEqual(problems, []);
});

test('the service worker imports what background.scripts lists, in the same order', () => {
  const [scripts, worker] = entryPoints().filter((e) => e.kind === 'background');
  assert.deepEqual(worker.files, scripts.files);
  assert.equal(scripts.files[scripts.files.length - 1], manifest.background.service_worker);
});

test('every script is loaded by an entry point, and src/\'s folders say which', () => {
  const loadedBy = new Map(allScripts().map((f) => [f, new Set()]));
  for (const e of entryPoints()) for (const f of e.files) loadedBy.get(f)?.add(e.kind);
  for (const [f, kinds] of loadedBy) {
    assert.ok(kinds.size > 0, `${f} is loaded by no entry point`);
    const folder = f.startsWith('src/') ? f.split('/')[1] : null;
    if (folder === 'shared') assert.ok(kinds.size > 1, `${f} is in shared/ but only the ${[...kinds]} loads it`);
    else if (folder === 'background' || folder === 'content') {
      assert.deepEqual([...kinds], [folder], `${f} is in ${folder}/ but ${[...kinds].join(', ')} load it`);
    } else if (folder !== null) assert.fail(`${f}: src/ holds shared/, background/ and content/ only`);
  }
});

module.exports = { codeOnly, globalsOf, orderProblems };
