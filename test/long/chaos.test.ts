/** A short chaos run on each backend (test/chaos): every fault kind, the checker must pass. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { apacheZooKeeperAvailable } from "../harness/apache-zk.js";
import { formatReport } from "../chaos/report.js";
import { runChaos, type BackendKind } from "../chaos/run.js";

for (const backend of ["embedded", "ensemble"] as BackendKind[]) {
  test(
    `chaos (${backend}): 40 s of faults while tasks flow, no invariant violated`,
    {
      timeout: 180_000,
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
