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
 * per job). After a warm-up each, `--rounds` rounds alternate which goes first, and the best round of
 * each is compared (other load on the machine only ever slows a round down). 1×1 runs a tenth of N
 * (it is latency-bound). CPU time per process is read from /proc around each round.
 *
 * Recovery times are in bench/failover.ts.
 *
 *   npm run bench:tasks [-- --count 20000 --rounds 3 --shapes 1x1,2x16,4x32 --json FILE --profile DIR]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { killAll, withCpu } from "./lib/children.js";
import { ResultBuilder, ratio } from "./lib/emit.js";
import { ZooKeeperClient, howRun, startServerProcess } from "./lib/overseer.js";
import { ensureRedis, startRedis } from "./lib/redis.js";
import { overseerVersion, packageVersion } from "./lib/versions.js";
import { fmt } from "./load.js";
import { startBull } from "./tasks/bull.js";
import { overseerChunk, startCluster, stopCluster } from "./tasks/cluster.js";
import { best, drive, median, type ChunkSubmitter, type Throughput } from "./tasks/measure.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    warmup: { type: "string", default: "2000" },
    shapes: { type: "string", default: "1x1,2x16,4x32" },
    chunk: { type: "string", default: "500" },
    session: { type: "string", default: "4000" },
    "bullmq-results": { type: "string", default: "events" },
    rounds: { type: "string", default: "3" },
    profile: { type: "string" },
    json: { type: "string" },
  },
});
const COUNT = Number(values.count);
const WARMUP = Number(values.warmup);
const CHUNK = Number(values.chunk);
const ROUNDS = Number(values.rounds);
const PROFILE_FLAGS = values.profile === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", values.profile];
const BULL_RESULTS = values["bullmq-results"] === "wait" ? "wait" : "events";
const SHAPES = values.shapes.split(",").map((s) => {
  const [w, c] = s.split("x").map(Number);
  if (!w || !c) throw new Error(`--shapes: expected e.g. 2x16, got ${s}`);
  return { workers: w, concurrency: c };
});

interface ShapeResult {
  workers: number;
  concurrency: number;
  ours: Throughput;
  bull: Throughput;
  oursMedian: number;
  bullMedian: number;
}

async function runShape(
  cs: string,
  zk: ZooKeeperClient,
  redisPort: number,
  pids: { server?: number; redis?: number },
  workers: number,
  concurrency: number,
): Promise<ShapeResult> {
  const shape = `${workers}x${concurrency}`;
  const n = workers * concurrency === 1 ? Math.max(50, Math.round(COUNT / 10)) : COUNT;
  const warm = workers * concurrency === 1 ? Math.round(WARMUP / 10) : WARMUP;
  const session = Number(values.session);
  const cluster = await startCluster(cs, zk, `/tasks-${shape}`, {
    workers,
    concurrency,
    session,
    flags: PROFILE_FLAGS,
  });
  const bull = await startBull(redisPort, `bench-${shape}`, workers, concurrency, BULL_RESULTS);
  try {
    const o: ChunkSubmitter = overseerChunk(cluster);
    if (warm > 0) {
      await drive(warm, CHUNK, o);
      await drive(warm, CHUNK, bull.chunk);
    }
    const oPids = {
      server: pids.server,
      master: cluster.masters[0]?.proc.pid,
      ...Object.fromEntries(cluster.workers.map((w) => [`worker ${w.id}`, w.child.proc.pid])),
    };
    const bPids = {
      redis: pids.redis,
      ...Object.fromEntries(bull.workers.map((w, i) => [`worker w${i + 1}`, w.proc.pid])),
    };
    const oRounds: Throughput[] = [];
    const bRounds: Throughput[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const which of r % 2 === 0 ? ["o", "b"] : ["b", "o"]) {
        const [t, cpu] =
          which === "o"
            ? await withCpu(oPids, () => drive(n, CHUNK, o))
            : await withCpu(bPids, () => drive(n, CHUNK, bull.chunk));
        t.cpu = cpu;
        (which === "o" ? oRounds : bRounds).push(t);
        console.log(
          `${shape} round ${r + 1} ${which === "o" ? "overseer" : "BullMQ  "}: ${fmt(t.perSec)} tasks/s (${fmt(t.ms)} ms, p50 ${fmt(t.p50)} ms, p99 ${fmt(t.p99)} ms)`,
        );
      }
    }
    return {
      workers,
      concurrency,
      ours: best(oRounds),
      bull: best(bRounds),
      oursMedian: median(oRounds),
      bullMedian: median(bRounds),
    };
  } finally {
    await bull.close();
    if (values.profile !== undefined) {
      for (const c of [...cluster.masters, ...cluster.workers.map((w) => w.child)]) await c.kill("SIGTERM");
    }
    await stopCluster(cluster);
  }
}

