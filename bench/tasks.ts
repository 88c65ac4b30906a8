/**
 * `npm run bench:tasks`: overseer's master–worker system against BullMQ 5 on a local Redis, in one run,
 * at several shapes of workers × concurrency (default 1×1, 2×16, 4×32).
 *
 * Each shape: N no-op tasks end to end (submit → result seen by the submitter, which is this process),
 * submitted in chunks of 500 (overseer `submitMany`, one multi per chunk; BullMQ `addBulk`), every
 * task's result awaited as soon as its chunk is in. overseer runs on the embedded server as its own
 * process (data dir, forceSync: every write fsync'd before it is acknowledged) with an active master
 * and a backup candidate, each its own process; results through `handle.result()` per task (a watch
 * per task). BullMQ's Redis runs without persistence (`--save '' --appendonly no`); results through one
 * QueueEvents 'completed' listener matched by job id (`--bullmq-results wait`: job.waitUntilFinished
 * per job). After a warm-up each, `--rounds` rounds (default 5) alternate which goes first; every figure
 * is the MEDIAN of the rounds with its min–max beside it. 1×1 runs `--count-1x1` tasks (default N). The
 * p50/p99 here are inside a burst of N tasks, so they measure the backlog; bench/latency.ts measures one
 * task at a time and bench/paced.ts a paced load. CPU time per process is read from /proc around each round.
 * The load guard (bench/lib/machine.ts) refuses to start on a busy machine unless --allow-load.
 *
 * At the shapes in `--durable-shapes` (default 2x16; "" = none) BullMQ is also measured on a second
 * Redis, `--save '' --appendonly yes --appendfsync always` (its own temp dir, on the same filesystem
 * as overseer's data dir; checked with CONFIG GET): durable like overseer. Same driver, workers and
 * concurrency; it takes part in the same rounds (order overseer, BullMQ, BullMQ durable, reversed every
 * other round) and its medians are reported as extra figures (tasks.<shape>.durable.*).
 *
 * Then recovery at the `--session` timeout (default 4 s; `--recovery off` skips it): a cluster of an
 * active master, a backup and 2 workers × 4; master failover = SIGKILL of the active master while
 * tasks flow → the backup's first assignment; reassignment = SIGKILL of a worker mid-task → that task
 * started on the other worker; both in ms against the session timeout. bench/failover.ts measures the
 * same at several session timeouts against BullMQ's stalled-job recovery (`npm run bench` runs that one
 * and passes --recovery off here).
 *
 *   npm run bench:tasks [-- --count 20000 --count-1x1 5000 --rounds 5 --allow-load --shapes 1x1,2x16,4x32 --durable-shapes 2x16 --session 4000 --recovery on|off --json FILE --profile DIR]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { killAll, withCpu } from "./lib/children.js";
import { ResultBuilder } from "./lib/emit.js";
import { checkLoad, recordMachine } from "./lib/machine.js";
import { ZooKeeperClient, howRun, startServerProcess } from "./lib/overseer.js";
import { ensureRedis, startRedis, type Redis } from "./lib/redis.js";
import { overseerVersion, packageVersion } from "./lib/versions.js";
import { fmt } from "./load.js";
import { startBull, type Bull } from "./tasks/bull.js";
import { advertisedCapacity, overseerChunk, startCluster, stopCluster } from "./tasks/cluster.js";
import { drive, summarize, type ChunkSubmitter, type Throughput } from "./tasks/measure.js";
import { ms, record, recovery, type ShapeResult } from "./tasks/record.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    "count-1x1": { type: "string" },
    "allow-load": { type: "boolean", default: false },
    warmup: { type: "string", default: "2000" },
    shapes: { type: "string", default: "1x1,2x16,4x32" },
    "durable-shapes": { type: "string", default: "2x16" },
    chunk: { type: "string", default: "500" },
    session: { type: "string", default: "4000" },
    recovery: { type: "string", default: "on" },
    "bullmq-results": { type: "string", default: "events" },
    rounds: { type: "string", default: "5" },
    profile: { type: "string" },
    json: { type: "string" },
  },
});
const COUNT = Number(values.count);
const COUNT_1X1 = Number(values["count-1x1"] ?? values.count);
const WARMUP = Number(values.warmup);
const CHUNK = Number(values.chunk);
const ROUNDS = Number(values.rounds);
const PROFILE_FLAGS = values.profile === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", values.profile];
const BULL_RESULTS = values["bullmq-results"] === "wait" ? "wait" : "events";
function parseShapes(flag: string, list: string): { workers: number; concurrency: number }[] {
  return list
    .split(",")
    .filter((s) => s.trim() !== "")
    .map((s) => {
      const [w, c] = s.split("x").map(Number);
      if (!w || !c) throw new Error(`${flag}: expected e.g. 2x16, got ${s}`);
      return { workers: w, concurrency: c };
    });
}
const SHAPES = parseShapes("--shapes", values.shapes);
const DURABLE_SHAPES = new Set(
  parseShapes("--durable-shapes", values["durable-shapes"]).map((s) => `${s.workers}x${s.concurrency}`),
);
for (const s of DURABLE_SHAPES)
  if (!SHAPES.some((x) => `${x.workers}x${x.concurrency}` === s))
    console.log(`note: --durable-shapes ${s} is not among --shapes ${values.shapes}: not measured`);

/** The Redis instances BullMQ runs on: the usual one and, if any --durable-shapes, the durable one. */
interface Redises {
  plain: Redis;
  durable?: Redis;
}

