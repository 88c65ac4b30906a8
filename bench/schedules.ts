/**
 * `npx tsx bench/schedules.ts`: how late a repeatable task starts, overseer's schedules against BullMQ 5's
 * job schedulers (`queue.upsertJobScheduler(id, { every, limit })`), in one run.
 *
 * Each round: one schedule `--every` ms with `limit --firings`, a worker (concurrency 4) whose no-op
 * handler records start time − slot. The slot is in the task id: `<id>@<slot>` for overseer,
 * `repeat:<id>:<slot>` for BullMQ. For overseer the firing's own lateness (task node ctime − slot) is
 * noted too: the rest is the master's assignment and the worker's read. overseer: the embedded server as
 * its own process (forceSync), the active master and the worker in this process. BullMQ: a local Redis
 * without persistence, the worker in this process. `--rounds` rounds alternate which goes first; figures
 * are the median over rounds of each round's p50 and p99 lateness (ms), with the min–max in the notes.
 *
 *   npx tsx bench/schedules.ts [--every 100] [--firings 50] [--rounds 5] [--json FILE]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Queue, Worker as BullWorker } from "bullmq";
import { ResultBuilder, ratio } from "./lib/emit.js";
import { ZooKeeperClient, Master, Worker, howRun, startServerProcess, tasks } from "./lib/overseer.js";
import { ensureRedis, startRedis } from "./lib/redis.js";
import { overseerVersion, packageVersion } from "./lib/versions.js";
import { percentile } from "./tasks/measure.js";

const { values } = parseArgs({
  options: {
    every: { type: "string", default: "100" },
    firings: { type: "string", default: "50" },
    rounds: { type: "string", default: "5" },
    json: { type: "string" },
  },
});
const EVERY = Number(values.every);
const FIRINGS = Number(values.firings);
const ROUNDS = Number(values.rounds);

interface Lateness {
  p50: number;
  p99: number;
}

/** Resolves with the round's lateness once `FIRINGS` starts were recorded into `late`. */
function collector(): { late: number[]; record(ms: number): void; done: Promise<Lateness> } {
  const late: number[] = [];
  let finish!: (l: Lateness) => void;
  const done = new Promise<Lateness>((r) => (finish = r));
  return {
    late,
    record(ms) {
      late.push(ms);
      if (late.length !== FIRINGS) return;
      const sorted = [...late].sort((a, b) => a - b);
      finish({ p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
    },
    done,
  };
}

async function main(): Promise<void> {
  ensureRedis();
  const result = new ResultBuilder("schedules");
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-schedules-"));
  const server = await startServerProcess(dir);
  const redis = await startRedis("none");
  const zk = new ZooKeeperClient({ connectString: `127.0.0.1:${server.port}`, sessionTimeout: 4000 });
  await zk.connect();
  const root = "/bench-schedules";
  await zk.create(root, null);
  let current = collector();
  const master = new Master(zk, { root, id: "m" });
  await master.start();
  await master.waitForLeadership();
  const slotOf = (id: string, sep = "@"): number => Number(id.slice(id.lastIndexOf(sep) + 1));
  const ids: string[] = [];
  const worker = new Worker(
    zk,
    { tick: (ctx) => void (current.record(Date.now() - slotOf(ctx.id)), ids.push(ctx.id)) },
    { root, id: "w", concurrency: 4 },
  );
  await worker.start();
  const schedules = new tasks.Schedules(zk, { root });
  const connection = { host: "127.0.0.1", port: redis.port };
  const queue = new Queue("bench-schedules", { connection });
  const bull = new BullWorker(
    "bench-schedules",
    async (job) => void current.record(Date.now() - slotOf(job.id ?? "", ":")),
    { connection, concurrency: 4 },
  );
  await bull.waitUntilReady();

  const runs: Record<"overseer" | "bullmq", Lateness[]> = { overseer: [], bullmq: [] };
  /** overseer: task node ctime − slot (the server's clock; same machine). */
  const fired: number[] = [];
  const submitter = new tasks.Submitter(zk, { root });
  const round = async (who: "overseer" | "bullmq", i: number): Promise<void> => {
    current = collector();
    const id = `r${i}`;
    if (who === "overseer") await schedules.upsert(id, { every: EVERY, limit: FIRINGS }, { type: "tick" });
    else await queue.upsertJobScheduler(id, { every: EVERY, limit: FIRINGS }, { name: "tick" });
    const l = await current.done;
    if (who === "overseer") {
      await schedules.remove(id);
      for (const t of ids.splice(0)) {
        const stat = await zk.exists(submitter.handle(t).path);
        if (stat !== null) fired.push(stat.ctime - slotOf(t));
      }
    } else await queue.removeJobScheduler(id);
    runs[who].push(l);
    console.log(`round ${i} ${who}: lateness p50 ${l.p50} ms, p99 ${l.p99} ms`);
  };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const order: ("overseer" | "bullmq")[] = i % 2 === 0 ? ["overseer", "bullmq"] : ["bullmq", "overseer"];
      for (const who of order) await round(who, i);
    }
  } finally {
    await bull.close();
    await queue.close();
    await worker.close();
    await master.close();
    await zk.close();
    await server.kill("SIGKILL");
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const span = (xs: number[]): string => `${Math.min(...xs)}–${Math.max(...xs)}`;
  const anchorName = `BullMQ ${packageVersion("bullmq")} job scheduler (Redis ${redis.version}, no persistence)`;
  for (const p of ["p50", "p99"] as const) {
    const o = runs.overseer.map((l) => l[p]);
    const b = runs.bullmq.map((l) => l[p]);
    result.add({
      key: `schedules.lateness.${p}`,
      label: `start − slot, ${p} (ms), every ${EVERY} ms`,
      unit: "ms",
      value: mid(o),
      anchor: mid(b),
      anchorName,
      higherIsBetter: false,
      params: { every: EVERY, firings: FIRINGS, rounds: ROUNDS },
    });
    result.note(
      `${p} lateness over ${ROUNDS} rounds: overseer ${span(o)} ms, BullMQ ${span(b)} ms (min–max)`,
    );
    console.log(
      `${p}: overseer ${mid(o)} ms, BullMQ ${mid(b)} ms (${ratio(mid(b), mid(o))} BullMQ/overseer)`,
    );
  }
  const f = [...fired].sort((a, b) => a - b);
  result.note(
    `overseer firing itself (task created − slot): p50 ${percentile(f, 50)} ms, p99 ${percentile(f, 99)} ms over ${f.length} firings`,
  );
  result.note(
    `${FIRINGS} firings per round of a schedule every ${EVERY} ms; worker concurrency 4; ${howRun("bullmq")}`,
  );
  result.versions["overseer"] = overseerVersion();
  result.versions["bullmq"] = packageVersion("bullmq");
  result.versions["redis"] = redis.version;
  result.write(values.json);
}

await main();
