/** The report's goals table (bench/report/goals.ts): verdicts computed from the figures. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BenchResult, Figure } from "../../bench/lib/results.js";
import { goals } from "../../bench/report/goals.js";

function result(
  name: string,
  figures: Figure[],
  durationMs = 1000,
  command = `tsx bench/${name}.ts`,
): BenchResult {
  const machine = { cpus: "cpu", cores: 2, memGiB: 1, os: "linux", node: "v20" };
  return { name, command, startedAt: "", durationMs, machine, versions: {}, figures, notes: [] };
}

function fig(key: string, value: number, anchor?: number, label = key): Figure {
  return { key, label, unit: "", value, higherIsBetter: true, ...(anchor === undefined ? {} : { anchor }) };
}

describe("bench report goals", () => {
  it("computes each verdict from the median and its anchor; a missing figure has none", () => {
    const results = [
      result("tasks", [fig("tasks.2x16.perSec", 1190, 1000), fig("tasks.1x1.perSec", 2000, 1000)]),
      result("latency", [fig("latency.single.durable.p50", 1.0, 1.0)]),
      result("failover", [
        fig("failover.master.2000", 2200, 2000),
        fig("failover.reassign.2000", 2201, 4000),
      ]),
      result("tls", [fig("tls.apache.create.ops", 795, 1000, "Apache: create over TLS (ops/s)")]),
    ];
    const run = result("run", [], 899_000, "npx tsx bench/run-all.ts");
    const g = new Map(goals(results, run).map((x) => [x.goal, x]));
    assert.equal(g.get("2×16 tasks/s ≥ 1.2× BullMQ without persistence")?.met, false, "1.19× misses 1.2×");
    assert.equal(g.get("1×1 tasks/s ≥ 1.0× BullMQ without persistence")?.met, true);
    assert.equal(
      g.get("one task in flight, p50 ≤ 1.0× BullMQ with appendfsync always")?.met,
      true,
      "equal is met",
    );
    const single = g.get("one task in flight, p50 ≤ 1.3× BullMQ without persistence (overseer durable)");
    assert.equal(single?.met, null);
    assert.equal(single?.measured, "not measured in this run");
    assert.equal(g.get("master failover ≤ session + 200 ms, session 2 s")?.met, true);
    assert.equal(g.get("worker reassignment ≤ session + 200 ms, session 2 s")?.met, false);
    const tls = g.get("Apache: create over TLS: ≥ 0.8× plain");
    assert.equal(tls?.met, false);
    assert.match(tls?.measured ?? "", /0\.795×$/, "a miss is not rounded up onto the limit");
    assert.equal(g.get("`npm run bench` under 15 minutes")?.met, true);
  });

  it("the run's length counts only for a full run", () => {
    const over = result("run", [], 901_000, "npx tsx bench/run-all.ts");
    assert.equal(goals([], over).at(-1)?.met, false);
    const smoke = result("run", [], 60_000, "tsx bench/run-all.ts --smoke");
    assert.equal(goals([], smoke).at(-1)?.met, null);
    assert.equal(goals([], undefined).at(-1)?.met, null);
    const partial = result("run", [], 60_000, "npx tsx bench/run-all.ts --only tasks --out /tmp/x");
    assert.equal(goals([], partial).at(-1)?.met, null);
  });
});
