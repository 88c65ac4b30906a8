/**
 * The checker can fail: a short chaos run of a deliberately broken build (workers commit without the
 * fencing-token check, masters write without the epoch check — the test-only `unsafeDisableFencing` /
 * `unsafeDisableEpochFence` options) under SIGSTOP faults that make zombies: a worker paused and evicted
 * while its session lives (its tasks are taken back and rerun; resumed, it delivers late results), the
 * active master paused and deposed while its session lives, and both paused past their session timeout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatReport } from "./report.js";
import { runChaos } from "./run.js";

test("a build with fencing turned off is caught by the checker", { timeout: 180_000 }, async () => {
  const run = await runChaos({
    durationMs: 30_000,
    backend: "embedded",
    seed: 3,
    faults: ["worker-evict", "master-depose", "worker-stop", "master-stop"],
    gapMs: [1500, 3000],
    unsafeDisableFencing: true,
    unsafeDisableEpochFence: true,
    drainMs: 30_000,
  });
  console.log(formatReport(run));
  assert.equal(run.result.ok, false, "the checker must find violations in the broken build");
  assert.ok(run.result.violations.length > 0);
});
