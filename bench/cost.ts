/**
 * `npm run bench:cost`: ZooKeeper transactions per task in overseer, measured as the server's zxid
 * delta over N tasks (bench/cost/scenario.ts), against the seed design's 6 writes per task (create
 * task, create assignment, delete task, create status, delete assignment, delete status: each its own
 * transaction); and what that implies for a 3-node Apache ZooKeeper ensemble, whose write rate is
 * measured here too (bench/cost/ensemble.ts, `--ensemble-count 0` skips it).
 *
 * Writes per task, read from src/tasks (ops inside each transaction; a multi is one transaction):
 *   submit  1 create of the task node (submitMany: up to ~hundreds per multi)
 *   assign  check(task, version) + create assignment, plus 2 fencing checks per multi (batched)
 *   start   at-most-once only: check(task, token) + setData(assignment, started)
 *   result  check(task, token) + create status + delete assignment; a worker commits the outcomes of
 *           executions ending in the same turn in one multi (≤ 64 tasks), one at a time otherwise
 *   cleanup with retention only: delete status + delete task, plus 2 fencing checks per multi (batched)
 *
 *   npm run bench:cost [-- --tasks 500 --ensemble-count 20000 --json FILE]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensembleRates, type EnsembleRates } from "./cost/ensemble.js";
import { txnsPerTask, type Scenario } from "./cost/scenario.js";
import { ResultBuilder } from "./lib/emit.js";
import { howRun, startServerProcess } from "./lib/overseer.js";
import { apacheVersion, javaVersion, overseerVersion } from "./lib/versions.js";
import { fmt } from "./load.js";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "500" },
    "ensemble-count": { type: "string", default: "20000" },
    json: { type: "string" },
  },
});
const N = Number(values.tasks);
const ENSEMBLE_COUNT = Number(values["ensemble-count"]);
const SEED = 6;

const SCENARIOS: Scenario[] = [
  { key: "one-by-one", label: "submit() one at a time, 1 worker × 1", workers: 1, concurrency: 1, chunk: 1 },
  {
    key: "at-most-once",
    label: "at-most-once, one at a time, 1 × 1",
    workers: 1,
    concurrency: 1,
    chunk: 1,
    options: { delivery: "at-most-once" },
  },
  {
    key: "cleanup",
    label: "one at a time, 1 × 1, retention maxCount 0 (cleanup)",
    workers: 1,
    concurrency: 1,
    chunk: 1,
    cleanup: true,
  },
  { key: "batched", label: "submitMany ×100, 2 workers × 16", workers: 2, concurrency: 16, chunk: 100 },
];

async function main(): Promise<void> {
  const out = new ResultBuilder("cost");
  Object.assign(out.versions, { overseer: overseerVersion() });
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-cost-"));
  const measured = new Map<string, number>();
  const server = await startServerProcess(dir, 0, { tickTime: 500, fourLetterWords: "srvr" });
  try {
    for (const s of SCENARIOS) {
      const t = await txnsPerTask(server.port, s, N);
      measured.set(s.key, t);
      console.log(`${s.label}: ${t.toFixed(2)} transactions per task (seed design: ${SEED})`);
      out.add({
        key: `cost.txns.${s.key}`,
        label: `ZooKeeper transactions per task: ${s.label}`,
        unit: "txns/task",
        value: t,
        anchor: SEED,
        anchorName: "seed design (6 writes per task)",
        higherIsBetter: false,
        params: { scenario: s.key },
      });
    }
  } finally {
    await server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
  out.note(
    `zxid delta over ${fmt(N)} no-op tasks (embedded server's srvr), master, workers and submitter in one process, each its own session`,
  );
  out.note(
    "a submitter's first task in each of the 64 task buckets costs one more transaction (ensuring the bucket; a failed create takes a zxid too): " +
      "at most 64 per submitter lifetime, excluded here by 640 warm-up tasks",
  );
  out.note(
    "ops per task (src/tasks): submit 1 create; assign check+create (+2 fence checks per multi); start (at-most-once) check+setData; " +
      "result check+create status+delete assignment (outcomes ending in the same turn share one multi, ≤ 64); cleanup (retention) 2 deletes (+2 fence checks per multi)",
  );
  out.note(howRun());
  if (ENSEMBLE_COUNT > 0) {
    let rates: EnsembleRates;
    try {
      rates = await ensembleRates(ENSEMBLE_COUNT);
    } catch (err) {
      out.note(`3-node ensemble not measured: ${err instanceof Error ? err.message : String(err)}`);
      out.write(values.json);
      return;
    }
    Object.assign(out.versions, { "Apache ZooKeeper": apacheVersion(), java: javaVersion() });
    console.log(
      `3-node Apache ensemble (forceSync=yes), 128 in flight: ${fmt(rates.createPerSec)} creates/s, ${fmt(rates.multiPerSec)} 3-op multis/s`,
    );
    const ensemble = { anchorName: "3-node ensemble, single create", higherIsBetter: true };
    out.add({
      ...ensemble,
      key: "cost.ensemble.multiPerSec",
      label: "3-node ensemble: 3-op multi txns/s (result-commit shape)",
      unit: "txns/s",
      value: rates.multiPerSec,
      anchor: rates.createPerSec,
    });
    // Batched multis carry many tasks each: their count no longer bounds throughput, their size does,
    // so only the one-task-per-transaction scenarios are extrapolated.
    for (const s of SCENARIOS.filter((x) => x.chunk === 1)) {
      const t = measured.get(s.key) ?? NaN;
      out.add({
        key: `cost.implied.${s.key}`,
        label: `tasks/s ceiling on the 3-node ensemble: ${s.label}`,
        unit: "tasks/s",
        value: rates.multiPerSec / t,
        anchor: rates.createPerSec / SEED,
        anchorName: "seed design: ensemble creates/s ÷ 6",
        higherIsBetter: true,
        params: { scenario: s.key },
      });
    }
    out.note(
      `3-node Apache ZooKeeper ensemble on this same machine (3 JVMs on ${"the"} same cores, forceSync=yes): ${fmt(rates.createPerSec)} single creates/s and ` +
        `${fmt(rates.multiPerSec)} 3-op multis/s with 128 in flight. Ceiling = multi rate ÷ overseer's transactions per task (conservative: ` +
        "submits and assignments are cheaper single or batched transactions); the seed's = create rate ÷ 6",
    );
  }
  out.write(values.json);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
