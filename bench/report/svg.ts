/**
 * A tiny SVG chart generator for docs/bench/*.svg: grouped bar charts (overseer next to its anchor) and
 * line charts (a quantity against a numeric parameter). Plain SVG 1.1 text, no fonts or scripts.
 */

const W = 720;
const H = 400;
const M = { top: 64, right: 24, bottom: 96, left: 72 };
const COLORS = ["#2563eb", "#9ca3af", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** 1, 2, 5 × 10^k steps giving about `n` ticks from 0 (or min) to max. */
function ticks(min: number, max: number, n = 5): number[] {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  if ((out.at(-1) ?? 0) < max) out.push(Number(((out.at(-1) ?? 0) + step).toPrecision(12)));
  return out;
}

export function num(v: number): string {
  if (!Number.isFinite(v)) return "—";
  if (Number.isInteger(v) && Math.abs(v) < 1e4) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 100) return Math.round(v).toLocaleString("en-US");
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** num(), but milliseconds below 1M in full: "10,227 ms", not "10k", where the figure is 10 s plus a little. */
export function figureNum(v: number, unit: string): string {
  const full = unit === "ms" && Math.abs(v) >= 1e4 && Math.abs(v) < 1e6;
  return full ? Math.round(v).toLocaleString("en-US") : num(v);
}

/** A median with its min–max when it has one: "1,234 [1,100–1,300]" (ms from 10 s up in full). */
export function numRange(v: number, range?: readonly [number, number], unit = ""): string {
  return range === undefined
    ? figureNum(v, unit)
    : `${figureNum(v, unit)} [${figureNum(range[0], unit)}–${figureNum(range[1], unit)}]`;
}

/** A figure's label with its unit, unless the label already names it. */
export function labelWithUnit(f: { label: string; unit: string }): string {
  return f.label.includes(f.unit) ? f.label : `${f.label} (${f.unit})`;
}

function frame(title: string, subtitle: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...subtitle
      .split(" · ")
      .map(
        (line, i) => `<text x="${M.left}" y="${37 + i * 15}" fill="#555" font-size="11">${esc(line)}</text>`,
      ),
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function legend(names: readonly string[]): string[] {
  let x = M.left;
  let y = H - 28;
  return names.flatMap((name, i) => {
    const width = 28 + name.length * 6.5;
    if (x > M.left && x + width > W - M.right) {
      x = M.left;
      y += 17;
    }
    const out = [
      `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${x + 16}" y="${y}">${esc(name)}</text>`,
    ];
    x += width;
    return out;
  });
}

function yAxis(tk: number[], y: (v: number) => number, unit: string): string[] {
  const out = tk.flatMap((v) => [
    `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
    `<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#333">${num(v)}</text>`,
  ]);
  out.push(
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(unit)}</text>`,
  );
  return out;
}

export interface BarGroup {
  label: string;
  /** One value per series, in the series order; NaN = not measured. */
  values: number[];
  /** Shown above the group, e.g. "1.35×". */
  note?: string;
  /** Per series, the min–max over the rounds, drawn as a whisker on the bar (value = their median). */
  ranges?: ([number, number] | undefined)[];
}

export function barChart(
  title: string,
  subtitle: string,
  unit: string,
  series: string[],
  groups: BarGroup[],
): string {
  const max = Math.max(
    1e-9,
    ...groups.flatMap((g) => [
      ...g.values.filter(Number.isFinite),
      ...(g.ranges ?? []).map((r) => r?.[1] ?? NaN).filter(Number.isFinite),
    ]),
  );
  const tk = ticks(0, max);
  const top = tk.at(-1) ?? max;
  const ph = H - M.top - M.bottom;
  const y = (v: number): number => M.top + ph - (v / top) * ph;
  const gw = (W - M.left - M.right) / Math.max(1, groups.length);
  const bw = Math.min(48, (gw * 0.8) / Math.max(1, series.length));
  const body = yAxis(tk, y, unit);
  groups.forEach((g, gi) => {
    const x0 = M.left + gi * gw + (gw - bw * series.length) / 2;
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v)) return;
      const x = x0 + si * bw;
      const r = g.ranges?.[si];
      const ranged = r !== undefined && Number.isFinite(r[0]) && Number.isFinite(r[1]);
      // The value sits above the bar, or above its whisker (the rounds' max) when it has one.
      const labelY = Math.min(y(v), ranged ? y(r[1]) : y(v)) - 3;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${series[si] ?? ""}: ${num(v)} ${unit}`)}</title></rect>`,
        `<text x="${(x + bw / 2 - 1).toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${num(v)}</text>`,
      );
      if (ranged) body.push(whisker(x + bw / 2 - 1, y(r[0]), y(r[1])));
    });
    const cx = M.left + gi * gw + gw / 2;
    body.push(
      `<text x="${cx.toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(g.label)}</text>`,
    );
    if (g.note !== undefined)
      body.push(
        `<text x="${cx.toFixed(1)}" y="${H - M.bottom + 31}" text-anchor="middle" font-weight="bold" fill="#2563eb">${esc(g.note)}</text>`,
      );
  });
  body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  return frame(title, subtitle, [...body, ...legend(series)]);
}

/** A min–max whisker: a vertical line with caps, at x from y0 to y1. */
function whisker(x: number, y0: number, y1: number): string {
  const [a, b, l, r] = [y0.toFixed(1), y1.toFixed(1), (x - 4).toFixed(1), (x + 4).toFixed(1)];
  const xs = x.toFixed(1);
  return `<path d="M${xs} ${a}V${b}M${l} ${a}H${r}M${l} ${b}H${r}" stroke="#111" stroke-width="1.2" fill="none"/>`;
}

export interface Series {
  name: string;
  points: [number, number][];
}

export function lineChart(
  title: string,
  subtitle: string,
  xLabel: string,
  unit: string,
  series: Series[],
  opts: { logX?: boolean } = {},
): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const fx = (v: number): number => (opts.logX === true ? Math.log10(Math.max(v, 1e-9)) : v);
  const xMin = Math.min(...xs.map(fx));
  const xMax = Math.max(...xs.map(fx));
  const tk = ticks(0, Math.max(1e-9, ...ys));
  const top = tk.at(-1) ?? 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number): number =>
    M.left + (xMax === xMin ? pw / 2 : ((fx(v) - xMin) / (xMax - xMin)) * pw * 0.94 + pw * 0.03);
  const y = (v: number): number => M.top + ph - (v / top) * ph;
  const body = yAxis(tk, y, unit);
  for (const v of [...new Set(xs)].sort((a, b) => a - b))
    body.push(`<text x="${x(v).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${num(v)}</text>`);
  body.push(
    `<text x="${M.left + pw / 2}" y="${H - M.bottom + 34}" text-anchor="middle" fill="#333">${esc(xLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length] ?? "#000";
    const pts = s.points.filter((p) => Number.isFinite(p[1])).sort((a, b) => a[0] - b[0]);
    if (pts.length > 1)
      body.push(
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ")}"/>`,
      );
    for (const p of pts)
      body.push(
        `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(`${s.name}: ${num(p[1])} ${unit} at ${num(p[0])}`)}</title></circle>`,
      );
  });
  body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  return frame(title, subtitle, [...body, ...legend(series.map((s) => s.name))]);
}
