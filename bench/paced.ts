/**
 * `npm run bench:paced`: latency at a paced offered load — latency, not backlog. At one shape (default
 * 2×16) each system's capacity is measured first (`--capacity-rounds` alternating rounds of
 * `--capacity-count` tasks in bursts, as bench/tasks.ts; medians), C = the slower system's. Then each
 * `--levels` percentage of C (default 50 and 80) is offered to both systems as a steady stream of single
 * submits (bench/tasks/one-by-one.ts paced(): every task due at start + i / rate, each timed from its due
 * time) for `--seconds` per system per round; `--rounds` rounds (default 5) alternating which system goes
 * first; p50 and p99 per round, reported as the median of the rounds with min–max.
 *
 * overseer: the cluster of bench/tasks.ts (embedded server process with forceSync, master + backup, the
 * workers), Submitter.submit + handle.result() per task. BullMQ on Redis without persistence, queue.add +
 * one QueueEvents 'completed' listener; the same worker processes × concurrency. Like for like, as in
 * bench/latency.ts, also BullMQ on Redis with appendfsync always (vs overseer: both durable) and overseer
 * on an embedded server with forceSync off (vs BullMQ without persistence: neither durable), at the same
 * offered rates (C stays the slower of the two default systems).
 *
 *   npx tsx bench/paced.ts [--shape 2x16 --levels 50,80 --seconds 2 --rounds 5 --capacity N --allow-load --json FILE]
 */
import { parseArgs } from "node:util";
import { medianFigure, ratio, withRange } from "./lib/emit.js";
import { packageVersion } from "./lib/versions.js";
import { fmt } from "./load.js";
import { startBull, type Bull } from "./tasks/bull.js";
import {
  advertisedCapacity,
  overseerChunk,
  overseerOne,
  startCluster,
  stopCluster,
  type Cluster,
} from "./tasks/cluster.js";
import { drive, spread, type ChunkSubmitter, type Spread } from "./tasks/measure.js";
import { paced, type OneSubmitter, type Paced } from "./tasks/one-by-one.js";
import { ms } from "./tasks/record.js";
import { failed, oneByOneNotes, pairingText, setUp, type Pairing } from "./tasks/setup.js";

