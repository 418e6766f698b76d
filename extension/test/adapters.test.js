'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { parseHTML } = require('linkedom');
const { PLATFORMS } = require('../src/shared/protocol.js');
require('../src/shared/sites.js'); // loaded before adapters.js, as in the manifest
const A = require('../src/content/adapters.js');

function dom(body) {
  return parseHTML(`<!doctype html><html><head></head><body>${body}</body></html>`).document;
}

// DOM as each editor library renders it (captured from the libraries' output).
const DRAFT_JS = `
<div data-testid="tweetTextarea_0_label">
  <div class="DraftEditor-root">
    <div class="public-DraftEditorPlaceholder-root"><div class="public-DraftEditorPlaceholder-inner">What is happening?!</div></div>
    <div class="DraftEditor-editorContainer"><div class="notranslate public-DraftEditor-content" contenteditable="true" role="textbox" data-testid="tweetTextarea_0"><div data-contents="true"><div data-block="true" data-offset-key="a-0-0"><div class="public-DraftStyleDefault-block public-DraftStyleDefault-ltr"><span data-offset-key="a-0-0"><span data-text="true">Line one</span></span></div></div><div data-block="true" data-offset-key="b-0-0"><div class="public-DraftStyleDefault-block"><span data-offset-key="b-0-0"><br data-text="true"></span></div></div><div data-block="true" data-offset-key="c-0-0"><div class="public-DraftStyleDefault-block"><span data-offset-key="c-0-0"><span data-text="true">Line three 👩‍💻</span></span></div></div></div></div></div>
  </div>
</div>`;

const LEXICAL = `<div contenteditable="true" role="textbox" spellcheck="true" data-lexical-editor="true"><p dir="ltr"><span data-lexical-text="true">Hello</span></p><p><br></p><p dir="ltr"><span data-lexical-text="true">World</span><br><span data-lexical-text="true">again</span></p></div>`;

const QUILL = `<div class="ql-container"><div class="ql-editor" contenteditable="true" data-placeholder="Start a post"><p>First</p><p><br></p><p>Third <strong>bold</strong><span class="ql-cursor">\uFEFF</span></p></div></div>`;

const PROSEMIRROR = `<div class="tiptap ProseMirror" contenteditable="true" role="textbox"><p>One<br>Two</p><p><br class="ProseMirror-trailingBreak"></p><p>Four<br><br class="ProseMirror-trailingBreak"></p></div>`;

test('Draft.js (X): blocks joined by newlines, empty block kept, placeholder left out', () => {
  const doc = dom(DRAFT_JS);
  const [box] = A.findComposeBoxes(A.ADAPTERS.x, doc);
  assert.equal(box.getAttribute('data-testid'), 'tweetTextarea_0');
  assert.equal(A.extractText(box), 'Line one\n\nLine three 👩‍💻');
});

test('Lexical (Facebook, Threads): paragraphs, an empty paragraph, a soft line break', () => {
  const doc = dom(LEXICAL);
  const [box] = A.findComposeBoxes(A.ADAPTERS.facebook, doc);
  assert.equal(A.extractText(box), 'Hello\n\nWorld\nagain');
  assert.equal(A.findComposeBoxes(A.ADAPTERS.threads, doc).length, 1);
});

test('Quill (LinkedIn): cursor anchors and the CSS placeholder are not text', () => {
  const doc = dom(QUILL);
  const [box] = A.findComposeBoxes(A.ADAPTERS.linkedin, doc);
  assert.equal(A.extractText(box), 'First\n\nThird bold');
});

test('ProseMirror (Bluesky): trailing breaks only hold a line open', () => {
  const doc = dom(PROSEMIRROR);
  const [box] = A.findComposeBoxes(A.ADAPTERS.bluesky, doc);
  // "Four" ends with a hard break: the person sees an empty last line.
  assert.equal(A.extractText(box), 'One\nTwo\n\nFour\n');
});

test('empty editors read as empty', () => {
  const cases = [
    '<div class="ql-editor ql-blank" contenteditable="true"><p><br></p></div>',
    '<div contenteditable="true" data-lexical-editor="true"><p><br></p></div>',
    '<div class="ProseMirror" contenteditable="true"><p><br class="ProseMirror-trailingBreak"></p></div>',
    '<div contenteditable="true" data-testid="tweetTextarea_0"><div data-contents="true"><div data-block="true"><div><span><br data-text="true"></span></div></div></div></div>',
    '<div contenteditable="true"></div>',
  ];
  for (const html of cases) {
    const doc = dom(html);
    assert.equal(A.extractText(doc.querySelector('[contenteditable]')), '', html);
  }
});

