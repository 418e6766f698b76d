// The onbrand dashboard: fetches /api/dashboard (same origin, session cookie) and
// draws every chart as hand-written SVG. No library, no CDN: it works offline.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const PLATFORMS = ["x", "linkedin", "facebook", "mastodon", "bluesky", "threads"];
const NAMES = { x: "X", linkedin: "LinkedIn", facebook: "Facebook", mastodon: "Mastodon",
  bluesky: "Bluesky", threads: "Threads" };
const COLORS = ["var(--s1)", "var(--s2)", "var(--s3)", "var(--s4)", "var(--s5)", "var(--s6)"];
const RANGES = { "4w": "4 weeks", "12w": "12 weeks", "1y": "a year", all: "everything" };
const GOAL_TEXT = {
  posts_per_week: "approved posts this week",
  min_specificity: "average specificity (goal: at least)",
  max_drift: "average voice drift (goal: at most)",
  max_minutes_per_day: "minutes a day on social (goal: at most)",
};
// Chart geometry: room above for the axis title, left for tick labels, below for dates.
const W = 520, H = 210, TOP = 22, BOTTOM = 20, LEFT = 38, RIGHT = 8;

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Round steps (1, 2, 5 x 10^k) from 0 to at least `max`; whole steps for counts.
function niceTicks(max, whole) {
  const top = Math.max(max, whole ? 1 : 1e-9);
  let step = Math.pow(10, Math.floor(Math.log10(top / 4)));
  for (const m of [1, 2, 5, 10]) {
    if (top / (step * m) <= 5) { step *= m; break; }
  }
  if (whole) step = Math.max(1, Math.round(step));
  const ticks = [];
  for (let t = 0; t < top + step - 1e-9; t += step) ticks.push(Number(t.toFixed(6)));
  return ticks;
}

const plotY = (v, max) => TOP + (H - TOP - BOTTOM) * (1 - v / max);

// An SVG with its y axis: grid lines at the ticks, their values, and the axis
// title; the chart's summary is its accessible name.
function frame(name, ticks, yLabel, summary) {
  const max = ticks[ticks.length - 1];
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, "data-chart": name, role: "img",
    "aria-label": summary, "data-y-label": yLabel, "data-y-max": max });
  root.append(svg("title", {}, summary));
  root.append(svg("text", { x: 2, y: 10, class: "axis-title" }, yLabel));
  for (const t of ticks) {
    const y = plotY(t, max);
    root.append(svg("line", { class: "axis", x1: LEFT - 4, x2: W - RIGHT, y1: y, y2: y }));
    root.append(svg("text", { x: LEFT - 6, y: y + 3, class: "tick", "text-anchor": "end",
      "data-tick": t }, String(t)));
  }
  return root;
}

