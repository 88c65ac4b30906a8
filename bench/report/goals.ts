/**
 * The report's goals table: each stated goal of issues #20 (throughput, latency, failover, the run's
 * length) and #19 (what TLS costs), the figure that decides it, and "met" or "missed" computed from that
 * figure's median — never written by hand. A goal whose figure this run did not produce says so.
 */
import type { BenchResult, Figure } from "../lib/results.js";
import { ratioText } from "./charts.js";
import { numRange } from "./svg.js";

/** `npm run bench` must finish within this (issue #20). */
export const RUN_LIMIT_MS = 15 * 60_000;
/** Failover and reassignment may exceed the session timeout by at most this (issue #20). */
export const FAILOVER_SLACK_MS = 200;
/** TLS throughput ÷ plain must reach this (issue #19: "TLS costs under 20%"). */
export const TLS_MIN_RATIO = 0.8;

interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
}

function find(results: readonly BenchResult[], bench: string, key: string): Figure | undefined {
  return results.find((r) => r.name === bench)?.figures.find((f) => f.key === key);
}

/** A ratio goal on one figure: overseer ÷ anchor at least (higher is better) or at most `limit`. */
function ratioGoal(f: Figure | undefined, goal: string, limit: number, atLeast: boolean): Goal {
  if (f?.anchor === undefined || f.anchor === 0 || !Number.isFinite(f.value))
    return { goal, measured: "not measured in this run", met: null };
  const r = f.value / f.anchor;
  const met = atLeast ? r >= limit : r <= limit;
  // A miss that two decimals would round onto the limit (0.795 → "0.80×") shows a third.
  const text = !met && Number(r.toFixed(2)) === limit ? `${r.toFixed(3)}×` : ratioText(f);
  const measured = `${numRange(f.value, f.range, f.unit)} vs ${numRange(f.anchor, f.anchorRange, f.unit)} = ${text}`;
  return { goal, measured, met };
}

/** The ratio goals of issue #20: bench, figure key, goal, limit, and whether the ratio must reach it (≥). */
const RATIO_GOALS: [string, string, string, number, boolean][] = [
  ["tasks", "tasks.2x16.perSec", "2×16 tasks/s ≥ 1.2× BullMQ without persistence", 1.2, true],
  ["tasks", "tasks.1x1.perSec", "1×1 tasks/s ≥ 1.0× BullMQ without persistence", 1.0, true],
  [
    "latency",
    "latency.single.p50",
    "one task in flight, p50 ≤ 1.3× BullMQ without persistence (overseer durable)",
    1.3,
    false,
  ],
  ["latency", "latency.single.nosync.p50", "the same, like for like (overseer forceSync off)", 1.3, false],
  [
    "latency",
    "latency.single.durable.p50",
    "one task in flight, p50 ≤ 1.0× BullMQ with appendfsync always",
    1.0,
    false,
  ],
];

export function goals(results: readonly BenchResult[], run: BenchResult | undefined): Goal[] {
  const out: Goal[] = RATIO_GOALS.map(([bench, key, goal, limit, atLeast]) =>
    ratioGoal(find(results, bench, key), goal, limit, atLeast),
  );
  const failover = results.find((r) => r.name === "failover")?.figures ?? [];
  for (const f of failover) {
    const m = /^failover\.(master|reassign)\.(\d+)$/.exec(f.key);
    if (m === null) continue;
    const session = Number(m[2]);
    const what = m[1] === "master" ? "master failover" : "worker reassignment";
    out.push({
      goal: `${what} ≤ session + ${FAILOVER_SLACK_MS} ms, session ${session / 1000} s`,
      measured: `${numRange(f.value, f.range, "ms")} ms`,
      met: f.value <= session + FAILOVER_SLACK_MS,
    });
  }
  for (const f of results.find((r) => r.name === "tls")?.figures ?? [])
    if (/^tls\.\w+\.\w+\.ops$/.test(f.key))
      out.push(
        ratioGoal(
          f,
          `${f.label.replace(/ \(ops\/s\)$/, "")}: ≥ ${TLS_MIN_RATIO}× plain`,
          TLS_MIN_RATIO,
          true,
        ),
      );
  // A smoke run or a partial one (--only) says nothing of the full run's length.
  const partial = run === undefined || /--smoke|--only/.test(run.command);
  out.push(
    partial
      ? { goal: "`npm run bench` under 15 minutes", measured: "not a full run", met: null }
      : {
          goal: "`npm run bench` under 15 minutes",
          measured: `${Math.round(run.durationMs / 1000).toLocaleString("en-US")} s (limit ${RUN_LIMIT_MS / 1000} s)`,
          met: run.durationMs <= RUN_LIMIT_MS,
        },
  );
  return out;
}

export function goalsSection(results: readonly BenchResult[], run: BenchResult | undefined): string[] {
  const rows = goals(results, run).map(
    (g) => `| ${g.goal} | ${g.measured} | ${g.met === null ? "—" : g.met ? "met" : "**missed**"} |`,
  );
  return [
    "## Goals",
    "",
    "Each goal of issue #20 (and #19's TLS cost) with the median that decides it, computed from this run's results.",
    "",
    "| goal | measured: median [min–max] | verdict |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ];
}