test('textarea (Mastodon): the value, with CRLF normalised', () => {
  const doc = dom('<form class="compose-form"><textarea class="autosuggest-textarea__textarea"></textarea></form>');
  const [box] = A.findComposeBoxes(A.ADAPTERS.mastodon, doc);
  box.value = 'Toot\r\nsecond line';
  assert.equal(A.extractText(box), 'Toot\nsecond line');
});

test('invisible characters go, joiners and non-breaking spaces read as typed', () => {
  const doc = dom('<div contenteditable="true"><p>Hi\u200B there\u2060\uFEFF,\u00A0you 👨‍👩‍👧</p></div>');
  assert.equal(A.extractText(doc.querySelector('div')), 'Hi there, you 👨‍👩‍👧');
});

test('markup formatting between blocks is not text; our own overlay never is', () => {
  const doc = dom('<div contenteditable="true">\n  <p>a</p>\n  <p>b</p>\n<onbrand-hint>hint</onbrand-hint></div>');
  assert.equal(A.extractText(doc.querySelector('div')), 'a\nb');
});

test('emoji drawn as images count by their alt text', () => {
  const doc = dom('<div contenteditable="true"><p>Nice <img alt="🎉" src="e.png"> work</p></div>');
  assert.equal(A.extractText(doc.querySelector('div')), 'Nice 🎉 work');
});

test('adapterFor: by hostname, Mastodon by DOM, else generic', () => {
  const blank = dom('');
  const cases = {
    'x.com': 'x', 'mobile.twitter.com': 'x', 'www.linkedin.com': 'linkedin', 'm.facebook.com': 'facebook',
    'www.threads.net': 'threads', 'threads.com': 'threads', 'bsky.app': 'bluesky', 'mastodon.social': 'mastodon',
  };
  for (const [host, platform] of Object.entries(cases)) assert.equal(A.adapterFor(host, blank).platform, platform, host);
  assert.equal(A.adapterFor('example.org', blank), A.ADAPTERS.generic);
  assert.equal(A.adapterFor('notx.com', blank), A.ADAPTERS.generic, 'suffix must be a whole label');
  const masto = dom('<div id="mastodon" data-props="{}"></div>');
  assert.equal(A.adapterFor('social.example', masto).platform, 'mastodon');
});

test('findComposeBoxes returns editable roots once, in document order', () => {
  const doc = dom(`
    <div class="ProseMirror" contenteditable="true" id="a"><p contenteditable="true">nested</p></div>
    <div class="ProseMirror" contenteditable="false" id="b"></div>
    <div class="ProseMirror" contenteditable="true" id="c"></div>`);
  assert.deepEqual(A.findComposeBoxes(A.ADAPTERS.bluesky, doc).map((e) => e.id), ['a', 'c']);
});

test('generic adapter: textareas and contenteditable textboxes', () => {
  const doc = dom(`<textarea id="t"></textarea><textarea id="ro" readonly></textarea>
    <div id="ce" contenteditable="true" role="textbox"></div><div id="plain" contenteditable="true"></div>`);
  assert.deepEqual(A.findComposeBoxes(A.ADAPTERS.generic, doc).map((e) => e.id), ['t', 'ce']);
});

test('composeBoxOf finds the box from an element inside it', () => {
  const doc = dom(LEXICAL);
  const span = doc.querySelector('span');
  assert.equal(A.composeBoxOf(A.ADAPTERS.facebook, span), doc.querySelector('[data-lexical-editor]'));
  assert.equal(A.composeBoxOf(A.ADAPTERS.bluesky, span), null);
});

test('reply context (X): the tweet shown above the reply box', () => {
  const doc = dom(`<div role="dialog">
      <article data-testid="tweet"><div data-testid="tweetText"><span>Repairable batteries are a gimmick.</span></div></article>
      ${DRAFT_JS}
      <article data-testid="tweet"><div data-testid="tweetText">A later reply, below the box</div></article>
    </div>`);
  const [box] = A.findComposeBoxes(A.ADAPTERS.x, doc);
  assert.deepEqual(A.replyContext(A.ADAPTERS.x, box), { text: 'Repairable batteries are a gimmick.' });
});

test('reply context is null for a new post', () => {
  const doc = dom(`<div role="dialog">${DRAFT_JS}</div>`);
  const [box] = A.findComposeBoxes(A.ADAPTERS.x, doc);
  assert.equal(A.replyContext(A.ADAPTERS.x, box), null);
  assert.equal(A.replyContext(A.ADAPTERS.generic, box), null);
});

