/**
 * `npm run bench:flows`: the cost of flows (issue 17). Tasks/s end to end with flows of one parent over
 * `--fanout` (10) no-op children — every task counted, children and parents — against plain no-op
 * tasks, on overseer and on BullMQ 5 (FlowProducer) on a local Redis, in one run; and, on overseer,
 * ZooKeeper requests and transactions per task (the embedded server's srvr), which load does not skew.
 *
 * Four systems at one shape (`--shape`, default 2x16 workers × concurrency): overseer plain (submitMany
 * + handle.result() per task), overseer flows (submitFlows per chunk; root.result() per flow), BullMQ plain (addBulk + one QueueEvents listener), BullMQ flows
 * (FlowProducer.addBulk per chunk; parents' completions through the same kind of listener). A flow's
 * parent reads its children's results on both sides (ctx.childResults(), job.getChildrenValues()).
 * overseer: the embedded server as its own process (data dir, forceSync), an active master and a backup,
 * workers as processes (bench/tasks/cluster.ts). Redis without persistence. After a warm-up each,
 * `--rounds` rounds (default 5) alternate the order of the systems; each system's median round is
 * reported, with the min–max over rounds.
 *
 *   npm run bench:flows [-- --count 11000 --rounds 5 --fanout 10 --shape 2x16 --json FILE]
 */
import { parseArgs } from "node:util";
import { ratio } from "./lib/emit.js";
import { howRun } from "./lib/overseer.js";
import { packageVersion } from "./lib/versions.js";
import { fmt } from "./load.js";
import { failed, setUp } from "./tasks/setup.js";
import { startBullFlows } from "./flows/bull-flows.js";
import { startBull } from "./tasks/bull.js";
import { overseerChunk, startCluster, stopCluster, type Cluster } from "./tasks/cluster.js";
import { drive, type ChunkSubmitter, type Throughput } from "./tasks/measure.js";
import { fourLetterWord } from "../test/harness/four-letter.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "11000" },
    warmup: { type: "string", default: "1100" },
    rounds: { type: "string", default: "5" },
    fanout: { type: "string", default: "10" },
    shape: { type: "string", default: "2x16" },
    json: { type: "string" },
    "allow-load": { type: "boolean", default: false },
  },
});
const FANOUT = Number(values.fanout);
const PER_FLOW = FANOUT + 1;
/** Counts are whole flows: a chunk of 45 flows (495 tasks at fanout 10), as close to 500 as fits. */
const whole = (n: number): number => Math.max(1, Math.round(n / PER_FLOW)) * PER_FLOW;
const COUNT = whole(Number(values.count));
const WARMUP = whole(Number(values.warmup));
const CHUNK = whole(500);
const ROUNDS = Number(values.rounds);
const [WORKERS, CONCURRENCY] = values.shape.split("x").map(Number) as [number, number];
if (!(WORKERS > 0 && CONCURRENCY > 0)) throw new Error(`--shape: expected e.g. 2x16, got ${values.shape}`);

/** overseer flows: size ÷ (fanout + 1) flows in one submitFlows call; one promise per root. */
function overseerFlows(c: Cluster): ChunkSubmitter {
  return async (size) => {
    const trees = Array.from({ length: Math.round(size / PER_FLOW) }, () => ({
      type: "parent",
      children: Array.from({ length: FANOUT }, () => ({ type: "noop" })),
    }));
    c.submitted += size;
    return (await c.sub.submitFlows(trees)).map((f) => f.root.result());
  };
}

interface System {
  name: string;
  chunk: ChunkSubmitter;
  rounds: Throughput[];
  /** overseer only: ZooKeeper requests and transactions per task, summed over rounds. */
  zk?: { requests: number; txns: number; tasks: number };
}

