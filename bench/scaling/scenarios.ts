/**
 * The two curves of `npm run bench:scaling`, one point per call, each on a fresh cluster:
 * - workerPoint: W worker sessions (a few processes) draining a pre-loaded queue, then the active
 *   master is SIGKILLed and the backup takes over;
 * - pendingPoint: P tasks pre-loaded with nothing running; a master loads them (time, memory); workers
 *   start and drain; the active master is SIGKILLed and the backup rebuilds all P and assigns again.
 */
import { Cluster, lastWith, serverRss, type ScalingServer } from "./cluster.js";

/**
 * Master sessions of the pending curve (ms). With 1M pending tasks the master blocks its event loop for
 * 1–3 s at a time (applying 1M readings at the end of its load, full GCs of a 1.5 GB heap), which a 2 s
 * session may not outlive on the server, so this curve uses the longest session tickTime 500 allows.
 */
export const PENDING_SESSION = 10_000;
import { sleep, type Child } from "../lib/children.js";
import { spread } from "../tasks/measure.js";

export interface Point {
  workers: number;
  concurrency: number;
  pending: number;
  preloadMs: number;
  /** Cold start: the first master's term began → its picture holds every pre-loaded task. */
  loadMs?: number;
  /** Median of the window's slices' rates (one sample when the queue ran out first). */
  tasksPerSec: number;
  /** Min–max of those slices' rates, and how many there were. */
  tasksPerSecRange: [number, number];
  tasksPerSecSamples: number;
  /** SIGKILL of the active master → the backup leads. */
  leaderMs: number;
  /** SIGKILL of the active master → the backup's first assignment. */
  failoverMs: number;
  /** The backup's term began → its first assignment (rebuilding the picture from ZooKeeper). */
  recoveryMs: number;
  /** Tasks in the tree the backup rebuilt from (pending + finished). */
  rebuilt: number;
  /** The active master's memory after a full GC, holding the whole picture, and its peak RSS. */
  rss: number;
  heapUsed: number;
  peakRss: number;
  /** The active master's longest event-loop stall over its life, forced GCs aside (ms; 0: none over
   * 200 ms): long synchronous work, which can cost it its connection or its session. */
  maxStallMs: number;
  /** The server's resident memory once the first master has loaded (pending curve: holding every task). */
  serverRss: number;
  /** The backup's memory after its first assignment (after a full GC). */
  backupRss: number;
  /** Error events and lost sessions the roles reported during the point (a busy machine's noise). */
  incidents: number;
}

export interface Settings {
  /** Worker processes the worker sessions are spread over. */
  procs: number;
  /** Length of the throughput window (ms) and the warm-up before it. */
  windowMs: number;
  warmupMs: number;
  /** Worker slots in all: each worker gets ceil(slots / workers). */
  slots: number;
  log: (s: string) => void;
}

/** Slices of the throughput window, each one sample of tasks/s: a median with its range instead of one
 * figure for the whole window (a point at 1M takes minutes, so it runs once per run). */
export const RATE_SLICES = 5;

interface Rate {
  tasksPerSec: number;
  tasksPerSecRange: [number, number];
  tasksPerSecSamples: number;
}

function oneRate(perSec: number): Rate {
  return { tasksPerSec: perSec, tasksPerSecRange: [perSec, perSec], tasksPerSecSamples: 1 };
}

/** Throughput over a fixed window of time after a warm-up, in RATE_SLICES slices; a queue that runs out
 * before the window counts from its first completion to its last (one sample). */
async function rate(c: Cluster, total: number, s: Settings): Promise<Rate> {
  const tf = await c.doneAt(1, 60_000);
  const df = c.done();
  const drained = await Promise.race([c.doneAt(total), sleep(s.warmupMs).then(() => 0)]);
  if (drained > 0) return oneRate(((total - df) / (drained - tf)) * 1000);
  const t1 = Date.now();
  const d1 = c.done();
  const rates: number[] = [];
  let [t, d] = [t1, d1];
  for (let i = 0; i < RATE_SLICES; i++) {
    const out = await Promise.race([c.doneAt(total).then(() => true), sleep(s.windowMs / RATE_SLICES)]);
    const [tn, dn] = [Date.now(), c.done()];
    // A last, partial slice counts only if it is at least half a slice long.
    if (out !== true || tn - t >= s.windowMs / RATE_SLICES / 2) rates.push(((dn - d) / (tn - t)) * 1000);
    [t, d] = [tn, dn];
    if (out === true) break;
  }
  if (d === d1) {
    // Nothing finished in the window (a master rebuilding): the window lasts until something does.
    const tails = [...c.masters, ...c.hosts].map((m) => `${m.name}: ${m.tail()}`).join("\n");
    s.log(`  no task completed in ${t - t1} ms (${d1} done); waiting; last lines:\n${tails}`);
    await c.doneAt(d1 + 1, 120_000);
    return oneRate(((c.done() - d1) / (Date.now() - t1)) * 1000);
  }
  if (rates.length === 0) return oneRate(((d - d1) / (t - t1)) * 1000);
  const { median, min, max, n } = spread(rates);
  return { tasksPerSec: median, tasksPerSecRange: [min, max], tasksPerSecSamples: n };
}

