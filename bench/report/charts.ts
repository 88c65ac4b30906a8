/** Which plots each benchmark's figures become (docs/bench/<name>.svg); anything unknown gets line charts. */
import type { BenchResult, Figure } from "../lib/results.js";
import { barChart, lineChart, num, type BarGroup, type Series } from "./svg.js";

export interface Chart {
  file: string;
  title: string;
  svg: string;
}

export function ratioText(f: Figure): string {
  if (f.anchor === undefined || !Number.isFinite(f.value / f.anchor) || f.anchor === 0) return "";
  return `${(f.value / f.anchor).toFixed(2)}×`;
}

function subtitle(r: BenchResult): string {
  return `${r.machine.cores} × ${r.machine.cpus}, node ${r.machine.node} · ${r.command}`;
}

/** A bar chart of figures: one group per figure, overseer then its anchor. */
function bars(
  r: BenchResult,
  file: string,
  title: string,
  figs: Figure[],
  label: (f: Figure) => string,
): Chart[] {
  if (figs.length === 0) return [];
  const anchor = figs.find((f) => f.anchorName !== undefined)?.anchorName ?? "anchor";
  const groups: BarGroup[] = figs.map((f) => ({
    label: label(f),
    values: [f.value, f.anchor ?? NaN],
    note: ratioText(f),
  }));
  const unit = figs[0]?.unit ?? "";
  const svg = barChart(title, subtitle(r), unit, ["overseer", anchor], groups);
  return [{ file, title, svg }];
}

/**
 * overseer against several anchors (e.g. two other clients) per op, or per `groupOf` (e.g. per task
 * shape, BullMQ on Redis without and with appendfsync always); an anchor a group lacks is no bar.
 */
function multiBars(
  r: BenchResult,
  file: string,
  title: string,
  figs: Figure[],
  groupOf: (f: Figure) => string = (f) => String(f.params?.["op"] ?? f.label),
): Chart[] {
  if (figs.length === 0) return [];
  const anchors = [...new Set(figs.map((f) => f.anchorName ?? "anchor"))];
  const ops = [...new Set(figs.map(groupOf))];
  const groups: BarGroup[] = ops.map((op) => {
    const mine = figs.filter((f) => groupOf(f) === op);
    const first = mine[0];
    const of = (a: string): Figure | undefined => mine.find((f) => f.anchorName === a);
    return {
      label: op,
      values: [first?.value ?? NaN, ...anchors.map((a) => of(a)?.anchor ?? NaN)],
      note: mine.map(ratioText).join(" / "),
      // Medians of rounds carry their min–max: whiskers.
      ranges: [first?.range, ...anchors.map((a) => of(a)?.anchorRange)],
    };
  });
  const svg = barChart(title, subtitle(r), figs[0]?.unit ?? "", ["overseer", ...anchors], groups);
  return [{ file, title, svg }];
}

/** Line charts for figures whose keys differ only in numeric segments; x = the numeric param that varies. */
export function curves(r: BenchResult): Chart[] {
  const families = new Map<string, Figure[]>();
  for (const f of r.figures) {
    const fam = f.key.replace(/\.\d+(?=\.|$)/g, ".*");
    families.set(fam, [...(families.get(fam) ?? []), f]);
  }
  const out: Chart[] = [];
  for (const [fam, figs] of families) {
    if (figs.length < 2) continue;
    const xName = Object.keys(figs[0]?.params ?? {}).find(
      (k) => typeof figs[0]?.params?.[k] === "number" && new Set(figs.map((f) => f.params?.[k])).size > 1,
    );
    if (xName === undefined) continue;
    const xOf = (f: Figure): number => Number(f.params?.[xName]);
    const series: Series[] = [{ name: "overseer", points: figs.map((f) => [xOf(f), f.value]) }];
    if (figs.some((f) => f.anchor !== undefined))
      series.push({
        name: figs[0]?.anchorName ?? "anchor",
        points: figs.map((f) => [xOf(f), f.anchor ?? NaN]),
      });
    const xs = figs.map(xOf);
    const logX = Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 50;
    const title = figs[0]?.label.replace(/[\d,.]+\s*\S*$/, "").trim() || fam;
    const file = `${fam.replace(/\.\*/g, "").replace(/[^a-z0-9]+/gi, "-")}.svg`;
    out.push({
      file,
      title,
      svg: lineChart(title, subtitle(r), xName, figs[0]?.unit ?? "", series, { logX }),
    });
  }
  return out;
}

function failoverChart(r: BenchResult): Chart[] {
  const pick = (p: string): Figure[] => r.figures.filter((f) => f.key.startsWith(p));
  const master = pick("failover.master.");
  const reassign = pick("failover.reassign.").filter((f) => f.key !== "failover.reassign.defaults");
  if (master.length === 0) return [];
  const at = (f: Figure): number => Number(f.params?.["session"]) / 1000;
  const series: Series[] = [
    { name: "overseer master failover", points: master.map((f) => [at(f), f.value / 1000]) },
    { name: "overseer dead worker's task restarted", points: reassign.map((f) => [at(f), f.value / 1000]) },
    {
      name: "BullMQ stalled job restarted (lockDuration = stalledInterval = session)",
      points: reassign.map((f) => [at(f), (f.anchor ?? NaN) / 1000]),
    },
    { name: "session timeout", points: master.map((f) => [at(f), at(f)]) },
  ];
  const title = "Recovery after SIGKILL vs session timeout";
  return [
    {
      file: "failover.svg",
      title,
      svg: lineChart(title, subtitle(r), "session timeout (s)", "seconds", series),
    },
  ];
}

