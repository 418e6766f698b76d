// The onbrand dashboard: fetches /api/dashboard (same origin, session cookie) and
// draws every chart as hand-written SVG. No library, no CDN: it works offline.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const PLATFORMS = ["x", "linkedin", "facebook", "mastodon", "bluesky", "threads"];
const NAMES = { x: "X", linkedin: "LinkedIn", facebook: "Facebook", mastodon: "Mastodon",
  bluesky: "Bluesky", threads: "Threads" };
const COLORS = ["var(--s1)", "var(--s2)", "var(--s3)", "var(--s4)", "var(--s5)", "var(--s6)"];
const GOAL_TEXT = {
  posts_per_week: "approved posts this week",
  min_specificity: "average specificity (goal: at least)",
  max_drift: "average voice drift (goal: at most)",
  max_minutes_per_day: "minutes a day on social (goal: at most)",
};

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

function frame(name, width, height, max, ticks) {
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, "data-chart": name, role: "img" });
  for (const t of ticks) {
    const y = 10 + (height - 30) * (1 - t / max);
    root.append(svg("line", { class: "axis", x1: 30, x2: width - 5, y1: y, y2: y }));
    root.append(svg("text", { x: 2, y: y + 3 }, String(t)));
  }
  return root;
}

function weekLabel(iso) {
  const d = new Date(iso + "T00:00:00Z");
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

function lineChart(name, weeks, series, max, ticks) {
  const W = 520, H = 200, x0 = 35, x1 = W - 10;
  const root = frame(name, W, H, max, ticks);
  const x = (i) => x0 + (x1 - x0) * (weeks.length > 1 ? i / (weeks.length - 1) : 0.5);
  const y = (v) => 10 + (H - 30) * (1 - v / max);
  weeks.forEach((w, i) => {
    if (i % 2 === 0) root.append(svg("text", { x: x(i) - 12, y: H - 4 }, weekLabel(w)));
  });
  series.forEach(({ key, label, color, values }) => {
    let path = "";
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      path += `${path ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      const dot = svg("circle", { cx: x(i), cy: y(v), r: 3.5, fill: color,
        "data-series": key, "data-week": weeks[i], "data-value": v });
      dot.append(svg("title", {}, `${label}, week of ${weekLabel(weeks[i])}: ${v}`));
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

function cadenceChart(cadence) {
  const W = 520, H = 200;
  const totals = cadence.map((w) => PLATFORMS.reduce((s, p) => s + w[p], 0));
  const max = Math.max(4, ...totals);
  const root = frame("cadence", W, H, max, [0, Math.round(max / 2), max]);
  const step = (W - 45) / cadence.length;
  cadence.forEach((w, i) => {
    let base = 0;
    PLATFORMS.forEach((p, j) => {
      const v = w[p];
      if (!v) return;
      const h = ((H - 30) * v) / max;
      const r = svg("rect", { x: 35 + i * step + 2, y: 10 + (H - 30) - base - h, width: step - 4,
        height: h, fill: COLORS[j], "data-platform": p, "data-week": w.week, "data-value": v });
      r.append(svg("title", {}, `${NAMES[p]}, week of ${weekLabel(w.week)}: ${v}`));
      root.append(r);
      base += h;
    });
    if (i % 2 === 0) root.append(svg("text", { x: 35 + i * step, y: H - 4 }, weekLabel(w.week)));
  });
  return root;
}

function timeChart(days) {
  const W = 520, H = 200;
  const maxMin = Math.max(30, ...days.map((d) => d.minutes));
  const maxPosts = Math.max(2, ...days.map((d) => d.posts));
  const root = frame("time", W, H, Math.ceil(maxMin), [0, Math.round(maxMin / 2), Math.ceil(maxMin)]);
  const step = (W - 45) / days.length;
  days.forEach((d, i) => {
    const h = ((H - 30) * d.minutes) / Math.ceil(maxMin);
    const r = svg("rect", { x: 35 + i * step + 1, y: 10 + (H - 30) - h, width: step - 2, height: h,
      fill: "var(--s3)", opacity: 0.7, "data-day": d.day, "data-minutes": d.minutes });
    r.append(svg("title", {}, `${d.day}: ${d.minutes} minutes, ${d.posts} posts approved`));
    root.append(r);
    if (d.posts) {
      const cy = 10 + (H - 30) * (1 - d.posts / maxPosts);
      const dot = svg("circle", { cx: 35 + i * step + step / 2, cy, r: 4, fill: "var(--s1)",
        "data-day": d.day, "data-posts": d.posts });
      root.append(dot);
    }
    if (i % 7 === 0) root.append(svg("text", { x: 35 + i * step, y: H - 4 }, d.day.slice(5)));
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

let brand = new URLSearchParams(location.search).get("brand") || "";

async function api(path, options = {}) {
  const sep = path.includes("?") ? "&" : "?";
  const resp = await fetch(`${path}${brand ? sep + "brand=" + encodeURIComponent(brand) : ""}`,
    { credentials: "same-origin", ...options });
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.message || resp.statusText);
  return body;
}

function render(d) {
  document.getElementById("week").textContent = `week of ${weekLabel(d.week)}`;
  const select = document.getElementById("brand");
  select.replaceChildren(...d.brands.map((b) => {
    const o = el("option", { value: b }, b);
    if (b === d.brand) o.selected = true;
    return o;
  }));
  const sugg = document.getElementById("suggestions");
  sugg.replaceChildren(...(d.suggestions.length ? d.suggestions : ["Nothing stands out this week."])
    .map((s) => el("li", {}, s)));
  const goals = document.getElementById("goals");
  goals.replaceChildren(...(d.goals.length ? d.goals.map(goalCard)
    : [el("p", { class: "muted" }, "No goals yet: set one below.")]));
  const weeks = d.trends.map((t) => t.week);
  document.getElementById("chart-specificity").replaceChildren(
    lineChart("specificity", weeks, [{ key: "specificity", label: "specificity", color: "var(--s1)",
      values: d.trends.map((t) => t.specificity) }], 5, [1, 2, 3, 4, 5]));
  document.getElementById("chart-trends").replaceChildren(
    lineChart("trends", weeks, [
      { key: "voice_drift", label: "voice drift", color: "var(--s5)", values: d.trends.map((t) => t.voice_drift) },
      { key: "originality", label: "originality", color: "var(--s2)", values: d.trends.map((t) => t.originality) },
    ], 100, [0, 50, 100]),
    legend([{ label: "voice drift (lower is on-voice)", color: "var(--s5)" },
      { label: "originality (higher is fresh)", color: "var(--s2)" }]));
  document.getElementById("chart-cadence").replaceChildren(cadenceChart(d.cadence),
    legend(PLATFORMS.map((p, j) => ({ label: NAMES[p], color: COLORS[j] }))));
  document.getElementById("chart-time").replaceChildren(timeChart(d.time_vs_posts),
    legend([{ label: "minutes on social sites", color: "var(--s3)" },
      { label: "posts approved", color: "var(--s1)" }]));
  document.querySelector("#latest tbody").replaceChildren(...d.latest_posts.map((p) => {
    const tr = el("tr", { "data-post-id": p.id });
    tr.append(el("td", {}, p.day), el("td", {}, NAMES[p.platform] || "—"),
      el("td", { class: "post" }, p.text),
      el("td", {}, p.specificity == null ? "—" : p.specificity.toFixed(1)),
      el("td", {}, p.voice_drift == null ? "—" : String(p.voice_drift)));
    return tr;
  }));
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
    render(await api("/api/dashboard"));
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

document.getElementById("brand").addEventListener("change", (ev) => {
  brand = ev.target.value;
  history.replaceState(null, "", `/?brand=${encodeURIComponent(brand)}`);
  load();
});

load();