interface System {
  name: string;
  chunk: ChunkSubmitter;
  pids: Record<string, number | undefined>;
  rounds: Throughput[];
}

async function runShape(
  cs: string,
  zk: ZooKeeperClient,
  redis: Redises,
  serverPid: number | undefined,
  workers: number,
  concurrency: number,
): Promise<ShapeResult> {
  const shape = `${workers}x${concurrency}`;
  const n = workers * concurrency === 1 ? COUNT_1X1 : COUNT;
  const warm = Math.round((WARMUP * n) / COUNT);
  const session = Number(values.session);
  // Every system's processes start side by side (start-up is not measured). If one fails, the BullMQ
  // sides that started are closed here (the role processes go with the run's killAll).
  const bulls: Bull[] = [];
  const keep = (b: Bull): Bull => (bulls.push(b), b);
  const [cluster, bull, durable] = await Promise.all([
    startCluster(cs, zk, `/tasks-${shape}`, { workers, concurrency, session, flags: PROFILE_FLAGS }),
    startBull(redis.plain.port, `bench-${shape}`, workers, concurrency, BULL_RESULTS).then(keep),
    DURABLE_SHAPES.has(shape) && redis.durable !== undefined
      ? startBull(redis.durable.port, `bench-${shape}-durable`, workers, concurrency, BULL_RESULTS).then(keep)
      : undefined,
  ]).catch(async (err: unknown) => {
    for (const b of bulls) await b.close();
    throw err;
  });
  try {
    const bullPids = (b: Bull, r: Redis): Record<string, number | undefined> => ({
      redis: r.pid,
      ...Object.fromEntries(b.workers.map((w, i) => [`worker w${i + 1}`, w.proc.pid])),
    });
    // Every system measured at this shape, in the order of even rounds (odd rounds reverse it).
    const systems: System[] = [
      {
        name: "overseer",
        chunk: overseerChunk(cluster),
        pids: {
          server: serverPid,
          master: cluster.masters[0]?.proc.pid,
          ...Object.fromEntries(cluster.workers.map((w) => [`worker ${w.id}`, w.child.proc.pid])),
        },
        rounds: [],
      },
      { name: "BullMQ", chunk: bull.chunk, pids: bullPids(bull, redis.plain), rounds: [] },
    ];
    if (durable !== undefined && redis.durable !== undefined)
      systems.push({
        name: "BullMQ durable",
        chunk: durable.chunk,
        pids: bullPids(durable, redis.durable),
        rounds: [],
      });
    if (warm > 0) for (const s of systems) await drive(warm, CHUNK, s.chunk);
    const width = Math.max(...systems.map((s) => s.name.length));
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 === 0 ? systems : [...systems].reverse()) {
        const [t, cpu] = await withCpu(s.pids, () => drive(n, CHUNK, s.chunk));
        t.cpu = cpu;
        s.rounds.push(t);
        console.log(
          `${shape} round ${r + 1} ${s.name.padEnd(width)}: ${fmt(t.perSec)} tasks/s (${fmt(t.ms)} ms, p50 ${ms(t.p50)} ms, p99 ${ms(t.p99)} ms)`,
        );
      }
    }
    const [o, b, d] = systems.map((s) => s.rounds) as [Throughput[], Throughput[], Throughput[] | undefined];
    return {
      workers,
      concurrency,
      n,
      ours: summarize(o),
      bull: summarize(b),
      ...(d === undefined ? {} : { durable: summarize(d) }),
      capacity: await advertisedCapacity(zk, cluster, "w1"),
    };
  } finally {
    for (const b of bulls) await b.close();
    if (values.profile !== undefined) {
      for (const c of [...cluster.masters, ...cluster.workers.map((w) => w.child)]) await c.kill("SIGTERM");
    }
    await stopCluster(cluster);
  }
}