/** Requests received and the zxid (transactions committed) so far, from the embedded server's srvr. */
async function srvr(port: number): Promise<{ requests: number; zxid: number }> {
  const text = await fourLetterWord(port, "srvr");
  return {
    requests: Number(/Received: (\d+)/.exec(text)?.[1] ?? NaN),
    zxid: Number(/Zxid: (0x[0-9a-f]+)/i.exec(text)?.[1] ?? NaN),
  };
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(rounds: readonly Throughput[]): Spread {
  const v = rounds.map((r) => r.perSec).sort((a, b) => a - b);
  return { median: v[Math.floor(v.length / 2)] ?? NaN, min: v[0] ?? NaN, max: v[v.length - 1] ?? NaN };
}

const range = (s: Spread): string => `${fmt(s.min)}–${fmt(s.max)}`;

async function main(): Promise<void> {
  const setup = await setUp("flows", {
    allowLoad: values["allow-load"],
    durable: false,
    server: { fourLetterWords: "srvr" },
  });
  const { out, cs, zk, redis } = setup;
  const port = Number(cs.slice(cs.lastIndexOf(":") + 1));
  const shape = `${WORKERS}×${CONCURRENCY}`;
  out.note(
    `${fmt(COUNT)} tasks per round at ${shape} (workers × concurrency), every task counted: flows of 1 parent + ${FANOUT} no-op ` +
      `children, or plain no-op tasks; chunks of ${CHUNK} tasks; warm-up, then ${ROUNDS} rounds alternating the order; median round, min–max`,
  );
  out.note(
    "overseer: embedded server process (forceSync), master + backup + workers as processes; plain: submitMany + handle.result(); " +
      "flows: submitFlows per chunk + root.result(); the parent reads ctx.childResults()",
  );
  out.note(
    "BullMQ: redis-server --save '' --appendonly no (NOT durable); plain: addBulk; flows: FlowProducer.addBulk per chunk; " +
      "results through one QueueEvents 'completed' listener; the parent reads job.getChildrenValues()",
  );
  out.note(howRun("BullMQ"));
  let cluster: Cluster | undefined;
  const closers: (() => Promise<void>)[] = [];
  try {
    // Side by side (start-up is not measured).
    const closing = <T extends { close(): Promise<void> }>(x: T): T => (closers.push(() => x.close()), x);
    const [c, bull, bullFlows] = await Promise.all([
      startCluster(cs, zk, "/flows", { workers: WORKERS, concurrency: CONCURRENCY, session: 4000 }),
      startBull(redis.port, "bench-plain", WORKERS, CONCURRENCY).then(closing),
      startBullFlows(redis.port, "bench-flows", WORKERS, CONCURRENCY, FANOUT).then(closing),
    ]);
    cluster = c;
    const systems: System[] = [
      {
        name: "overseer plain",
        chunk: overseerChunk(cluster),
        rounds: [],
        zk: { requests: 0, txns: 0, tasks: 0 },
      },
      {
        name: "overseer flows",
        chunk: overseerFlows(cluster),
        rounds: [],
        zk: { requests: 0, txns: 0, tasks: 0 },
      },
      { name: "BullMQ plain", chunk: bull.chunk, rounds: [] },
      { name: "BullMQ flows", chunk: bullFlows.chunk, rounds: [] },
    ];
    for (const s of systems) await drive(WARMUP, CHUNK, s.chunk);
    const width = Math.max(...systems.map((s) => s.name.length));
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 === 0 ? systems : [...systems].reverse()) {
        const z0 = s.zk === undefined ? null : await srvr(port);
        const t = await drive(COUNT, CHUNK, s.chunk);
        s.rounds.push(t);
        if (s.zk !== undefined && z0 !== null) {
          // The backup master and idle roles' pings are in these counts too (a few per second).
          const z1 = await srvr(port);
          s.zk.requests += z1.requests - z0.requests;
          s.zk.txns += z1.zxid - z0.zxid;
          s.zk.tasks += COUNT;
        }
        console.log(
          `round ${r + 1} ${s.name.padEnd(width)}: ${fmt(t.perSec)} tasks/s (${fmt(t.ms)} ms, p50 ${fmt(t.p50)} ms, p99 ${fmt(t.p99)} ms)`,
        );
      }
    }
    const [op, of, bp, bf] = systems.map((s) => spread(s.rounds)) as [Spread, Spread, Spread, Spread];
    const params = { workers: WORKERS, concurrency: CONCURRENCY, shape, fanout: FANOUT };
    const bullName = `BullMQ ${packageVersion("bullmq")} FlowProducer on Redis`;
    out.add({
      key: "flows.perSec",
      label: `tasks/s with flows (1 parent + ${FANOUT} children), ${shape}, median round`,
      unit: "tasks/s",
      value: of.median,
      anchor: bf.median,
      anchorName: bullName,
      higherIsBetter: true,
      params,
    });
    out.add({
      key: "flows.vsPlain",
      label: `overseer: tasks/s with flows vs plain tasks, ${shape}, median round`,
      unit: "tasks/s",
      value: of.median,
      anchor: op.median,
      anchorName: "overseer, plain tasks (same run)",
      higherIsBetter: true,
      params,
    });
    out.add({
      key: "flows.bullmq.vsPlain",
      label: `BullMQ: tasks/s with flows vs plain jobs, ${shape}, median round`,
      unit: "tasks/s",
      value: bf.median,
      anchor: bp.median,
      anchorName: `BullMQ ${packageVersion("bullmq")}, plain jobs (same run)`,
      higherIsBetter: true,
      params,
    });
    const per = (s: System | undefined, k: "requests" | "txns"): number =>
      s?.zk === undefined ? NaN : s.zk[k] / s.zk.tasks;
    const [plainSys, flowSys] = systems;
    out.add({
      key: "flows.requestsPerTask",
      label: "overseer: ZooKeeper requests per task, flows vs plain tasks",
      unit: "requests",
      value: per(flowSys, "requests"),
      anchor: per(plainSys, "requests"),
      anchorName: "overseer, plain tasks (same run)",
      higherIsBetter: false,
      params,
    });
    out.add({
      key: "flows.txnsPerTask",
      label: "overseer: ZooKeeper transactions per task, flows vs plain tasks",
      unit: "transactions",
      value: per(flowSys, "txns"),
      anchor: per(plainSys, "txns"),
      anchorName: "overseer, plain tasks (same run)",
      higherIsBetter: false,
      params,
    });
    console.log(
      `per task: plain ${per(plainSys, "requests").toFixed(2)} requests, ${per(plainSys, "txns").toFixed(2)} transactions; ` +
        `flows ${per(flowSys, "requests").toFixed(2)} requests, ${per(flowSys, "txns").toFixed(2)} transactions`,
    );
    out.note(
      `min–max tasks/s over ${ROUNDS} rounds: overseer plain ${range(op)}, overseer flows ${range(of)}, ` +
        `BullMQ plain ${range(bp)}, BullMQ flows ${range(bf)}`,
    );
    console.log(
      `${shape}: flows: overseer ${fmt(of.median)} tasks/s vs BullMQ FlowProducer ${fmt(bf.median)} (${ratio(of.median, bf.median)}); ` +
        `overseer flows/plain ${ratio(of.median, op.median)} (plain ${fmt(op.median)}), BullMQ flows/plain ${ratio(bf.median, bp.median)} (plain ${fmt(bp.median)})`,
    );
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    if (cluster !== undefined) await stopCluster(cluster);
    await setup.stop();
  }
  out.write(values.json);
}

main().catch(failed);
