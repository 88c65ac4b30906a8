// The dashboard page: one EventSource for live state; tasks, details and znodes fetched on demand.
// Everything user-controlled is inserted with textContent, never as HTML.
import { lineChart } from "./charts.mjs";

const $ = (id) => document.getElementById(id);
const PAGE = 50;
const state = { offset: 0, filter: "", key: null, lastCounts: "", listTimer: null, znodeOffset: 0 };

// --- token: from ?token= once (then dropped from the address bar), kept for this tab only
const fromUrl = new URLSearchParams(location.search).get("token");
if (fromUrl) {
  sessionStorage.setItem("overseer-token", fromUrl);
  history.replaceState(null, "", location.pathname);
}
const token = () => sessionStorage.getItem("overseer-token") || "";
$("token").value = token();
$("token").addEventListener("change", (e) => {
  sessionStorage.setItem("overseer-token", e.target.value);
  connect();
});

async function api(path, init = {}) {
  const headers = token() ? { authorization: `Bearer ${token()}` } : {};
  const res = await fetch(path, { ...init, headers });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  return body;
}

function el(tag, props = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "onclick") n.addEventListener("click", v);
    else if (k === "class") n.className = v;
    else n.setAttribute(k, v);
  }
  for (const c of children) n.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return n;
}

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : "—");
const text = (v) =>
  v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v, null, 2);

// --- live overview
let source = null;
function connect() {
  if (source) source.close();
  const q = token() ? `?token=${encodeURIComponent(token())}` : "";
  source = new EventSource(`/api/events${q}`);
  source.addEventListener("overview", (e) => render(JSON.parse(e.data)));
  source.addEventListener("task", (e) => addLive([JSON.parse(e.data)]));
  source.onerror = () => setSession("disconnected", "bad");
}

function setSession(textValue, kind) {
  const s = $("session");
  s.textContent = textValue;
  s.className = `badge ${kind}`;
}

function render(o) {
  document.body.dataset.ready = String(o.ready);
  $("root").textContent = `root ${o.root}`;
  const good = o.session === "connected" || o.session === "reconnected";
  setSession(`zk ${o.session}`, good ? "ok" : "bad");
  $("paused").hidden = !o.paused;
  $("master").textContent = o.master ? o.master.id : "none";
  $("epoch").textContent = o.master && o.master.epoch !== null ? o.master.epoch : "—";
  $("master-since").textContent = o.master ? time(o.master.since) : "—";
  $("backups").textContent = o.backups.length ? o.backups.join(", ") : "none";
  $("failovers").textContent = o.failovers;
  $("worker-count").textContent = o.workers.length;
  $("capacity").textContent = o.workers.reduce((n, w) => n + w.capacity, 0);
  for (const [k, v] of Object.entries(o.counts)) $(`count-${k}`).textContent = v;
  $("workers").tBodies[0].replaceChildren(
    ...o.workers.map((w) =>
      el(
        "tr",
        { "data-worker": w.id, title: w.tasks.join(", ") },
        el("td", {}, w.id),
        el("td", {}, w.host),
        el("td", {}, w.capacity),
        el("td", {}, w.running),
        el("td", {}, w.labels.join(", ")),
      ),
    ),
  );
  $("failures").tBodies[0].replaceChildren(
    ...o.failures.map((f) =>
      el(
        "tr",
        { onclick: () => openTask(f.key) },
        el("td", {}, f.key),
        el("td", { title: f.reason }, f.reason),
        el("td", {}, f.worker),
        el("td", {}, time(f.at)),
      ),
    ),
  );
  const s = o.series;
  lineChart(
    $("chart-throughput"),
    [
      { values: s.map((p) => p.done), color: "#4fbf7f" },
      { values: s.map((p) => p.failed), color: "#e5605c" },
    ],
    "/s",
  );
  lineChart(
    $("chart-latency"),
    [
      { values: s.map((p) => p.turnaroundMs), color: "#4fbf7f" },
      { values: s.map((p) => p.runMs), color: "#5aa7e6" },
      { values: s.map((p) => p.waitMs), color: "#e0b050" },
    ],
    "ms",
  );
  // The list follows the counts, at most once a second (the list itself is paged on the server).
  const counts = JSON.stringify(o.counts);
  if (counts !== state.lastCounts && state.listTimer === null) {
    state.lastCounts = counts;
    state.listTimer = setTimeout(() => {
      state.listTimer = null;
      loadTasks();
      if (state.key) openTask(state.key);
    }, 1000);
  }
}

