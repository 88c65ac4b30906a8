/**
 * `npx tsx bench/limits.ts`: what limits and fair groups cost, and what fairness buys, against BullMQ 5 on a
 * local Redis in the same run (the harness of bench/tasks.ts: an embedded server process with forceSync,
 * master + backup + workers as processes; BullMQ worker processes on a Redis without persistence).
 *
 * Throughput, N no-op tasks per round at one shape (default 2×16), submit → result:
 *   overseer plain · overseer with a rate limit that is never hit (1e9 per 1 s on the type) · overseer with
 *   every task in one of --groups groups (round-robin) · BullMQ plain · BullMQ with its Worker `limiter`
 *   (1e6 per 1 s, never hit). BullMQ's open-source edition has no groups (a Pro feature), so its plain queue
 *   is the anchor of the groups row.
 * Fairness: a burst of --burst tasks in one group, then --small tasks of another group submitted right
 *   after it; the small group's submit → result wait (p50, p99). BullMQ: the same two submissions into its
 *   one FIFO queue (no groups), so the small tasks wait behind the whole burst.
 * --rounds rounds alternate the order of the systems; each figure is the median round (min–max in the notes).
 *
 *   npx tsx bench/limits.ts [--count 20000] [--rounds 5] [--shape 2x16] [--groups 1000] [--burst 20000] [--small 50] [--json FILE]
 */
import { parseArgs } from "node:util";
import { ratio } from "./lib/emit.js";
import { howRun, tasks } from "./lib/overseer.js";
import { packageVersion } from "./lib/versions.js";
import { fmt } from "./load.js";
import { failed, setUp } from "./tasks/setup.js";
import { startBull, type Bull } from "./tasks/bull.js";
import { startCluster, stopCluster, type Cluster } from "./tasks/cluster.js";
import { drive, percentile, type ChunkSubmitter } from "./tasks/measure.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    warmup: { type: "string", default: "2000" },
    rounds: { type: "string", default: "5" },
    shape: { type: "string", default: "2x16" },
    groups: { type: "string", default: "1000" },
    burst: { type: "string", default: "20000" },
    small: { type: "string", default: "50" },
    chunk: { type: "string", default: "500" },
    json: { type: "string" },
    "allow-load": { type: "boolean", default: false },
  },
});
const COUNT = Number(values.count);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const GROUPS = Number(values.groups);
const BURST = Number(values.burst);
const SMALL = Number(values.small);
const CHUNK = Number(values.chunk);
const [WORKERS, CONCURRENCY] = values.shape.split("x").map(Number) as [number, number];

/** overseer no-op tasks; `group(i)` names the i-th task's group (undefined: none). */
function overseerChunk(c: Cluster, group: (i: number) => string | undefined): ChunkSubmitter {
  let i = 0;
  return async (size) => {
    const specs = Array.from({ length: size }, () => {
      const g = group(i++);
      return g === undefined ? { type: "noop" } : { type: "noop", options: { group: g } };
    });
    const handles = await c.sub.submitMany(specs);
    return handles.map((h) => h.result());
  };
}

interface Stats {
  median: number;
  min: number;
  max: number;
}
function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? NaN, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}
const range = (s: Stats): string => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

/** A burst in one group, then the small group's tasks: their submit → result waits. */
async function burst(big: ChunkSubmitter, small: ChunkSubmitter): Promise<{ p50: number; p99: number }> {
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < BURST; i += CHUNK) all.push(...(await big(Math.min(CHUNK, BURST - i))));
  const t0 = performance.now();
  const waits = (await small(SMALL)).map((r) => r.then(() => performance.now() - t0));
  const ms = (await Promise.all(waits)).sort((a, b) => a - b);
  await Promise.all(all);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