test('reply context (Bluesky): the post text inside the reply preview, not the author', () => {
  const doc = dom(`<div role="dialog">
      <div aria-label="Expand or collapse the full post you are replying to" role="button">
        <div dir="auto">Casey Rider</div><div dir="auto">Does the Brick fit a Tern GSD?</div>
      </div>
      ${PROSEMIRROR}</div>`);
  const [box] = A.findComposeBoxes(A.ADAPTERS.bluesky, doc);
  assert.deepEqual(A.replyContext(A.ADAPTERS.bluesky, box), { text: 'Does the Brick fit a Tern GSD?' });
});

test('reply context (Mastodon): the reply indicator', () => {
  const doc = dom(`<form class="compose-form">
      <div class="reply-indicator"><div class="reply-indicator__content"><p>Any shops in Bend?</p></div></div>
      <textarea class="autosuggest-textarea__textarea"></textarea></form>`);
  const [box] = A.findComposeBoxes(A.ADAPTERS.mastodon, doc);
  assert.deepEqual(A.replyContext(A.ADAPTERS.mastodon, box), { text: 'Any shops in Bend?' });
});

test('reply context (Facebook, LinkedIn): the post a comment box sits under', () => {
  const fb = dom(`<div role="article"><div data-ad-rendering-role="story_message"><div>Our Foster Road shop is open late.</div></div>${LEXICAL}</div>`);
  assert.deepEqual(A.replyContext(A.ADAPTERS.facebook, A.findComposeBoxes(A.ADAPTERS.facebook, fb)[0]),
    { text: 'Our Foster Road shop is open late.' });
  const li = dom(`<div class="feed-shared-update-v2"><div class="update-components-text"><span>We hired 3 technicians.</span></div>
      <div class="comments-comment-box">${QUILL}</div></div>`);
  assert.deepEqual(A.replyContext(A.ADAPTERS.linkedin, A.findComposeBoxes(A.ADAPTERS.linkedin, li)[0]),
    { text: 'We hired 3 technicians.' });
});

test('post buttons and pairing a button with its box', () => {
  const doc = dom(`<div id="home"><div id="c1">${DRAFT_JS}</div><div><button data-testid="tweetButtonInline"><span>Post</span></button></div></div>
    <div role="dialog" id="d">${DRAFT_JS.replace('tweetTextarea_0"', 'tweetTextarea_1"')}<button data-testid="tweetButton">Post</button></div>`);
  const [home, modal] = A.findComposeBoxes(A.ADAPTERS.x, doc);
  const inline = A.postButtonOf(A.ADAPTERS.x, doc.querySelector('[data-testid="tweetButtonInline"] span'));
  assert.ok(inline);
  assert.ok(A.commonDepth(home, inline) > A.commonDepth(modal, inline));
  const modalButton = doc.querySelector('[data-testid="tweetButton"]');
  assert.ok(A.commonDepth(modal, modalButton) > A.commonDepth(home, modalButton));
  assert.equal(A.postButtonOf(A.ADAPTERS.x, doc.querySelector('#c1')), null);
});

test('an adapter for each of the protocol\'s platforms, and the generic one', () => {
  const platforms = Object.entries(A.ADAPTERS).filter(([key]) => key !== 'generic').map(([key, a]) => {
    assert.equal(a.platform, key);
    return key;
  });
  assert.deepEqual(platforms.sort(), [...PLATFORMS].sort());
  assert.equal(A.ADAPTERS.generic.platform, null);
});

test('textMap and domRange turn text offsets into DOM positions', () => {
  const { textMap, domRange, extractText } = require('../src/content/adapters.js');
  const doc = dom('<div id="e" contenteditable="true"><p>Our <b>ebike</b>\u200B!</p><p>I <img alt="🚲"> ride</p></div>');
  const el = doc.getElementById('e');
  const { text, pieces } = textMap(el);
  assert.equal(text, extractText(el));
  assert.equal(text, 'Our ebike!\nI 🚲 ride');
  assert.deepEqual(pieces.map((p) => [p.start, p.end]), [[0, 4], [4, 9], [9, 10], [11, 13], [13, 15], [15, 20]]);
  const r = domRange(el, text.indexOf('ebike'), text.indexOf('ebike') + 5);
  assert.equal(r.startNode.nodeValue, 'ebike');
  assert.deepEqual([r.startOffset, r.endOffset], [0, 5]);
  // "!" sits after a zero-width space the text leaves out.
  const bang = domRange(el, 9, 10);
  assert.deepEqual([bang.startOffset, bang.endOffset], [1, 2]);
  assert.equal(domRange(el, 30, 31), null);
});
