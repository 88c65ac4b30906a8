/**
 * The report's method section and run facts: how figures are sampled, the load guard's verdict, the data
 * directories' filesystems, and the worker prefetch default (as measured in this run, and how it was chosen).
 */
import type { BenchResult, Figure } from "../lib/results.js";
import { describeLoad, filesystemText } from "../lib/machine.js";

/** A bold warning for the top of the report when any result was taken with the load guard overridden. */
export function loadWarning(results: readonly BenchResult[]): string[] {
  const under = results.filter((r) => r.load?.over === true);
  if (under.length === 0) return [];
  return [
    `> **Taken under load.** The 1-minute load average was above the core count when ${under
      .map((r) => (r.name === "run" ? "bench/run-all.ts" : r.name))
      .join(
        ", ",
      )} started (run anyway with --allow-load): other work shared the CPU and the figures may be low.`,
    "",
  ];
}

/** "## This run": bench/run-all.ts's run.json (load at start, filesystems, each benchmark's time). */
export function runSection(run: BenchResult | undefined): string[] {
  if (run === undefined) return [];
  const lines = ["## This run", ""];
  if (run.load !== undefined) lines.push(`- ${describeLoad(run.load)}`);
  for (const f of run.filesystems ?? []) lines.push(`- filesystem of ${filesystemText(f)}`);
  lines.push(...run.notes.filter((n) => /^\w+: (done|FAILED) in|^total/.test(n)).map((n) => `- ${n}`), "");
  return lines;
}

/** The prefetch each measured overseer worker ran with, from the figures' params. */
function prefetchSeen(results: readonly BenchResult[]): string {
  const seen = new Map<string, string>();
  const add = (f: Figure | undefined, what: string): void => {
    const p = f?.params?.["prefetch"];
    if (typeof p === "number" && Number.isFinite(p)) seen.set(what, String(p));
  };
  const by = (name: string): Figure[] => results.find((r) => r.name === name)?.figures ?? [];
  for (const f of by("tasks"))
    add(f, `${String(f.params?.["shape"])} (concurrency ${String(f.params?.["concurrency"])})`);
  const single = by("latency")[0];
  add(single, `one at a time, default options (concurrency ${String(single?.params?.["concurrency"])})`);
  if (seen.size === 0) return "";
  return ` In this run: ${[...seen].map(([k, v]) => `${k}: prefetch ${v}`).join("; ")}.`;
}

export function methodSection(results: readonly BenchResult[]): string[] {
  return [
    "## Method",
    "",
    "- **Medians of rounds.** A figure shown as `median [min–max]` is the median of its rounds (at least 5 in the",
    "  full run; an odd count, so the median is a measured round) with the lowest and highest round beside it, for",
    "  overseer and for the anchor alike. Rounds alternate which system goes first (A B C, then C B A, …), so a",
    "  slow spell of the machine does not always hit the same system. A figure without a range is a single",
    "  measurement; its section's notes say how it was taken.",
    "- **Three kinds of latency.** The tasks section's p50/p99 are measured inside a burst of N tasks: they",
    "  include the backlog, and measure throughput more than latency. Latency alone is in two sections: one task",
    "  in flight at a time (submit → result, nothing queued in front of it), and a paced offered load (50% and",
    "  80% of the slower system's capacity as a steady stream of single submits, each task timed from the moment",
    "  it was due, so a late driver cannot hide a queue).",
    "- **Durability.** overseer's embedded server runs with forceSync (every write fsync'd before it is",
    "  acknowledged). BullMQ is measured on Redis without persistence (how it is usually run: an acknowledged job",
    "  can be lost in a crash) and, where marked, on Redis with `appendfsync always` (durable like overseer).",
    "- **Load guard.** A run refuses to start while the 1-minute load average is above the number of cores",
    "  (`--allow-load` runs anyway and marks every result, shown at the top of this file). The load averages at",
    "  start and the filesystems of the data directories (type, device, mount options) are recorded per result.",
    "- **Worker prefetch.** An overseer worker holds up to `prefetch` assignments queued beyond the tasks it",
    "  runs, so a freed slot starts the next task without waiting for the master. Default `auto`",
    "  (src/tasks/worker/prefetch.ts): sized from the handlers' running mean time to cover ~50 ms of work, between 0",
    "  and `max(256, 8 × concurrency)` (and under 16 MiB of queued task data); no-op tasks get the maximum.",
    "  Each benchmark records what its worker advertised after its rounds." + prefetchSeen(results),
    "  Tuning, disclosed: the maximum was chosen with bench/tasks.ts at 2×16 (20,000 tasks, 5 alternating",
    "  rounds per setting, quiet machine, issue #20, second pass): prefetch 48 gave 1.12× BullMQ, 128 1.16×,",
    "  256 1.29× (1.29× again in a second run), 512 1.34×; the floor 256 and factor 8 give 256 at",
    "  concurrency 1 to 32. (The first pass, over 20,000-task runs of 3 rounds, found 16 → 0.92–1.00×, 48 →",
    "  1.02–1.03×, 96 → 0.96–1.01×; at 1×1, 3 → 0.39×, 8 → 0.82×, 16 → 0.81–1.18×, 32 → 2.07×.) So the 1×1",
    "  and 2×16 figures are measured at settings tuned on this benchmark. BullMQ runs at its defaults with",
    "  only the concurrency set (its",
    "  worker fetches the next job in the same call that completes the last one).",
    "",
  ];
}
