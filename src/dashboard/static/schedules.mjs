// The schedules section: /api/schedules every 2 s (firings are at most once a slot; no live events needed).
// Everything user-controlled is inserted with textContent, never as HTML.
const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem("overseer-token") || "";

function cell(v, title) {
  const td = document.createElement("td");
  td.textContent = v === null || v === undefined ? "—" : String(v);
  if (title) td.title = title;
  return td;
}

function inWords(ms, now) {
  if (ms === null) return "—";
  const d = Math.round((ms - now) / 1000);
  const at = new Date(ms).toLocaleString();
  return d <= 0 ? `${at} (due)` : `${at} (in ${d < 120 ? `${d} s` : `${Math.round(d / 60)} min`})`;
}

async function refresh() {
  const headers = token() ? { authorization: `Bearer ${token()}` } : {};
  const res = await fetch("/api/schedules", { headers });
  const section = $("schedules-section");
  if (!res.ok) {
    section.hidden = res.status === 404;
    return;
  }
  section.hidden = false;
  const { now, schedules } = await res.json();
  const rows = schedules.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.schedule = s.id;
    tr.className = s.status;
    tr.append(
      cell(s.id),
      cell(s.status),
      cell(s.type),
      cell(s.when, `missed: ${s.missedPolicy}`),
      cell(inWords(s.next, now), s.next === null ? "" : new Date(s.next).toISOString()),
      cell(s.limit === null ? s.fired : `${s.fired} / ${s.limit}`),
      cell(s.missed),
    );
    return tr;
  });
  $("schedules").tBodies[0].replaceChildren(...rows);
  $("schedules-empty").hidden = rows.length > 0;
}

const tick = () => refresh().catch(() => undefined);
tick();
setInterval(tick, 2000);