async function main(): Promise<void> {
  const load = checkLoad({ allowLoad: values["allow-load"] });
  ensureRedis();
  const out = new ResultBuilder("tasks");
  const redis = await startRedis();
  const durable = [...DURABLE_SHAPES].some((d) => SHAPES.some((s) => `${s.workers}x${s.concurrency}` === d))
    ? await startRedis("aof-always").catch(async (err: unknown) => {
        await redis.stop();
        throw err;
      })
    : undefined;
  Object.assign(out.versions, {
    overseer: overseerVersion(),
    bullmq: packageVersion("bullmq"),
    ioredis: packageVersion("ioredis"),
    "redis-server": redis.version,
  });
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-tasks-"));
  // tickTime 500: negotiable session timeouts 1–10 s (ZooKeeper's [2, 20] × tickTime).
  const server = await startServerProcess(dir, 0, { tickTime: 500, forceSync: true });
  const zk = new ZooKeeperClient({ connectString: `127.0.0.1:${server.port}`, sessionTimeout: 30_000 });
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${fmt(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  recordMachine(out, load, [dir, ...(durable === undefined ? [] : [durable.dir])]);
  out.note(
    `N = ${fmt(COUNT)} no-op tasks per round (1×1: ${fmt(COUNT_1X1)}), submit → result seen by the submitter, chunks of ${CHUNK}; ` +
      `warm-up, then ${ROUNDS} rounds alternating which system goes first; every figure is the median of the rounds ` +
      `[min–max]; p50/p99 are inside the burst (backlog included): see the latency and paced sections for latency alone`,
  );
  out.note(
    "overseer: embedded server process (data dir, forceSync: durable), master + backup candidate + workers as processes, submitMany + handle.result() per task",
  );
  out.note(
    `BullMQ: redis-server --save '' --appendonly no (NOT durable), addBulk + ${BULL_RESULTS === "wait" ? "job.waitUntilFinished per job" : "one QueueEvents 'completed' listener"}`,
  );
  if (durable !== undefined)
    out.note(
      `BullMQ, durable (${[...DURABLE_SHAPES].map((s) => s.replace("x", "×")).join(", ")}): a second redis-server --save '' --appendonly yes --appendfsync always ` +
        `(read back with CONFIG GET: appendonly ${durable.persistence.appendonly}, appendfsync ${durable.persistence.appendfsync}; ` +
        `every write fsync'd before Redis replies, like overseer's forceSync), its own data dir on the filesystem of overseer's; ` +
        `same driver, workers and concurrency, in the same rounds (order overseer, BullMQ, BullMQ durable, reversed every other round)`,
    );
  out.note(howRun("BullMQ"));
  try {
    await zk.connect();
    for (const { workers, concurrency } of SHAPES) {
      const s = await runShape(
        `127.0.0.1:${server.port}`,
        zk,
        { plain: redis, ...(durable === undefined ? {} : { durable }) },
        server.proc.pid,
        workers,
        concurrency,
      );
      record(out, s);
    }
    if (values.recovery !== "off")
      await recovery(out, `127.0.0.1:${server.port}`, zk, Number(values.session));
  } finally {
    await killAll();
    await zk.close().catch(() => undefined);
    await server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await redis.stop();
    await durable?.stop();
  }
  out.write(values.json);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error && err.name === "LoadTooHighError" ? err.message : err);
  await killAll();
  process.exitCode = 1;
});