/**
 * Latency p50 and p99 against the offered load (% of the slower system's capacity), both systems; and the
 * like-for-like p50s where measured (overseer with forceSync off, BullMQ on Redis with appendfsync always).
 */
function pacedChart(r: BenchResult): Chart[] {
  const figs = r.figures.filter((f) => /^paced\.\d+\.p(50|99)$/.test(f.key));
  if (figs.length === 0) return [];
  const anchor = figs[0]?.anchorName ?? "BullMQ";
  const load = (f: Figure): number => Number(f.params?.["load"]);
  const line = (name: string, of: Figure[], pick: (f: Figure) => number | undefined): Series[] =>
    of.length === 0 ? [] : [{ name, points: of.map((f): [number, number] => [load(f), pick(f) ?? NaN]) }];
  const series: Series[] = (["p50", "p99"] as const).flatMap((p) => {
    const mine = figs.filter((f) => f.key.endsWith(p));
    return [...line(`overseer ${p}`, mine, (f) => f.value), ...line(`${anchor} ${p}`, mine, (f) => f.anchor)];
  });
  const p50 = (kind: string): Figure[] =>
    r.figures.filter((f) => new RegExp(`^paced\\.${kind}\\.\\d+\\.p50$`).test(f.key));
  series.push(
    ...line("overseer with forceSync off p50", p50("nosync"), (f) => f.value),
    ...line(`${p50("durable")[0]?.anchorName ?? "BullMQ durable"} p50`, p50("durable"), (f) => f.anchor),
  );
  const title = "Submit → result latency at a paced offered load (medians of rounds)";
  const svg = lineChart(title, subtitle(r), "offered load (% of the slower system's capacity)", "ms", series);
  return [{ file: "paced-latency.svg", title, svg }];
}

export function chartsFor(r: BenchResult): Chart[] {
  const f = (re: RegExp): Figure[] => r.figures.filter((x) => re.test(x.key));
  const shape = (x: Figure): string => String(x.params?.["shape"] ?? x.label);
  switch (r.name) {
    case "server":
      return bars(
        r,
        "server-ops.svg",
        "Embedded server vs Apache ZooKeeper (both fsync)",
        f(/^server\..*\.ops$/),
        (x) => String(x.params?.["op"]),
      );
    case "client":
      return ["yes", "no"].flatMap((s) => [
        ...multiBars(
          r,
          `client-ops-sync-${s}.svg`,
          `Client ops/s on Apache ZooKeeper, forceSync=${s}`,
          f(new RegExp(`sync-${s}\\..*\\.ops$`)),
        ),
        ...multiBars(
          r,
          `client-cpu-sync-${s}.svg`,
          `Client CPU µs per op, forceSync=${s}`,
          f(new RegExp(`sync-${s}\\..*\\.cpu$`)),
        ),
      ]);
    case "tasks":
      // One group per shape: overseer, BullMQ on Redis without persistence, and where measured
      // (tasks.<shape>.durable.*) BullMQ on Redis with appendfsync always.
      return [
        ...multiBars(
          r,
          "tasks-throughput.svg",
          "Tasks/s end to end: overseer vs BullMQ (medians of rounds, min–max)",
          f(/^tasks\.\d+x\d+\.(durable\.)?perSec$/),
          shape,
        ),
        ...multiBars(
          r,
          "tasks-p50.svg",
          "Submit → result p50 inside a burst of N tasks (backlog included)",
          f(/^tasks\.\d+x\d+\.(durable\.)?p50$/),
          shape,
        ),
        ...multiBars(
          r,
          "tasks-p99.svg",
          "Submit → result p99 inside a burst of N tasks (backlog included)",
          f(/^tasks\.\d+x\d+\.(durable\.)?p99$/),
          shape,
        ),
      ];
    case "latency":
      // One group per percentile: overseer, BullMQ on Redis without and with appendfsync always.
      return multiBars(
        r,
        "latency-single.svg",
        "One task at a time: submit → result (medians of rounds, min–max)",
        f(/^latency\.single\.(durable\.)?p(50|99)$/),
        (x) => x.key.replace(/^.*\./, ""),
      );
    case "paced":
      return pacedChart(r);
    case "failover":
      return failoverChart(r);
    case "memory":
      return curves({ ...r, figures: f(/^memory\.rss\./) }).map((c) => ({
        ...c,
        file: "memory-rss.svg",
        title: "Server resident memory (MiB) vs znodes",
        svg: c.svg.replace(/(font-weight="bold">)[^<]*/, "$1Server resident memory (MiB) vs znodes"),
      }));
    case "cost":
      return [
        ...bars(r, "cost-txns.svg", "ZooKeeper transactions per task", f(/^cost\.txns\./), (x) =>
          String(x.params?.["scenario"]),
        ),
        ...bars(r, "cost-ceiling.svg", "Tasks/s ceiling on a 3-node ensemble", f(/^cost\.implied\./), (x) =>
          String(x.params?.["scenario"]),
        ),
      ];
    default:
      return curves(r).map((c) => ({
        ...c,
        file: c.file.startsWith(r.name) ? c.file : `${r.name}-${c.file}`,
      }));
  }
}

export { num };