function incidents(c: Cluster): number {
  return [...c.masters, ...c.hosts].reduce(
    (n, ch) => n + ch.lines.filter((l) => "error" in l || "lost" in l).length,
    0,
  );
}

/** Both candidates at once; resolves with [active, backup] once one of them leads. */
async function masters(c: Cluster): Promise<[Child, Child]> {
  const ms = await Promise.all([c.startMaster("m1"), c.startMaster("m2")]);
  const leader = await Promise.race(
    ms.map((m) => m.waitFor((l) => "leader" in l, `${m.name} leading`).then(() => m)),
  );
  const backup = ms.find((m) => m !== leader);
  if (backup === undefined) throw new Error("two candidates needed");
  return [leader, backup];
}

/** SIGKILL of the active master while the workers drain; times the backup's takeover. */
async function failover(
  c: Cluster,
  backup: Child,
  active: Child,
): Promise<Pick<Point, "leaderMs" | "failoverMs" | "recoveryMs" | "rebuilt" | "backupRss" | "maxStallMs">> {
  const from = backup.lines.length;
  const maxStallMs = Math.max(0, ...active.lines.map((l) => Number(l["stall"] ?? 0)));
  const killedAt = await active.kill("SIGKILL");
  // Work that only the backup can assign, even if the queue ran out during the window.
  await c.preload(100, 100, 1);
  const leader = await backup.waitFor((l) => "leader" in l, "the backup leading", from);
  const first = await backup.waitFor((l) => "first" in l, "the backup's first assignment", from, 600_000);
  const mem = await c.memory(backup);
  const pic = lastWith(backup, "pending");
  const rebuilt = ["pending", "assigned", "finished"].reduce((n, k) => n + Number(pic?.[k] ?? 0), 0);
  return {
    leaderMs: leader.t - killedAt,
    failoverMs: first.t - killedAt,
    recoveryMs: first.t - leader.t,
    rebuilt,
    backupRss: mem.rss,
    maxStallMs,
  };
}

export async function workerPoint(workers: number, pending: number, s: Settings): Promise<Point> {
  const c = await Cluster.start();
  try {
    const concurrency = Math.ceil(s.slots / workers);
    const preloadMs = await c.preload(pending);
    s.log(`  ${workers} workers: ${pending} tasks pre-loaded in ${Math.round(preloadMs)} ms`);
    const [[active, backup]] = await Promise.all([masters(c), c.startWorkers(workers, s.procs, concurrency)]);
    const rated = await rate(c, pending, s);
    const mem = await c.memory(active);
    const srv = serverRss(c.server);
    const fo = await failover(c, backup, active);
    const more = { ...rated, serverRss: srv, incidents: incidents(c) };
    return { workers, concurrency, pending, preloadMs, ...more, ...mem, ...fo };
  } finally {
    await c.stop();
  }
}

/** A pending point on a fresh embedded server, or on `server` (left running). */
export async function pendingPoint(
  pending: number,
  workers: number,
  s: Settings,
  server?: ScalingServer,
): Promise<Point> {
  // A shared server may hold other points: each gets its own root.
  const c = await Cluster.start(PENDING_SESSION, server, server === undefined ? "/scaling" : `/p-${pending}`);
  try {
    const concurrency = Math.ceil(s.slots / workers);
    const preloadMs = await c.preload(pending);
    s.log(`  ${pending} pending: pre-loaded in ${Math.round(preloadMs)} ms; the master loads them`);
    const [active, backup] = await masters(c);
    const loaded = await active.waitFor((l) => l["pending"] === pending, "every task loaded", 0, 900_000);
    const began = lastWith(active, "leader");
    const loadMs = loaded.t - (began?.t ?? NaN);
    const mem = await c.memory(active);
    const srv = serverRss(c.server);
    s.log(`  ${pending} pending: loaded in ${Math.round(loadMs)} ms; ${workers} workers start`);
    await c.startWorkers(workers, s.procs, concurrency);
    const rated = await rate(c, pending, s);
    const fo = await failover(c, backup, active);
    const more = { loadMs, ...rated, serverRss: srv, incidents: incidents(c) };
    return { workers, concurrency, pending, preloadMs, ...more, ...mem, ...fo };
  } finally {
    await c.stop();
  }
}

/**
 * Warms a long-lived server up (its JIT, page cache and collector) with the whole path a point takes, at a
 * small size and under its own root: pre-load, a master's load and assignments, workers draining it all.
 */
export async function warmUp(
  server: ScalingServer,
  tasks: number,
  workers: number,
  s: Settings,
): Promise<void> {
  const c = await Cluster.start(PENDING_SESSION, server, "/warm-up");
  try {
    await c.preload(tasks);
    await c.startMaster("warm");
    await c.startWorkers(workers, s.procs, Math.ceil(s.slots / workers));
    await c.doneAt(tasks);
  } finally {
    await c.stop();
  }
}
