/**
 * `npm run bench:latency`: single-task latency. ONE task in flight at a time: submit → result seen by
 * the submitter (this process), `--count` tasks one after another per round, after a warm-up of
 * `--warmup`; `--rounds` rounds (default 5) alternating the order of the systems; p50 and p99 of each
 * round, reported as the median of the rounds with min–max.
 *
 * overseer: the cluster of bench/tasks.ts (embedded server process with forceSync, an active master and a
 * backup candidate, ONE worker with the Worker's default options: concurrency and prefetch as a user gets
 * them, read back from the worker's /workers node), Submitter.submit + handle.result(). BullMQ: one worker
 * process at its default concurrency (1), queue.add + a QueueEvents 'completed' listener, on Redis without
 * persistence AND on Redis with appendfsync always (durable like overseer).
 *
 * Like for like, overseer is also measured on a second embedded server with forceSync off (writes
 * acknowledged once in the page cache, not fsync'd: not durable, like Redis without persistence) and
 * compared with BullMQ on Redis without persistence (latency.single.nosync.*). overseer's default is
 * durable, so the headline pairings stay durable overseer vs both BullMQs.
 *
 * The warm-up is long (1,000 tasks per system) because overseer's Node processes keep getting faster
 * for their first ~1,000 tasks (JIT), while Redis is at speed after a few: a short one measured warm-up.
 *
 *   npx tsx bench/latency.ts [--count 500 --warmup 1000 --rounds 5 --session 4000 --allow-load --json FILE]
 */
import { parseArgs } from "node:util";
import { medianFigure, ratio, withRange } from "./lib/emit.js";
import { tasks } from "./lib/overseer.js";
import { startBull, type Bull } from "./tasks/bull.js";
import { advertisedCapacity, overseerOne, startCluster, stopCluster, type Cluster } from "./tasks/cluster.js";
import { spread } from "./tasks/measure.js";
import { sequential, type Latencies, type OneSubmitter } from "./tasks/one-by-one.js";
import { ms } from "./tasks/record.js";
import { failed, oneByOneNotes, pairingText, setUp, type Pairing } from "./tasks/setup.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "500" },
    warmup: { type: "string", default: "1000" },
    rounds: { type: "string", default: "5" },
    session: { type: "string", default: "4000" },
    "allow-load": { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const COUNT = Number(values.count);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);

interface System {
  name: string;
  one: OneSubmitter;
  rounds: Latencies[];
}

async function main(): Promise<void> {
  const s = await setUp("latency", { allowLoad: values["allow-load"], durable: true, nosync: true });
  oneByOneNotes(s);
  const { out } = s;
  let cluster: Cluster | undefined;
  let nosync: Cluster | undefined;
  const bulls: Bull[] = [];
  try {
    if (s.nosync === undefined) throw new Error("setUp started no forceSync-off server");
    const roles = { workers: 1, concurrency: "default", session: Number(values.session) } as const;
    const keep = (b: Bull): Bull => (bulls.push(b), b);
    // Every system's processes start side by side (start-up is not measured).
    const [c, n, bull, durable] = await Promise.all([
      startCluster(s.cs, s.zk, "/latency", roles),
      startCluster(s.nosync.cs, s.nosync.zk, "/latency", roles),
      startBull(s.redis.port, "latency", 1, 1).then(keep),
      s.durable === undefined ? undefined : startBull(s.durable.port, "latency-durable", 1, 1).then(keep),
    ]);
    [cluster, nosync] = [c, n];
    const conc = tasks.DEFAULT_CONCURRENCY;
    const systems: System[] = [
      { name: "overseer", one: overseerOne(cluster), rounds: [] },
      { name: "BullMQ", one: bull.one, rounds: [] },
      { name: "overseer no fsync", one: overseerOne(nosync), rounds: [] },
    ];
    if (durable !== undefined) systems.push({ name: "BullMQ durable", one: durable.one, rounds: [] });
    out.note(
      `one task in flight: ${COUNT} no-op tasks one after another per round (submit → result seen by the submitter), ` +
        `after ${WARMUP} of warm-up each (overseer's Node processes keep speeding up over their first ~1,000 tasks: JIT); ${ROUNDS} rounds alternating the order of the systems; ` +
        `figures are the median of the rounds' p50 / p99 [min–max]`,
    );
    for (const sys of systems) await sequential(WARMUP, sys.one);
    const width = Math.max(...systems.map((x) => x.name.length));
    for (let r = 0; r < ROUNDS; r++)
      for (const sys of r % 2 === 0 ? systems : [...systems].reverse()) {
        const l = await sequential(COUNT, sys.one);
        sys.rounds.push(l);
        console.log(
          `round ${r + 1} ${sys.name.padEnd(width)}: p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms, max ${ms(l.max)} ms`,
        );
      }
    // After the rounds: the automatic prefetch has settled on what these tasks ask for.
    const capacity = await advertisedCapacity(s.zk, cluster, "w1");
    out.note(
      `overseer: 1 worker with the Worker's default options: concurrency ${conc}, advertised capacity ${capacity} ` +
        `after the rounds (so prefetch ${capacity - conc}); BullMQ: 1 worker process at its default concurrency 1`,
    );
    const named = (name: string): System => {
      const sys = systems.find((x) => x.name === name);
      if (sys === undefined) throw new Error(`no system ${name}`);
      return sys;
    };
    const p = (sys: System, k: "p50" | "p99"): ReturnType<typeof spread> =>
      spread(sys.rounds.map((l) => l[k]));
    const pairs: [System, System, Pairing][] = [
      [named("overseer"), named("BullMQ"), ""],
      ...(s.durable === undefined
        ? []
        : [[named("overseer"), named("BullMQ durable"), "durable"] as [System, System, "durable"]]),
      [named("overseer no fsync"), named("BullMQ"), "nosync"],
    ];
    for (const [ours, a, kind] of pairs) {
      const key = kind === "" ? "latency.single" : `latency.single.${kind}`;
      const { anchorName, what } = pairingText(kind);
      for (const k of ["p50", "p99"] as const) {
        out.add(
          medianFigure(
            {
              key: `${key}.${k}`,
              label: `one task at a time, submit → result ${k}${what}`,
              unit: "ms",
              anchorName,
              higherIsBetter: false,
              params: { count: COUNT, rounds: ROUNDS, concurrency: conc, prefetch: capacity - conc },
            },
            p(ours, k),
            p(a, k),
          ),
        );
      }
      console.log(
        `one at a time: ${ours.name} p50 ${withRange(p(ours, "p50"), ms)} ms vs ${a.name} ${withRange(p(a, "p50"), ms)} ms ` +
          `(${ratio(p(ours, "p50").median, p(a, "p50").median)}); p99 ${withRange(p(ours, "p99"), ms)} vs ` +
          `${withRange(p(a, "p99"), ms)} ms`,
      );
    }
  } finally {
    for (const b of bulls) await b.close();
    if (cluster !== undefined) await stopCluster(cluster);
    if (nosync !== undefined) await stopCluster(nosync);
    await s.stop();
  }
  out.write(values.json);
}

main().catch(failed);
