/**
 * The checker can fail: a short chaos run of a deliberately broken build — workers commit without the
 * fencing-token check (the test-only `unsafeDisableFencing` option) — under the one fault that exposes it:
 * `worker-evict`, aimed at the worker with the most executions in flight (`targetBusy`). The victim is paused
 * and its /workers node deleted while its session lives; the master takes its tasks back and another worker
 * reruns them; resumed, the zombie's handlers finish and it commits late results, which the token check
 * would refuse. Without it the late result is stored (or stored beside the rerun's): a `stale-result`
 * naming the evicted worker. Every eviction hits running work, so one of the ~8 evictions in 30 s is enough.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readHistory } from "./history.js";
import { formatReport } from "./report.js";
import { runChaos } from "./run.js";

test("a build with worker fencing turned off is caught by the checker", { timeout: 240_000 }, async () => {
  const run = await runChaos({
    durationMs: 30_000,
    backend: "embedded",
    seed: 3,
    faults: ["worker-evict"],
    gapMs: [1500, 3000],
    targetBusy: true,
    unsafeDisableFencing: true,
    drainMs: 30_000,
  });
  console.log(formatReport(run));
  const victims = readHistory(run.dir).flatMap((e) =>
    e.ev === "fault" && e.kind === "worker-evict" && e.phase === "inject" ? [e.target] : [],
  );
  assert.ok(victims.length >= 3, `evictions happened (${victims.length})`);
  assert.equal(run.result.ok, false, "the checker must find violations in the broken build");
  const zombieResults = run.result.violations.filter(
    (v) => v.invariant === "stale-result" && victims.some((w) => v.detail.startsWith(`result of ${w}@`)),
  );
  assert.ok(
    zombieResults.length > 0,
    `a late result of an evicted worker (${victims.join(", ")}) was committed and reported as stale-result`,
  );
});