function record(out: ResultBuilder, s: ShapeResult): void {
  const shape = `${s.workers}×${s.concurrency}`;
  const params = { workers: s.workers, concurrency: s.concurrency, shape, slots: s.workers * s.concurrency };
  const anchorName = `BullMQ ${packageVersion("bullmq")} on Redis`;
  const base = { anchorName, params };
  const key = `tasks.${s.workers}x${s.concurrency}`;
  out.add({
    ...base,
    key: `${key}.perSec`,
    label: `tasks/s, ${shape}`,
    unit: "tasks/s",
    value: s.ours.perSec,
    anchor: s.bull.perSec,
    higherIsBetter: true,
  });
  out.add({
    ...base,
    key: `${key}.p50`,
    label: `submit → result p50, ${shape}`,
    unit: "ms",
    value: s.ours.p50,
    anchor: s.bull.p50,
    higherIsBetter: false,
  });
  out.add({
    ...base,
    key: `${key}.p99`,
    label: `submit → result p99, ${shape}`,
    unit: "ms",
    value: s.ours.p99,
    anchor: s.bull.p99,
    higherIsBetter: false,
  });
  out.add({
    ...base,
    key: `${key}.medianPerSec`,
    label: `tasks/s, median round, ${shape}`,
    unit: "tasks/s",
    value: s.oursMedian,
    anchor: s.bullMedian,
    higherIsBetter: true,
  });
  const cpu = (t: Throughput): string =>
    Object.entries(t.cpu ?? {})
      .map(([k, ms]) => `${k} ${((ms / t.n) * 1000).toFixed(0)}`)
      .join(", ");
  out.note(`${shape}: CPU ms per 1,000 tasks (best round): overseer ${cpu(s.ours)}; BullMQ ${cpu(s.bull)}`);
  console.log(
    `${shape}: overseer ${fmt(s.ours.perSec)} tasks/s vs BullMQ ${fmt(s.bull.perSec)} (${ratio(s.ours.perSec, s.bull.perSec)}); ` +
      `p50 ${fmt(s.ours.p50)} vs ${fmt(s.bull.p50)} ms; p99 ${fmt(s.ours.p99)} vs ${fmt(s.bull.p99)} ms`,
  );
}

async function main(): Promise<void> {
  ensureRedis();
  const out = new ResultBuilder("tasks");
  const redis = await startRedis();
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
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${fmt(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  out.note(
    `N = ${fmt(COUNT)} no-op tasks per round (1×1: a tenth), submit → result seen by the submitter, chunks of ${CHUNK}; ` +
      `warm-up, then ${ROUNDS} rounds alternating which system goes first; best round reported`,
  );
  out.note(
    "overseer: embedded server process (data dir, forceSync: durable), master + backup candidate + workers as processes, submitMany + handle.result() per task",
  );
  out.note(
    `BullMQ: redis-server --save '' --appendonly no (NOT durable), addBulk + ${BULL_RESULTS === "wait" ? "job.waitUntilFinished per job" : "one QueueEvents 'completed' listener"}`,
  );
  out.note(howRun("BullMQ"));
  out.note(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  try {
    await zk.connect();
    for (const { workers, concurrency } of SHAPES) {
      const s = await runShape(
        `127.0.0.1:${server.port}`,
        zk,
        redis.port,
        { server: server.proc.pid, redis: redis.pid },
        workers,
        concurrency,
      );
      record(out, s);
    }
  } finally {
    await killAll();
    await zk.close().catch(() => undefined);
    await server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await redis.stop();
  }
  out.write(values.json);
}

main().catch(async (err: unknown) => {
  console.error(err);
  await killAll();
  process.exitCode = 1;
});