// --- paged task list
async function loadTasks() {
  const q = new URLSearchParams({ offset: String(state.offset), limit: String(PAGE) });
  if (state.filter) q.set("state", state.filter);
  const page = await api(`/api/tasks?${q}`).catch(() => null);
  if (!page) return;
  const end = Math.min(page.total, state.offset + page.rows.length);
  $("page-info").textContent = page.total === 0 ? "no tasks" : `${state.offset + 1}–${end} of ${page.total}`;
  $("tasks").tBodies[0].replaceChildren(
    ...page.rows.map((r) =>
      el(
        "tr",
        { onclick: () => openTask(r.key), "data-key": r.key },
        el("td", {}, r.id),
        el("td", {}, r.type),
        el("td", { class: `state-${r.state}` }, r.state),
        el("td", {}, r.worker),
        el("td", {}, r.attempt),
        el("td", {}, time(r.submittedAt)),
      ),
    ),
  );
}
$("task-state").addEventListener("change", (e) => {
  state.filter = e.target.value;
  state.offset = 0;
  loadTasks();
});
$("prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - PAGE);
  loadTasks();
});
$("next").addEventListener("click", () => {
  state.offset += PAGE;
  loadTasks();
});

// --- live task events (newest first, the last LIVE kept)
const LIVE = 50;
function liveDetail(e) {
  if (e.event === "progress") return text(e.progress);
  if (e.event === "completed") return `result ${text(e.result)}`;
  return [e.worker, e.attempt ? `attempt ${e.attempt}` : "", e.reason, e.replayed ? "(replayed)" : ""]
    .filter(Boolean)
    .join(" · ");
}
function addLive(events) {
  const body = $("live-events").tBodies[0];
  for (const e of events)
    body.prepend(
      el(
        "tr",
        { class: "clickable", "data-event": e.event, onclick: () => openTask(e.key) },
        el("td", {}, time(e.at)),
        el("td", { class: `event-${e.event}` }, e.event),
        el("td", {}, e.id),
        el("td", {}, e.type ?? "(raw)"),
        el("td", {}, liveDetail(e)),
      ),
    );
  while (body.rows.length > LIVE) body.deleteRow(body.rows.length - 1);
}
api("/api/task-events").then(
  (recent) => addLive(recent.reverse()),
  () => undefined,
);

// --- task detail
async function openTask(key) {
  state.key = key;
  const box = $("task-detail");
  let t;
  try {
    t = await api(`/api/task?key=${encodeURIComponent(key)}`);
  } catch (err) {
    box.replaceChildren(el("h2", {}, "task"), el("p", { class: "error" }, err.message));
    return;
  }
  const msg = el("span", { class: "muted" });
  const act = (what) => async () => {
    try {
      msg.textContent = (
        await api(`/api/tasks/${what}?key=${encodeURIComponent(key)}`, { method: "POST" })
      ).message;
    } catch (err) {
      msg.textContent = err.message;
    }
  };
  box.replaceChildren(
    el("h2", {}, `task ${t.id}`),
    el(
      "div",
      {},
      el("span", { class: `state-${t.state}`, id: "detail-state" }, t.state),
      ` · ${t.type} · attempt ${t.attempt}`,
      t.worker ? ` · ${t.worker}` : "",
    ),
    el(
      "div",
      { class: "toolbar" },
      el("button", { onclick: act("cancel") }, "cancel"),
      el("button", { onclick: act("retry") }, "retry"),
      el("button", { onclick: act("promote") }, "promote"),
      el("button", { onclick: act("remove") }, "remove"),
      msg,
    ),
    el("h2", {}, "timeline"),
    el("ul", {}, ...t.timeline.map((e) => el("li", {}, `${time(e.at)} ${e.what}`))),
    ...flowTree(t.flow),
    el("h2", {}, "payload"),
    el("pre", {}, text(t.payload)),
    el("h2", {}, "outcome"),
    el("pre", {}, text(t.outcome)),
    el("h2", {}, "progress · assignment · options"),
    el("pre", {}, text({ progress: t.progress, assignment: t.assignment, options: t.options, run: t.run })),
    el("h2", {}, "log"),
    el("pre", { id: "detail-log" }, "…"),
  );
  api(`/api/task/logs?id=${encodeURIComponent(t.id)}`).then(
    (log) => {
      const lines = log.lines.map((l) => `${time(l.at)}  #${l.attempt}  ${l.line}`);
      if (log.dropped > 0) lines.unshift(`(${log.dropped} older lines dropped)`);
      $("detail-log").textContent = lines.length > 0 ? lines.join("\n") : "(no log lines)";
    },
    (err) => ($("detail-log").textContent = err.message),
  );
}

