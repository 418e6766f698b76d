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
  position: fixed !important;
  z-index: 2147483646 !important;
  display: block;
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
button { font: inherit; color: inherit; }

/* -- badge ---------------------------------------------------------------- */
.badge {
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
.meters { display: inline-flex; gap: 2px; align-items: flex-end; height: 12px; }
.meter {
  position: relative;
  width: 4px;
  height: 12px;
  border-radius: 2px;
  background: var(--track);
  overflow: hidden;
}
.meter > b {
  position: absolute;
  left: 0; right: 0; bottom: 0;
  border-radius: 2px;
  background: var(--tone, var(--idle));
}
.meters:empty { display: none; }

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
.panel.up { bottom: calc(100% + 8px); }
.panel.down { top: calc(100% + 8px); }
.panel.right { right: 0; }
.panel.left { left: 0; }
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
.hint { display: flex; gap: 8px; padding: 5px 0; }
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
