/** The report's headline table: one line per anchor, the ratios a reader looks for first. */
import type { BenchResult, Figure } from "../lib/results.js";
import { ratioText } from "./charts.js";
import { labelWithUnit, numRange } from "./svg.js";

const PICKS: [string, RegExp][] = [
  ["server", /^server\.(create|getData|setData|delete)\.ops$/],
  ["client", /^client\.(nzk|native)\.sync-yes\.(create|getData)\.(ops|cpu)$/],
  // Throughput only: the tasks section's p50/p99 are inside a burst (backlog); latency is in latency and paced.
  ["tasks", /^tasks\.\d+x\d+\.perSec$/],
  // After every shape's usual (Redis without persistence) ratio: the same overseer rounds vs BullMQ on
  // Redis with appendfsync always, where measured (--durable-shapes).
  ["tasks", /^tasks\.\d+x\d+\.durable\.perSec$/],
  ["latency", /^latency\.single\.(durable\.|nosync\.)?p(50|99)$/],
  ["paced", /^paced\.(durable\.|nosync\.)?\d+\.p(50|99)$/],
  ["failover", /^failover\.(master|reassign)\.(\d+|defaults)$/],
  ["memory", /^memory\.perZnode$/],
  ["cost", /^cost\.(txns\.(one-by-one|batched)|implied\.one-by-one)$/],
];

export function headlines(results: readonly BenchResult[]): string[] {
  const rows = ["| figure | overseer | anchor | ratio |", "| --- | ---: | ---: | ---: |"];
  for (const [name, re] of PICKS) {
    const r = results.find((x) => x.name === name);
    for (const f of r?.figures.filter((x: Figure) => re.test(x.key)) ?? [])
      rows.push(
        `| ${labelWithUnit(f)} | ${numRange(f.value, f.range, f.unit)} | ${f.anchor === undefined ? "—" : `${numRange(f.anchor, f.anchorRange, f.unit)} (${f.anchorName ?? ""})`} | ${ratioText(f) || "—"} |`,
      );
  }
  return rows;
}
