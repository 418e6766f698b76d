/*
 * Styles of the <onbrand-hint> overlay, inside its shadow root: the page's CSS
 * cannot reach in and ours cannot leak out. Kept as a string so the content
 * script needs no web_accessible_resources (which pages could probe).
 */
(function (root) {
  'use strict';

  root.OnbrandOverlayCss = String.raw`
:host {
  all: initial;
  /* A 1-pixel origin at the viewport's corner: every part inside is placed in
     viewport coordinates, and only the parts themselves take the pointer. */
  position: fixed !important;
  left: 0 !important;
  top: 0 !important;
  width: 1px !important;
  height: 1px !important;
  z-index: 2147483646 !important;
  display: block;
  pointer-events: none !important;
  --bg: #ffffff;
  --bg-soft: #f6f8fa;
  --fg: #1f2328;
  --muted: #59636e;
  --border: rgba(31, 35, 40, 0.14);
  --shadow: 0 1px 2px rgba(31, 35, 40, 0.12), 0 8px 24px rgba(31, 35, 40, 0.16);
  --good: #1a7f37;
  --warn: #9a6700;
  --bad: #cf222e;
  --idle: #8c959f;
  --info: #0969da;
  --accent: #0e7c66;
  --accent-fg: #ffffff;
  --track: rgba(31, 35, 40, 0.10);
  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg);
  -webkit-font-smoothing: antialiased;
}
:host([data-theme="dark"]) {
  --bg: #1f242c;
  --bg-soft: #161b22;
  --fg: #e6edf3;
  --muted: #9198a1;
  --border: rgba(240, 246, 252, 0.16);
  --shadow: 0 1px 2px rgba(0, 0, 0, 0.5), 0 8px 24px rgba(0, 0, 0, 0.5);
  --good: #3fb950;
  --warn: #d29922;
  --bad: #f85149;
  --idle: #6e7681;
  --info: #58a6ff;
  --accent: #2bb594;
  --accent-fg: #0d1117;
  --track: rgba(240, 246, 252, 0.12);
}
:host([hidden]) { display: none !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
button { font: inherit; color: inherit; }

/* -- underlines: under the editor's text, letting the pointer through -------- */
.marks { position: absolute; left: 0; top: 0; }
.underline {
  position: absolute;
  height: 2px;
  border-radius: 1px;
  background: var(--tone, var(--warn));
  opacity: 0.9;
  pointer-events: none;
}
.mirror {
  position: absolute;
  visibility: hidden;
  overflow: hidden;
  white-space: pre-wrap;
  pointer-events: none;
  border-style: solid;
  border-color: transparent;
}

/* -- badge ---------------------------------------------------------------- */
.badge {
  position: absolute;
  pointer-events: auto;
  display: inline-flex;
  align-items: center;
  gap: 6px;
  height: 24px;
  padding: 0 8px 0 5px;
  border: 1px solid var(--border);
  border-radius: 12px;
  background: var(--bg);
  box-shadow: var(--shadow);
  cursor: pointer;
  user-select: none;
  white-space: nowrap;
  transition: box-shadow 120ms ease, transform 120ms ease;
}
.badge:hover { transform: translateY(-1px); }
.badge:focus-visible, .panel button:focus-visible, .panel a:focus-visible {
  outline: 2px solid var(--accent);
  outline-offset: 2px;
}
.mark {
  position: relative;
  flex: none;
  width: 14px;
  height: 14px;
  border-radius: 50%;
  border: 2px solid var(--tone, var(--idle));
}
.mark::after {
  content: "";
  position: absolute;
  inset: 2px;
  border-radius: 50%;
  background: var(--tone, var(--idle));
}
.label {
  font-size: 12px;
  font-weight: 600;
  color: var(--tone, var(--muted));
}
.label:empty { display: none; }
.count {
  min-width: 18px;
  height: 16px;
  padding: 0 5px;
  border-radius: 8px;
  background: var(--tone, var(--idle));
  color: var(--bg);
  font-size: 11px;
  font-weight: 700;
  line-height: 16px;
  text-align: center;
}

[data-tone="good"] { --tone: var(--good); }
[data-tone="warn"] { --tone: var(--warn); }
[data-tone="bad"] { --tone: var(--bad); }
[data-tone="idle"] { --tone: var(--idle); }
[data-tone="info"] { --tone: var(--info); }

/* Analyzing or connecting: the mark's ring turns; the last result stays shown. */
:host([data-state="analyzing"]) .badge .mark,
:host([data-state="connecting"]) .badge .mark {
  border-color: var(--track);
  border-top-color: var(--tone, var(--accent));
  animation: spin 0.9s linear infinite;
}
:host([data-state="offline"]) .badge,
:host([data-state="unpaired"]) .badge,
:host([data-state="error"]) .badge { opacity: 0.92; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) {
  .mark { animation: none !important; }
  .badge { transition: none; }
}

/* -- panel ---------------------------------------------------------------- */
.panel {
  position: absolute;
  pointer-events: auto;
  display: flex;
  flex-direction: column;
  width: 344px;
  max-width: calc(100vw - 16px);
  max-height: min(520px, 72vh);
  overflow: hidden;
  background: var(--bg);
  border: 1px solid var(--border);
  border-radius: 12px;
  box-shadow: var(--shadow);
  cursor: default;
  user-select: text;
}
header {
  flex: none;
  display: flex;
  align-items: flex-start;
  gap: 10px;
  padding: 12px 8px 10px 14px;
  background: var(--bg);
  border-bottom: 1px solid var(--border);
}
header .mark { margin-top: 3px; }
header .heading { flex: 1; min-width: 0; }
h2 { margin: 0; font-size: 15px; font-weight: 650; line-height: 1.3; color: var(--fg); }
.sub { margin: 2px 0 0; color: var(--muted); font-size: 12px; }
.icon {
  flex: none;
  display: grid;
  place-items: center;
  width: 26px;
  height: 26px;
  border: 0;
  border-radius: 6px;
  background: transparent;
  color: var(--muted);
  font-size: 18px;
  line-height: 1;
  cursor: pointer;
}
.icon:hover { background: var(--bg-soft); color: var(--fg); }
.top {
  flex: none;
  padding: 6px 14px 6px;
  border-bottom: 1px solid var(--border);
}
.top .summary { margin: 2px 0 6px; }
.top .scores { padding: 0; }
.top .score { padding: 1px 0; }
.top .score .why {
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
}
.body {
  flex: 1 1 auto;
  min-height: 0;
  overflow: auto;
  overscroll-behavior: contain;
  padding: 4px 14px 12px;
}
section { padding: 10px 0 2px; }
section + section { border-top: 1px solid var(--border); margin-top: 8px; }
h3 {
  margin: 0 0 6px;
  font-size: 11px;
  font-weight: 600;
  letter-spacing: 0.04em;
  text-transform: uppercase;
  color: var(--muted);
}
.notice { margin: 4px 0; color: var(--fg); }
.notice code, .hint code {
  font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  padding: 1px 4px;
  border-radius: 4px;
  background: var(--bg-soft);
  border: 1px solid var(--border);
}
ul { list-style: none; margin: 0; padding: 0; }
.score { display: grid; grid-template-columns: 92px 1fr 28px; align-items: center; gap: 2px 10px; padding: 4px 0; }
.score .name { font-weight: 500; }
.score .bar { height: 6px; border-radius: 3px; background: var(--track); overflow: hidden; }
.score .bar > b { display: block; height: 100%; border-radius: 3px; background: var(--tone, var(--idle)); }
.score .value { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }
.score .why { grid-column: 2 / 4; color: var(--muted); font-size: 12px; }
.hint { display: flex; gap: 8px; padding: 5px 4px; margin: 0 -4px; border-radius: 6px; }
.hint.focus { background: var(--bg-soft); outline: 1px solid var(--border); }
.hint-body { min-width: 0; flex: 1; }
.msg { margin: 0; }
.actions { display: flex; flex-wrap: wrap; gap: 4px 6px; margin-top: 4px; }
.actions button, button.more {
  height: 24px;
  padding: 0 8px;
  border: 1px solid var(--border);
  border-radius: 6px;
  background: var(--bg-soft);
  font-size: 12px;
  cursor: pointer;
}
.actions button:hover, button.more:hover { border-color: var(--muted); }
.actions .apply { background: var(--accent); color: var(--accent-fg); border-color: transparent; font-weight: 600; }
p.more { margin: 4px 0 0; color: var(--muted); font-size: 12px; }
button.more { margin-top: 4px; }
.hint .sev {
  flex: none;
  width: 16px;
  height: 16px;
  margin-top: 1px;
  border-radius: 50%;
  display: grid;
  place-items: center;
  font-size: 11px;
  font-weight: 700;
  color: var(--bg);
  background: var(--tone);
}
.quote {
  margin: 0;
  padding: 8px 10px;
  border-left: 3px solid var(--tone, var(--border));
  border-radius: 0 6px 6px 0;
  background: var(--bg-soft);
}
/* Clamped inside the padding, so no half line shows below the last one. */
.quote > span {
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  display: -webkit-box;
  -webkit-box-orient: vertical;
  -webkit-line-clamp: 6;
  line-clamp: 6;
  overflow: hidden;
}
.meta { margin: 6px 0 0; color: var(--muted); font-size: 12px; }
.meta a { color: var(--info); text-decoration: none; }
.meta a:hover { text-decoration: underline; }
.passage-title { margin: 0 0 4px; font-weight: 600; }
footer {
  flex: none;
  display: flex;
  align-items: center;
  gap: 10px;
  padding: 10px 14px;
  background: var(--bg);
  border-top: 1px solid var(--border);
}
.approve {
  flex: none;
  height: 28px;
  padding: 0 12px;
  border: 0;
  border-radius: 6px;
  background: var(--accent);
  color: var(--accent-fg);
  font-weight: 600;
  cursor: pointer;
}
.approve:hover { filter: brightness(1.08); }
.approve:disabled { opacity: 0.5; cursor: default; filter: none; }
.approve-status { min-width: 0; color: var(--muted); font-size: 12px; }
.approve-status[data-tone="good"] { color: var(--good); }
.approve-status[data-tone="bad"] { color: var(--bad); }
`;
})(globalThis);