const { values } = parseArgs({
  options: {
    shape: { type: "string", default: "2x16" },
    levels: { type: "string", default: "50,80" },
    seconds: { type: "string", default: "2" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "2000" },
    "capacity-count": { type: "string", default: "10000" },
    "capacity-rounds": { type: "string", default: "5" },
    capacity: { type: "string" },
    session: { type: "string", default: "4000" },
    "allow-load": { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const [WORKERS = 2, CONCURRENCY = 16] = values.shape.split("x").map(Number);
const LEVELS = values.levels.split(",").map(Number);
const MS = Number(values.seconds) * 1000;
const ROUNDS = Number(values.rounds);

interface System {
  name: string;
  chunk: ChunkSubmitter;
  one: OneSubmitter;
  /** Per level: one Paced per round. */
  at: Map<number, Paced[]>;
}

const alternate = <T>(xs: T[], r: number): T[] => (r % 2 === 0 ? xs : [...xs].reverse());

/** Each system's tasks/s in bursts (bench/tasks.ts's driver): medians of alternating rounds. */
async function capacities(systems: System[]): Promise<Spread[]> {
  const n = Number(values["capacity-count"]);
  const rounds: number[][] = systems.map(() => []);
  for (let r = 0; r < Number(values["capacity-rounds"]); r++)
    for (const s of alternate(systems, r))
      rounds[systems.indexOf(s)]?.push((await drive(n, 500, s.chunk)).perSec);
  return rounds.map(spread);
}

async function main(): Promise<void> {
  const s = await setUp("paced", { allowLoad: values["allow-load"], durable: true, nosync: true });
  oneByOneNotes(s);
  const { out } = s;
  const shape = `${WORKERS}×${CONCURRENCY}`;
  const clusters: Cluster[] = [];
  const bulls: Bull[] = [];
  const roles = { workers: WORKERS, concurrency: CONCURRENCY, session: Number(values.session) };
  try {
    if (s.nosync === undefined || s.durable === undefined)
      throw new Error("setUp started no like-for-like servers");
    const keepC = (c: Cluster): Cluster => (clusters.push(c), c);
    const keepB = (b: Bull): Bull => (bulls.push(b), b);
    // Every system's processes start side by side (start-up is not measured).
    const [cluster, nosync, bull, durable] = await Promise.all([
      startCluster(s.cs, s.zk, "/paced", roles).then(keepC),
      startCluster(s.nosync.cs, s.nosync.zk, "/paced", roles).then(keepC),
      startBull(s.redis.port, "paced", WORKERS, CONCURRENCY).then(keepB),
      startBull(s.durable.port, "paced-durable", WORKERS, CONCURRENCY).then(keepB),
    ]);
    const system = (name: string, chunk: ChunkSubmitter, one: OneSubmitter): System => ({
      name,
      chunk,
      one,
      at: new Map(),
    });
    const ours = system("overseer", overseerChunk(cluster), overseerOne(cluster));
    const theirs = system("BullMQ", bull.chunk, bull.one);
    const oursNosync = system("overseer no fsync", overseerChunk(nosync), overseerOne(nosync));
    const theirsDurable = system("BullMQ durable", durable.chunk, durable.one);
    const systems = [ours, theirs, oursNosync, theirsDurable];
    for (const sys of systems) await drive(Number(values.warmup), 500, sys.chunk);
    const caps = await capacities([ours, theirs]);
    const [oursCap, bullCap] = caps;
    if (oursCap === undefined || bullCap === undefined) throw new Error("no capacities");
    const C =
      values.capacity === undefined ? Math.min(oursCap.median, bullCap.median) : Number(values.capacity);
    console.log(
      `capacity at ${shape}: overseer ${withRange(oursCap, fmt)} tasks/s, BullMQ ${withRange(bullCap, fmt)}; C = ${fmt(C)}`,
    );
    const capacity = await advertisedCapacity(s.zk, cluster, "w1");
    out.note(
      `${shape}: capacity measured first with ${values["capacity-rounds"]} alternating rounds of ${fmt(Number(values["capacity-count"]))} ` +
        `tasks in bursts (bench/tasks.ts's driver): overseer ${withRange(oursCap, fmt)} tasks/s, BullMQ ${withRange(bullCap, fmt)}; ` +
        `C = ${fmt(C)} (${values.capacity === undefined ? "the slower system's median" : "given with --capacity"}); ` +
        `each overseer worker advertised capacity ${capacity} (concurrency ${CONCURRENCY} + prefetch ${capacity - CONCURRENCY}); ` +
        `the like-for-like systems (overseer with forceSync off, BullMQ on Redis with appendfsync always) get the same offered rates`,
    );
    out.note(
      `offered load ${LEVELS.map((l) => `${l}%`).join(" and ")} of C as a steady stream of single submits for ${fmt(MS)} ms per system ` +
        `per round, ${ROUNDS} rounds alternating the order of the systems; each task is timed from its due time ` +
        `(start + i / rate) to its result seen by the submitter; figures are the median of the rounds' p50 / p99 [min–max]; ` +
        `"tasks/s completed" runs from the first result to the last: below the offered rate, a backlog built up`,
    );
    // A short paced warm-up of the single-submit path on each side.
    for (const sys of systems) await paced(C * 0.5, Math.min(1000, MS / 2), sys.one);
    const width = Math.max(...systems.map((x) => x.name.length));
    for (let r = 0; r < ROUNDS; r++)
      for (const level of LEVELS)
        for (const sys of alternate(systems, r)) {
          const p = await paced((C * level) / 100, MS, sys.one);
          sys.at.set(level, [...(sys.at.get(level) ?? []), p]);
          console.log(
            `round ${r + 1} ${level}% (${fmt(p.rate)}/s) ${sys.name.padEnd(width)}: p50 ${ms(p.p50)} ms, p99 ${ms(p.p99)} ms, ` +
              `done ${fmt(p.achieved)}/s, send lag ≤ ${ms(p.sendLagMs)} ms`,
          );
        }
    const pairs: [System, System, Pairing][] = [
      [ours, theirs, ""],
      [ours, theirsDurable, "durable"],
      [oursNosync, theirs, "nosync"],
    ];
    for (const [a, b, kind] of pairs)
      for (const level of LEVELS) {
        const of = (sys: System, k: "p50" | "p99" | "achieved"): Spread =>
          spread((sys.at.get(level) ?? []).map((p) => p[k]));
        const key = kind === "" ? `paced.${level}` : `paced.${kind}.${level}`;
        const { anchorName, what } = pairingText(kind);
        const params = {
          load: level,
          rate: Math.round((C * level) / 100),
          shape,
          prefetch: capacity - CONCURRENCY,
        };
        for (const k of ["p50", "p99"] as const)
          out.add(
            medianFigure(
              {
                key: `${key}.${k}`,
                label: `submit → result ${k} at ${level}% of C (${fmt((C * level) / 100)} tasks/s offered), ${shape}${what}`,
                unit: "ms",
                anchorName,
                higherIsBetter: false,
                params,
              },
              of(a, k),
              of(b, k),
            ),
          );
        out.add(
          medianFigure(
            {
              key: `${key}.achieved`,
              label: `tasks/s completed (first to last result) at ${level}% of C, ${shape}${what}`,
              unit: "tasks/s",
              anchorName,
              higherIsBetter: true,
              params,
            },
            of(a, "achieved"),
            of(b, "achieved"),
          ),
        );
        console.log(
          `${level}% of C: ${a.name} p50 ${withRange(of(a, "p50"), ms)} ms vs ${b.name} ${withRange(of(b, "p50"), ms)} ms ` +
            `(${ratio(of(a, "p50").median, of(b, "p50").median)}); p99 ${withRange(of(a, "p99"), ms)} vs ` +
            `${withRange(of(b, "p99"), ms)} ms`,
        );
      }
    out.add(
      medianFigure(
        {
          key: "paced.capacity",
          label: `capacity (tasks/s in bursts), ${shape}`,
          unit: "tasks/s",
          anchorName: `BullMQ ${packageVersion("bullmq")} on Redis`,
          higherIsBetter: true,
          params: { shape },
        },
        oursCap,
        bullCap,
      ),
    );
  } finally {
    for (const b of bulls) await b.close();
    for (const c of clusters) await stopCluster(c);
    await s.stop();
  }
  out.write(values.json);
}

main().catch(failed);
