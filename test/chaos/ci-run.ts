/**
 * The CI-short chaos run (test/long/chaos*.test.ts): 40 s of every fault kind the backend supports on this
 * machine (partitions where `ip netns` works) while tasks flow; the checker must pass. One backend per test
 * file: the runner's per-file timeout (120 s, scripts/run-tests.mjs) holds one run with start-up and drain
 * (≈ 50–100 s on a loaded 2-core machine), not two.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { apacheZooKeeperAvailable } from "../harness/apache-zk.js";
import { formatReport } from "./report.js";
import { runChaos, type BackendKind } from "./run.js";

export function chaosCiTest(backend: BackendKind): void {
  test(
    `chaos (${backend}): 40 s of faults while tasks flow, no invariant violated`,
    {
      timeout: 115_000,
      skip: backend === "ensemble" && !apacheZooKeeperAvailable() ? "Apache ZooKeeper not installed" : false,
    },
    async () => {
      const seed = Number(process.env["CHAOS_SEED"] ?? Math.floor(Math.random() * 1_000_000));
      const run = await runChaos({ durationMs: 40_000, backend, seed, drainMs: 45_000 });
      console.log(formatReport(run));
      assert.ok(
        run.result.ok,
        `chaos checker failed on ${backend} (reproduce: npm run chaos -- --backend ${backend} --seed ${seed} --duration 40s)`,
      );
      assert.ok(run.result.figures.acked > 100, "tasks flowed");
    },
  );
}