async function main(): Promise<void> {
  const setup = await setUp("limits", { allowLoad: values["allow-load"], durable: false });
  const { out, cs, zk, redis } = setup;
  const clusters: Cluster[] = [];
  const bulls: Bull[] = [];
  try {
    const opts = { workers: WORKERS, concurrency: CONCURRENCY, session: 4000 };
    // Every system's processes start side by side (start-up is not measured).
    const [plain, rated, grouped] = await Promise.all(
      ["/lim-plain", "/lim-rate", "/lim-groups"].map((root) =>
        startCluster(cs, zk, root, opts).then((c) => (clusters.push(c), c)),
      ),
    );
    if (plain === undefined || rated === undefined || grouped === undefined) throw new Error("no cluster");
    await new tasks.TaskLimits(zk, { root: rated.root }).set("noop", { rate: { limit: 1e9, per: 1000 } });
    const closing = (b: Bull): Bull => (bulls.push(b), b);
    const [bull, limited] = await Promise.all([
      startBull(redis.port, "lim-plain", WORKERS, CONCURRENCY).then(closing),
      startBull(redis.port, "lim-rate", WORKERS, CONCURRENCY, "events", {
        settings: { limiter: { max: 1_000_000, duration: 1000 } },
      }).then(closing),
    ]);
    const systems: { name: string; chunk: ChunkSubmitter; perSec: number[] }[] = [
      { name: "overseer", chunk: overseerChunk(plain, () => undefined), perSec: [] },
      { name: "overseer rate limit", chunk: overseerChunk(rated, () => undefined), perSec: [] },
      {
        name: `overseer ${fmt(GROUPS)} groups`,
        chunk: overseerChunk(grouped, (i) => `g${i % GROUPS}`),
        perSec: [],
      },
      { name: "BullMQ", chunk: bull.chunk, perSec: [] },
      { name: "BullMQ limiter", chunk: limited.chunk, perSec: [] },
    ];
    const width = Math.max(...systems.map((s) => s.name.length));
    if (WARMUP > 0) for (const s of systems) await drive(WARMUP, CHUNK, s.chunk);
    for (let r = 0; r < ROUNDS; r++)
      for (const s of r % 2 === 0 ? systems : [...systems].reverse()) {
        const t = await drive(COUNT, CHUNK, s.chunk);
        s.perSec.push(t.perSec);
        console.log(`round ${r + 1} ${s.name.padEnd(width)}: ${fmt(t.perSec)} tasks/s`);
      }
    const [o, oRate, oGroups, b, bRate] = systems.map((s) => stats(s.perSec)) as [
      Stats,
      Stats,
      Stats,
      Stats,
      Stats,
    ];
    const shape = `${WORKERS}×${CONCURRENCY}`;
    const params = { workers: WORKERS, concurrency: CONCURRENCY, shape, groups: GROUPS };
    const bullName = `BullMQ ${packageVersion("bullmq")} on Redis`;
    const row = (key: string, label: string, v: Stats, a: Stats, anchorName: string): void =>
      out.add({
        key,
        label,
        unit: "tasks/s",
        value: v.median,
        anchor: a.median,
        anchorName,
        higherIsBetter: true,
        params,
      });
    row("limits.plain.perSec", `tasks/s, ${shape}, no limits`, o, b, bullName);
    row(
      "limits.rate.perSec",
      `tasks/s, ${shape}, rate limit never hit`,
      oRate,
      bRate,
      `${bullName}, Worker limiter`,
    );
    row(
      "limits.groups.perSec",
      `tasks/s, ${shape}, ${fmt(GROUPS)} groups`,
      oGroups,
      b,
      `${bullName} (no groups: plain queue)`,
    );
    out.note(
      `tasks/s, median (min–max) of ${ROUNDS} alternating rounds of ${fmt(COUNT)}: overseer ${range(o)}, with a rate limit ${range(oRate)} ` +
        `(${ratio(oRate.median, o.median)} of plain), with ${fmt(GROUPS)} groups ${range(oGroups)} (${ratio(oGroups.median, o.median)}); ` +
        `BullMQ ${range(b)}, with its limiter ${range(bRate)} (${ratio(bRate.median, b.median)} of plain)`,
    );
    // Fairness: the small group behind a burst of the big one.
    const fair = [
      {
        name: "overseer groups",
        big: overseerChunk(grouped, () => "big"),
        small: overseerChunk(grouped, () => "small"),
        p50: [] as number[],
        p99: [] as number[],
      },
      { name: "BullMQ FIFO", big: bull.chunk, small: bull.chunk, p50: [] as number[], p99: [] as number[] },
    ];
    for (let r = 0; r < ROUNDS; r++)
      for (const f of r % 2 === 0 ? fair : [...fair].reverse()) {
        const w = await burst(f.big, f.small);
        f.p50.push(w.p50);
        f.p99.push(w.p99);
        console.log(
          `fairness round ${r + 1} ${f.name.padEnd(16)}: small group's wait p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms`,
        );
      }
    const [of, bf] = fair as [(typeof fair)[0], (typeof fair)[0]];
    const [o99, b99, o50, b50] = [stats(of.p99), stats(bf.p99), stats(of.p50), stats(bf.p50)];
    const fparams = { burst: BURST, small: SMALL, shape };
    const fname = `${bullName} (no groups: one FIFO queue)`;
    out.add({
      key: "limits.fairness.p99",
      label: `small group's wait p99 behind a ${fmt(BURST)}-task burst, ${shape}`,
      unit: "ms",
      value: o99.median,
      anchor: b99.median,
      anchorName: fname,
      higherIsBetter: false,
      params: fparams,
    });
    out.add({
      key: "limits.fairness.p50",
      label: `small group's wait p50 behind a ${fmt(BURST)}-task burst, ${shape}`,
      unit: "ms",
      value: o50.median,
      anchor: b50.median,
      anchorName: fname,
      higherIsBetter: false,
      params: fparams,
    });
    out.note(
      `fairness: ${fmt(SMALL)} tasks of a small group submitted right after ${fmt(BURST)} of a big one, submit → result, median (min–max) of ${ROUNDS} rounds: ` +
        `overseer p99 ${range(o99)} ms (p50 ${range(o50)}); BullMQ p99 ${range(b99)} ms (p50 ${range(b50)}). BullMQ open source has no groups ` +
        `(BullMQ Pro has), so its equivalent is its plain FIFO queue; overseer workers prefetch (automatic: up to ~50 ms of work, at most max(256, 8 × concurrency) tasks), so up to that many burst tasks per worker were handed out before the small group's arrived`,
    );
    out.note(
      `overseer: embedded server process (forceSync), master + backup + ${WORKERS} workers per variant as processes; BullMQ: redis-server without persistence`,
    );
    out.note(howRun("BullMQ"));
    console.log(
      `rate limit: overseer ${range(oRate)} vs BullMQ limiter ${range(bRate)} tasks/s; groups ${range(oGroups)}; fairness p99 ${range(o99)} vs ${range(b99)} ms`,
    );
  } finally {
    for (const b of bulls) await b.close();
    for (const c of clusters) await stopCluster(c);
    await setup.stop();
  }
  out.write(values.json);
}

main().catch(failed);