function dayLabel(iso) {
  const d = new Date(iso + "T00:00:00Z");
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

function xLabels(root, starts, x, every) {
  starts.forEach((s, i) => {
    if (i % every === 0) root.append(svg("text", { x: x(i), y: H - 5, class: "date" }, dayLabel(s)));
  });
}

function lineChart(name, weeks, series, ticks, yLabel, summary) {
  const max = ticks[ticks.length - 1];
  const root = frame(name, ticks, yLabel, summary);
  const x = (i) => LEFT + (W - RIGHT - LEFT - 10) * (weeks.length > 1 ? i / (weeks.length - 1) : 0.5);
  xLabels(root, weeks, (i) => x(i) - 12, Math.max(1, Math.ceil(weeks.length / 7)));
  series.forEach(({ key, label, color, values }) => {
    let path = "", gap = true;  // a week without a value breaks the line
    values.forEach((v, i) => {
      if (v === null || v === undefined) { gap = true; return; }
      const cy = plotY(Math.min(v, max), max);
      path += `${gap ? "M" : "L"}${x(i).toFixed(1)},${cy.toFixed(1)} `;
      gap = false;
      const dot = svg("circle", { cx: x(i), cy, r: weeks.length > 20 ? 2 : 3.5, fill: color,
        "data-series": key, "data-week": weeks[i], "data-value": v });
      dot.append(svg("title", {}, `${label}, week of ${dayLabel(weeks[i])}: ${v}`));
      root.append(dot);
    });
    if (path) root.prepend(svg("path", { d: path, fill: "none", stroke: color, "stroke-width": 2 }));
  });
  return root;
}

function legend(items) {
  const box = el("div", { class: "legend" });
  for (const { label, color } of items) {
    const item = el("span");
    const swatch = el("i");
    swatch.style.background = color;
    item.append(swatch, label);
    box.append(item);
  }
  return box;
}

// Bars in columns, one per bucket, stacked by `parts` [{key, color, value(bucket)}].
function barChart(name, buckets, parts, ticks, yLabel, summary, dataOf) {
  const max = ticks[ticks.length - 1];
  const root = frame(name, ticks, yLabel, summary);
  const step = (W - LEFT - RIGHT) / Math.max(1, buckets.length);
  const gap = step > 6 ? 1 : 0;
  buckets.forEach((b, i) => {
    let base = 0;
    for (const p of parts) {
      const v = p.value(b);
      if (!v) continue;
      const h = ((H - TOP - BOTTOM) * v) / max;
      const r = svg("rect", { x: LEFT + i * step + gap, y: plotY(0, max) - base - h,
        width: Math.max(step - 2 * gap, 0.5), height: h, fill: p.color, ...dataOf(b, p, v) });
      r.append(svg("title", {}, `${dayLabel(b.start)}: ${p.label ? p.label + " " : ""}${v} ${yLabel}`));
      root.append(r);
      base += h;
    }
  });
  xLabels(root, buckets.map((b) => b.start), (i) => LEFT + i * step,
    Math.max(1, Math.ceil(buckets.length / 6)));
  return root;
}

function siteColor(sites, site) {
  return COLORS[Math.max(0, sites.indexOf(site)) % COLORS.length];
}

function minutesChart(time) {
  const total = time.buckets.reduce((s, b) => s + b.minutes, 0);
  const ticks = niceTicks(Math.max(10, ...time.buckets.map((b) => b.minutes)), false);
  const unit = time.unit === "day" ? "a day" : "a week";
  const parts = time.sites.map((s) => ({ key: s, label: s, color: siteColor(time.sites, s),
    value: (b) => b.by_site[s] || 0 }));
  return barChart("minutes", time.buckets, parts, ticks, `minutes ${unit}`,
    `Minutes ${unit} on social sites, by site: ${Math.round(total)} minutes in all`,
    (b, p, v) => ({ "data-start": b.start, "data-site": p.key, "data-minutes": v }));
}

function postsChart(time) {
  const total = time.buckets.reduce((s, b) => s + b.posts, 0);
  const ticks = niceTicks(Math.max(2, ...time.buckets.map((b) => b.posts)), true);
  const unit = time.unit === "day" ? "a day" : "a week";
  return barChart("posts", time.buckets,
    [{ key: "posts", label: "", color: "var(--s1)", value: (b) => b.posts }],
    ticks, `posts ${unit}`, `Posts approved ${unit}: ${total} in all`,
    (b, p, v) => ({ "data-start": b.start, "data-posts": v }));
}

// Horizontal bars, one row per site.
function siteBars(name, rows, unit, summary) {
  const rowH = 22, w = W, labelW = 120;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const root = svg("svg", { viewBox: `0 0 ${w} ${Math.max(1, rows.length) * rowH + 6}`,
    "data-chart": name, role: "img", "aria-label": summary });
  root.append(svg("title", {}, summary));
  rows.forEach((r, i) => {
    const y = 3 + i * rowH;
    root.append(svg("text", { x: 0, y: y + 14, class: "site" }, r.label));
    const bw = ((w - labelW - 230) * r.value) / max;
    const bar = svg("rect", { x: labelW, y: y + 3, width: Math.max(bw, 1), height: rowH - 8,
      fill: r.color, ...r.data });
    bar.append(svg("title", {}, `${r.label}: ${r.detail}`));
    root.append(bar);
    root.append(svg("text", { x: labelW + bw + 6, y: y + 14, class: "value" }, r.detail));
  });
  return root;
}

function goalCard(g) {
  const card = el("div", { class: "goal", "data-goal-kind": g.kind, "data-goal-id": g.id,
    "data-current": g.current ?? "", "data-target": g.target, "data-met": String(g.met) });
  const where = g.platform ? ` on ${NAMES[g.platform]}` : "";
  card.append(el("div", { class: "muted" }, GOAL_TEXT[g.kind] + where));
  const shown = g.current === null || g.current === undefined ? "—" : g.current;
  card.append(el("div", { class: "value" }, `${shown}`));
  const bar = el("div", { class: "bar" });
  const fill = el("span");
  const ratio = g.current == null ? 0 : g.kind.startsWith("max") ?
    Math.min(1, g.target / Math.max(g.current, 1e-9)) : Math.min(1, g.current / g.target);
  fill.style.width = `${Math.round(ratio * 100)}%`;
  bar.append(fill);
  card.append(bar, el("div", { class: "muted" }, `target ${g.target}` +
    (g.met === true ? " · met" : g.met === false ? " · not yet" : "")));
  const del = el("button", { type: "button", title: "Remove goal", "aria-label": "Remove goal" }, "×");
  del.addEventListener("click", () => removeGoal(g.id));
  card.append(del);
  return card;
}

const params = new URLSearchParams(location.search);
let brand = params.get("brand") || "";
let range = params.get("range") || "12w";

function query(extra = {}) {
  const q = new URLSearchParams({ ...(brand ? { brand } : {}), ...extra });
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function api(path, options = {}, extra = {}) {
  const resp = await fetch(`${path}${query(extra)}`, { credentials: "same-origin", ...options });
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.message || resp.statusText);
  return body;
}

function suggestionItem(s) {
  const li = el("li", { "data-kind": s.kind });
  if (s.post_id != null) li.dataset.postId = s.post_id;
  li.append(el("strong", { class: "figure" }, s.figure), " ", s.text, " ",
    el("span", { class: "action" }, s.action));
  return li;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function num(v, digits = 0) {
  return v == null ? "—" : digits ? v.toFixed(digits) : String(v);
}

function postRow(p) {
  const tr = el("tr", { "data-post-id": p.id });
  tr.append(el("td", {}, p.day), el("td", {}, NAMES[p.platform] || "—"),
    el("td", { class: "post" }, p.text),
    el("td", {}, num(p.specificity, 1)), el("td", {}, num(p.voice_drift)),
    el("td", {}, num(p.originality)), el("td", { "data-likes": p.likes ?? "" }, num(p.likes)));
  return tr;
}

function emptyRow(columns, text) {
  const tr = el("tr");
  tr.append(el("td", { colspan: columns, class: "muted" }, text));
  return tr;
}

function render(d) {
  document.getElementById("week").textContent = `week of ${dayLabel(d.week)}`;
  const select = document.getElementById("brand");
  select.replaceChildren(...d.brands.map((b) => {
    const o = el("option", { value: b }, b);
    if (b === d.brand) o.selected = true;
    return o;
  }));
  document.getElementById("range").value = d.range.key;
  for (const name of ["weekly", "posts"]) {
    document.getElementById(`export-${name}`).href =
      `/api/export/${name}.csv${query({ range: d.range.key })}`;
  }
  const span = RANGES[d.range.key];
  for (const node of document.querySelectorAll(".range-name")) {
    node.textContent = `(${span}, from ${dayLabel(d.range.from)})`;
  }
  const sugg = document.getElementById("suggestions");
  sugg.replaceChildren(...(d.suggestions.length ? d.suggestions.map(suggestionItem)
    : [el("li", { class: "muted" }, "Nothing stands out this week.")]));
  const goals = document.getElementById("goals");
  goals.replaceChildren(...(d.goals.length ? d.goals.map(goalCard)
    : [el("p", { class: "muted" }, "No goals yet: set one below.")]));
  const weeks = d.trends.map((t) => t.week);
  document.getElementById("chart-specificity").replaceChildren(
    lineChart("specificity", weeks, [{ key: "specificity", label: "specificity", color: "var(--s1)",
      values: d.trends.map((t) => t.specificity) }], [1, 2, 3, 4, 5], "specificity (1–5)",
      "Average specificity of approved posts by week, 1 to 5"));
  document.getElementById("chart-trends").replaceChildren(
    lineChart("trends", weeks, [
      { key: "voice_drift", label: "voice drift", color: "var(--s5)", values: d.trends.map((t) => t.voice_drift) },
      { key: "originality", label: "originality", color: "var(--s2)", values: d.trends.map((t) => t.originality) },
    ], [0, 25, 50, 75, 100], "score (0–100)", "Average voice drift and originality by week, 0 to 100"),
    legend([{ label: "voice drift (lower is on-voice)", color: "var(--s5)" },
      { label: "originality (higher is fresh)", color: "var(--s2)" }]));
  const maxCadence = Math.max(2, ...d.cadence.map((w) => PLATFORMS.reduce((s, p) => s + w[p], 0)));
  document.getElementById("chart-cadence").replaceChildren(
    barChart("cadence", d.cadence.map((w) => ({ ...w, start: w.week })),
      PLATFORMS.map((p, j) => ({ key: p, label: NAMES[p], color: COLORS[j], value: (w) => w[p] })),
      niceTicks(maxCadence, true), "posts a week", "Approved posts a week, by platform",
      (w, p, v) => ({ "data-platform": p.key, "data-week": w.week, "data-value": v })),
    legend(PLATFORMS.map((p, j) => ({ label: NAMES[p], color: COLORS[j] }))));
  document.getElementById("chart-minutes").replaceChildren(minutesChart(d.time),
    legend(d.time.sites.map((s) => ({ label: s, color: siteColor(d.time.sites, s) }))));
  document.getElementById("chart-posts").replaceChildren(postsChart(d.time));
  const perPost = d.trends.map((t) => t.minutes_per_post);
  document.getElementById("chart-per-post").replaceChildren(
    lineChart("per-post", weeks, [{ key: "minutes_per_post", label: "minutes per post",
      color: "var(--s4)", values: perPost }],
    niceTicks(Math.max(10, ...perPost.filter((v) => v != null)), false), "minutes per post",
    "Minutes on social sites per approved post, by week"));
  const sites = Object.entries(d.minutes_by_site).sort((a, b) => b[1] - a[1]);
  document.getElementById("chart-sites").replaceChildren(sites.length ? siteBars("sites",
    sites.map(([s, m]) => ({ label: s, value: m, detail: `${m} minutes`,
      color: siteColor(d.time.sites, s), data: { "data-site": s, "data-minutes": m } })),
    "minutes", `Minutes per site: ${sites.map(([s, m]) => `${s} ${m}`).join(", ")}`)
    : el("p", { class: "muted" }, "No time recorded in this range."));
  document.getElementById("chart-sessions").replaceChildren(d.sessions.length ? siteBars("sessions",
    d.sessions.map((s) => ({ label: s.site, value: s.sessions,
      detail: `${plural(s.sessions, "session")}, ${plural(s.analyses, "check")}, ${s.approved} approved`,
      color: "var(--s2)", data: { "data-site": s.site, "data-sessions": s.sessions,
        "data-approved": s.approved } })),
    "sessions", `Compose sessions per site: ${d.sessions.map((s) => `${s.site} ${s.sessions}`).join(", ")}`)
    : el("p", { class: "muted" }, "No compose sessions in this range."));
  const eng = document.getElementById("engagement");
  eng.replaceChildren(...(d.engagement.with_likes === 0 ? [el("li", { "data-enough": "false" },
    `No post in this range has likes yet, so there is nothing to compare: at least ` +
    `${d.engagement.minimum} posts with likes are needed.`)] : d.engagement.by_score.map((e) => {
    const li = el("li", { "data-score": e.score, "data-enough": String(e.enough) }, e.note);
    if (e.enough) {
      li.dataset.best = e.best.median_likes;
      li.dataset.worst = e.worst.median_likes;
    }
    return li;
  })));
  document.getElementById("engagement-count").textContent =
    `${d.engagement.with_likes} of ${d.engagement.posts} posts in this range have likes`;
  document.querySelector("#top tbody").replaceChildren(...(d.top_posts.length
    ? d.top_posts.map(postRow) : [emptyRow(7, "No post in this range has likes yet: import an "
      + "export that carries them, or run onbrand posts set-stats ID --likes N.")]));
  document.querySelector("#latest tbody").replaceChildren(...d.latest_posts.map(postRow));
  document.querySelector("#voice tbody").replaceChildren(...d.voice_history.map((v) => {
    const tr = el("tr");
    tr.append(el("td", {}, `v${v.version}`), el("td", {}, v.created_at.replace("T", " ").slice(0, 16)),
      el("td", {}, String(v.n_posts)), el("td", {}, v.reason));
    return tr;
  }));
  document.getElementById("app").dataset.state = "ready";
}

async function load() {
  try {
    render(await api("/api/dashboard", {}, { range }));
  } catch (err) {
    document.getElementById("app").dataset.state = "error";
    document.getElementById("suggestions").replaceChildren(el("li", { class: "error" }, String(err.message)));
  }
}

async function removeGoal(id) {
  await api(`/api/goals/${id}`, { method: "DELETE" });
  load();
}

document.getElementById("goal-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const error = document.getElementById("goal-error");
  error.textContent = "";
  try {
    await api("/api/goals", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ kind: form.get("kind"), platform: form.get("platform") || null,
        target: Number(form.get("target")) }) });
    ev.target.reset();
    load();
  } catch (err) {
    error.textContent = err.message;
  }
});

function remember() {
  history.replaceState(null, "", `/${query({ range })}`);
  load();
}

document.getElementById("brand").addEventListener("change", (ev) => {
  brand = ev.target.value;
  remember();
});

document.getElementById("range").addEventListener("change", (ev) => {
  range = ev.target.value;
  remember();
});

load();