// A flow task's parent and children, each a link to its own detail.
function flowTree(f) {
  if (!f) return [];
  const link = (id, key) => el("a", { href: "#", onclick: (e) => (e.preventDefault(), openTask(key)) }, id);
  const parent = f.parent ? ["parent ", link(f.parent.id, f.parent.key)] : ["root of its flow"];
  const kids = f.children.map((c) =>
    el(
      "li",
      {},
      link(c.id, c.key),
      " ",
      el("span", { class: `state-${c.state}` }, c.state),
      c.onFailure === "fail-parent" ? "" : ` · onFailure ${c.onFailure}`,
    ),
  );
  if (f.childCount > f.children.length)
    kids.push(el("li", { class: "muted" }, `… ${f.childCount - f.children.length} more`));
  const waiting = f.waiting ? " (waiting for them)" : "";
  return [
    el("h2", {}, "flow"),
    el("div", {}, ...parent, f.childCount > 0 ? ` · ${f.childCount} children${waiting}` : ""),
    el("ul", {}, ...kids),
  ];
}

// --- znode browser
async function openZnode(path, offset = 0) {
  $("znode-path").value = path;
  $("znode-error").textContent = "";
  let z;
  try {
    z = await api(`/api/znodes?${new URLSearchParams({ path, offset: String(offset), limit: "200" })}`);
  } catch (err) {
    $("znode-error").textContent = err.message;
    return;
  }
  const join = (c) => (path === "/" ? `/${c}` : `${path}/${c}`);
  const up =
    path === "/"
      ? []
      : [el("li", { onclick: () => openZnode(path.slice(0, path.lastIndexOf("/")) || "/") }, "..")];
  $("znode-children").replaceChildren(
    ...up,
    ...z.children.map((c) => el("li", { onclick: () => openZnode(join(c)) }, c)),
  );
  const more = $("znode-more");
  more.replaceChildren();
  if (z.numChildren > offset + z.children.length)
    more.append(
      `${offset + 1}–${offset + z.children.length} of ${z.numChildren} `,
      el("button", { onclick: () => openZnode(path, offset + 200) }, "more"),
    );
  $("znode-data").textContent = text(z.data);
  $("znode-stat").tBodies[0].replaceChildren(
    ...Object.entries(z.stat).map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, v))),
  );
}
$("znode-go").addEventListener("click", () => openZnode($("znode-path").value || "/"));
$("znode-path").addEventListener("keydown", (e) => e.key === "Enter" && openZnode(e.target.value || "/"));

// --- limits (a small table, polled; hidden when there are none)
const dur = (ms) =>
  ms % 3600000 === 0
    ? `${ms / 3600000}h`
    : ms % 60000 === 0
      ? `${ms / 60000}m`
      : ms % 1000 === 0
        ? `${ms / 1000}s`
        : `${ms}ms`;
const rate = (r) => (r ? `${r.limit}/${dur(r.per)}` : null);
async function loadLimits() {
  let rows;
  try {
    rows = await api("/api/limits");
  } catch {
    return;
  }
  $("limits-section").hidden = rows.length === 0;
  $("limits").tBodies[0].replaceChildren(
    ...rows.map((u) => {
      const l = u.limits;
      const parts = [
        l.rate && `rate ${rate(l.rate)}`,
        l.concurrency && `concurrency ${l.concurrency}`,
        l.groupRate && `group rate ${rate(l.groupRate)}`,
        l.groupConcurrency && `group concurrency ${l.groupConcurrency}`,
      ].filter(Boolean);
      return el(
        "tr",
        {},
        el("td", {}, u.type),
        el("td", {}, parts.join(", ")),
        el("td", {}, u.started === null ? "—" : `${u.started} / ${l.rate.limit}`),
        el("td", {}, l.concurrency ? `${u.held} / ${l.concurrency}` : u.held),
        el("td", {}, Object.keys(u.heldByGroup).length),
      );
    }),
  );
}
setInterval(loadLimits, 2000);
loadLimits();

connect();
loadTasks();
openZnode("/");
