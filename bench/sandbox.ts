/**
 * `npx tsx bench/sandbox.ts`: what sandboxed handlers cost. No-op tasks end to end at W workers × C
 * concurrency (default 2×16), overseer with `isolation` none, thread and process, against BullMQ 5 with
 * an inline processor and with its sandboxed processors (a processor file path: child processes, and
 * `useWorkerThreads`), all in one run.
 *
 * overseer: the embedded server as its own process (data dir, forceSync), one master and W worker
 * processes per isolation, each under its own root; the handler module bench/sandbox/handlers.mjs is
 * loaded by path (in each sandbox for thread/process). BullMQ: redis-server without persistence, one
 * queue per mode, the processor file bench/sandbox/bull-processor.mjs. Every system is started once
 * and warmed up; then --rounds rounds (≥ 5) each run every system once, the order reversed every other
 * round; reported: the median round's tasks/s with the min–max of the rounds.
 *
 *   npx tsx bench/sandbox.ts [--count 5000 --warmup 1000 --rounds 5 --workers 2 --concurrency 16 --json FILE]
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startChild } from "./lib/children.js";
import { Submitter, howRun, type ZooKeeperClient } from "./lib/overseer.js";
import { packageVersion } from "./lib/versions.js";
import { fmt } from "./load.js";
import { failed, setUp } from "./tasks/setup.js";
import { startBull } from "./tasks/bull.js";
import { drive, type ChunkSubmitter } from "./tasks/measure.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "5000" },
    warmup: { type: "string", default: "1000" },
    rounds: { type: "string", default: "5" },
    workers: { type: "string", default: "2" },
    concurrency: { type: "string", default: "16" },
    json: { type: "string" },
    "allow-load": { type: "boolean", default: false },
  },
});
const COUNT = Number(values.count);
const ROUNDS = Math.max(1, Number(values.rounds));
const WORKERS = Number(values.workers);
const CONCURRENCY = Number(values.concurrency);
const CHUNK = 500;
const ROLE = fileURLToPath(new URL("./tasks/overseer-role.ts", import.meta.url));
const WORKER = fileURLToPath(new URL("./sandbox/overseer-worker.ts", import.meta.url));
const BULL_WORKER = fileURLToPath(new URL("./sandbox/bull-worker.ts", import.meta.url));

interface System {
  name: string;
  chunk: ChunkSubmitter;
  rounds: number[];
  close?: () => Promise<void>;
}

async function overseer(cs: string, zk: ZooKeeperClient, isolation: string): Promise<System> {
  const root = `/sandbox-${isolation}`;
  await zk.create(root, null);
  // The master and the workers start side by side (start-up is not measured).
  await Promise.all([
    startChild(`${root} master`, ROLE, ["master", cs, root, "m1", "4000", "1"]).then((m) =>
      m.waitFor((l) => "leader" in l, "leading"),
    ),
    ...Array.from({ length: WORKERS }, (_, i) =>
      startChild(`${root} worker ${i + 1}`, WORKER, [
        cs,
        root,
        `w${i + 1}`,
        "4000",
        String(CONCURRENCY),
        isolation,
      ]),
    ),
  ]);
  const sub = new Submitter(zk, { root });
  return {
    name: `overseer, isolation ${isolation}`,
    rounds: [],
    chunk: async (size) =>
      (await sub.submitMany(Array.from({ length: size }, () => ({ type: "noop" })))).map((h) => h.result()),
  };
}

async function bull(port: number, mode: string): Promise<System> {
  const b = await startBull(port, `sandbox-${mode}`, WORKERS, CONCURRENCY, "events", {
    script: { path: BULL_WORKER, args: [mode] },
  });
  const what = {
    inline: "inline processor",
    process: "sandboxed (child processes)",
    thread: "sandboxed (useWorkerThreads)",
  };
  return {
    name: `BullMQ, ${what[mode as keyof typeof what]}`,
    rounds: [],
    chunk: b.chunk,
    close: () => b.close(),
  };
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? NaN, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

async function main(): Promise<void> {
  const setup = await setUp("sandbox", { allowLoad: values["allow-load"], durable: false });
  const { out, cs, zk, redis } = setup;
  const systems: System[] = [];
  try {
    // Every system's processes start side by side; `systems` keeps this order (the pairs below index it).
    const started = await Promise.allSettled([
      ...["none", "thread", "process"].map((iso) => overseer(cs, zk, iso)),
      ...["inline", "process", "thread"].map((mode) => bull(redis.port, mode)),
    ]);
    for (const r of started) if (r.status === "fulfilled") systems.push(r.value);
    const failure = started.find((r) => r.status === "rejected");
    if (failure !== undefined) throw failure.reason;
    for (const s of systems) await drive(Number(values.warmup), CHUNK, s.chunk);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? systems : [...systems].reverse();
      for (const s of order) {
        const t = await drive(COUNT, CHUNK, s.chunk);
        s.rounds.push(t.perSec);
        console.log(`round ${r + 1}: ${s.name}: ${fmt(t.perSec)} tasks/s (p50 ${fmt(t.p50)} ms)`);
      }
    }
    const shape = `${WORKERS}×${CONCURRENCY}`;
    const none = stats(systems[0]?.rounds ?? []).median;
    const inline = stats(systems[3]?.rounds ?? []).median;
    const pairs: [number, number, string][] = [
      [0, 3, "none"],
      [1, 5, "thread"],
      [2, 4, "process"],
    ];
    for (const [ours, theirs, iso] of pairs) {
      const o = stats(systems[ours]?.rounds ?? []);
      const b = stats(systems[theirs]?.rounds ?? []);
      const bName = systems[theirs]?.name ?? "";
      console.log(
        `${shape} isolation ${iso}: ${fmt(o.median)} tasks/s (${fmt(o.min)}–${fmt(o.max)}), ${fmt((o.median / none) * 100)}% of none; ` +
          `${bName}: ${fmt(b.median)} (${fmt(b.min)}–${fmt(b.max)}), ${fmt((b.median / inline) * 100)}% of inline`,
      );
      out.add({
        key: `sandbox.${iso}.perSec`,
        label: `tasks/s, ${shape} no-op, isolation ${iso} (median; ${fmt(o.min)}–${fmt(o.max)}) vs ${bName} (${fmt(b.min)}–${fmt(b.max)})`,
        unit: "tasks/s",
        value: o.median,
        anchor: b.median,
        anchorName: `BullMQ ${packageVersion("bullmq")}, ${bName.replace("BullMQ, ", "")}`,
        higherIsBetter: true,
        params: { isolation: iso, workers: WORKERS, concurrency: CONCURRENCY },
      });
    }
    out.note(
      `${fmt(COUNT)} no-op tasks per round at ${shape}, chunks of ${CHUNK}, warm-up ${values.warmup}; ${ROUNDS} rounds, order reversed every other round; median round with min–max`,
    );
    out.note(
      "overseer: embedded server process (forceSync), one master and the workers as processes per isolation",
    );
    out.note(
      "BullMQ: redis-server --save '' --appendonly no; addBulk + one QueueEvents 'completed' listener",
    );
    out.note(howRun("BullMQ"));
  } finally {
    for (const s of systems) await s.close?.();
    await setup.stop();
  }
  out.write(values.json);
}

main().catch(failed);
