/**
 * `npm run bench:tasks`: overseer's master–worker system against BullMQ 5 on a local Redis, in one run.
 *
 * Throughput, the same shape on both sides: N no-op tasks end to end (submit → result seen by the
 * submitter, which is this process), 2 worker processes × 16 concurrency, submitted in chunks of 500
 * (overseer `submitMany`, one multi per chunk; BullMQ `addBulk`), every task's result awaited as soon as
 * its chunk is in. overseer runs on the embedded server as its own process (data dir, forceSync: every
 * write fsync'd before it is acknowledged) with an active master and a backup candidate, each its own
 * process; results through `handle.result()` per task (its only result path: a watch per task). BullMQ's
 * Redis runs without persistence (`--save '' --appendonly no`); results through one QueueEvents
 * 'completed' listener matched by job id (its cheapest push path; `--bullmq-results wait` uses
 * job.waitUntilFinished per job, which adds a Redis script call and a listener per job). Both stay up
 * side by side; after a warm-up each, `--rounds` rounds alternate which goes first, and the best round
 * of each is compared (other load on the machine only ever slows a round down). CPU time per process
 * is read from /proc around each round.
 *
 * Recovery (overseer, session timeout `--session` ms, embedded server tickTime 500): SIGKILL of the
 * active master while 32 lanes of submit → result flow → the backup's first new assignment, on a fresh
 * root and again on the throughput root (every task run so far is kept: the new master rebuilds them
 * all); SIGKILL of a worker running a task → that task assigned to the other worker (seen through a
 * watch on its /assign directory). `--bullmq-stalled` adds BullMQ's recovery of a job whose worker was
 * SIGKILLed, with its defaults (lockDuration 30 s, stalledInterval 30 s): expect 30–60 s.
 *
 * `--profile DIR` runs the throughput cluster's master and workers with --cpu-prof (no recovery phase).
 *
 *   npm run bench:tasks [-- --count 20000 --rounds 3 --session 2000 --bullmq-stalled --profile DIR]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Queue, QueueEvents, type Job } from "bullmq";
import { ZooKeeperClient } from "../src/client/index.js";
import { Submitter } from "../src/tasks/index.js";
import { startChildServer } from "../test/server/child-server.js";
import { fmt } from "./load.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    warmup: { type: "string", default: "2000" },
    workers: { type: "string", default: "2" },
    concurrency: { type: "string", default: "16" },
    chunk: { type: "string", default: "500" },
    session: { type: "string", default: "2000" },
    "bullmq-results": { type: "string", default: "events" },
    "bullmq-stalled": { type: "boolean", default: false },
    "skip-failover": { type: "boolean", default: false },
    rounds: { type: "string", default: "3" },
    profile: { type: "string" },
  },
});
const COUNT = Number(values.count);
const WARMUP = Number(values.warmup);
const WORKERS = Number(values.workers);
const CONCURRENCY = Number(values.concurrency);
const CHUNK = Number(values.chunk);
const SESSION = Number(values.session);
const ROUNDS = Number(values.rounds);
/** --profile DIR: the throughput cluster's master and workers run with --cpu-prof (no failover phase). */
const PROFILE = values.profile;
const PROFILE_FLAGS = PROFILE === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", PROFILE];
const BULL_RESULTS = values["bullmq-results"] === "wait" ? "wait" : "events";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const ROLE = here("./tasks/overseer-role.ts");
const BULL_WORKER = here("./tasks/bullmq-worker.ts");
const ROOT_DIR = here("..");

// ---------------------------------------------------------------------------------------------------
// Child processes printing JSON lines

type Line = Record<string, unknown> & { t: number };

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly lines: Line[];
  waitFor(match: (l: Line) => boolean, what: string, ms?: number): Promise<Line>;
  kill(signal?: NodeJS.Signals): Promise<number>;
}

const children = new Set<Child>();

async function startChild(
  name: string,
  script: string,
  args: string[],
  flags: string[] = [],
): Promise<Child> {
  const proc = spawn(process.execPath, [...flags, "--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    cwd: ROOT_DIR,
  });
  const exited = once(proc, "exit");
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  let buf = "";
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Line);
    for (const w of [...waiters]) w();
  });
  const waitFor = (match: (l: Line) => boolean, what: string, ms = 120_000): Promise<Line> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = lines.find(match);
        if (hit === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`${name}: timed out waiting for ${what}; last lines ${JSON.stringify(lines.slice(-3))}`),
        );
      }, ms);
      waiters.add(check);
      check();
    });
  const child: Child = {
    name,
    proc,
    lines,
    waitFor,
    kill: async (signal = "SIGKILL") => {
      const at = Date.now();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
      children.delete(child);
      return at;
    },
  };
  children.add(child);
  await waitFor((l) => "ready" in l, "ready", 60_000);
  return child;
}

async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill("SIGKILL")));
}

// ---------------------------------------------------------------------------------------------------
// Measurement helpers

interface Throughput {
  /** CPU ms per process during the round. */
  cpu?: Record<string, number>;
  n: number;
  ms: number;
  submitMs: number;
  perSec: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

function summarize(n: number, ms: number, submitMs: number, latencies: number[]): Throughput {
  latencies.sort((a, b) => a - b);
  return {
    n,
    ms,
    submitMs,
    perSec: (n / ms) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/**
 * Submits `n` tasks in chunks (each chunk awaited before the next, as one producer would) and awaits
 * every result as soon as its chunk is in; latency is result seen − its chunk's submit start.
 */
async function drive(
  n: number,
  submitChunk: (size: number) => Promise<Promise<unknown>[]>,
): Promise<Throughput> {
  const latencies: number[] = [];
  const waits: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i += CHUNK) {
    const t0 = performance.now();
    for (const r of await submitChunk(Math.min(CHUNK, n - i)))
      waits.push(r.then(() => void latencies.push(performance.now() - t0)));
  }
  const submitMs = performance.now() - start;
  await Promise.all(waits);
  return summarize(n, performance.now() - start, submitMs, latencies);
}

/** CPU time (user + system) of a process so far, ms; from /proc (Linux). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** CPU ms each named process spends while `fn` runs (the submitter is this process). */
async function withCpu<T>(
  pids: Record<string, number | undefined>,
  fn: () => Promise<T>,
): Promise<[T, Record<string, number>]> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const self = process.cpuUsage();
  const out = await fn();
  const used: Record<string, number> = {};
  for (const [k, pid] of Object.entries(pids)) used[k] = cpuMs(pid) - (before[k] ?? 0);
  const d = process.cpuUsage(self);
  used["submitter"] = (d.user + d.system) / 1000;
  return [out, used];
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const addr = srv.address();
  srv.close();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// overseer

interface Cluster {
  root: string;
  sub: Submitter;
  masters: Child[];
  workers: { id: string; child: Child }[];
  session: number;
  /** Tasks written under this root so far (the tree a new master must rebuild from). */
  submitted: number;
}

interface Failover {
  leaderMs: number;
  assignMs: number;
  maxGapMs: number;
  flowed: number;
  session: number;
  backlog: number;
}

interface Reassign {
  assignMs: number;
  startedMs: number;
  session: number;
}

/** An active master, a backup candidate and WORKERS workers, each its own process, under `root`. */
async function startCluster(
  cs: string,
  zk: ZooKeeperClient,
  root: string,
  flags: string[] = [],
): Promise<Cluster> {
  await zk.create(root, null);
  const role = (kind: "master" | "worker", id: string): Promise<Child> =>
    startChild(
      `${root} ${kind} ${id}`,
      ROLE,
      [kind, cs, root, id, String(SESSION), String(CONCURRENCY)],
      flags,
    );
  const m1 = await role("master", "m1");
  await m1.waitFor((l) => "leader" in l, "m1 leading");
  const m2 = await role("master", "m2");
  const workers: Cluster["workers"] = [];
  for (let i = 1; i <= WORKERS; i++) workers.push({ id: `w${i}`, child: await role("worker", `w${i}`) });
  const session = Number(m1.lines.find((l) => "session" in l)?.["session"]);
  return { root, sub: new Submitter(zk, { root }), masters: [m1, m2], workers, session, submitted: 0 };
}

function overseerChunk(c: Cluster): (size: number) => Promise<Promise<unknown>[]> {
  return async (size) => {
    const handles = await c.sub.submitMany(Array.from({ length: size }, () => ({ type: "noop" })));
    c.submitted += size;
    return handles.map((h) => h.result());
  };
}

/** SIGKILL of the active master while 32 lanes of submit → result flow: ms until the backup assigns. */
async function masterFailover(c: Cluster): Promise<Failover> {
  const [m1, m2] = c.masters;
  if (m1 === undefined || m2 === undefined) throw new Error("two masters needed");
  let stop = false;
  let flowed = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const lane = async (): Promise<void> => {
    while (!stop) {
      await (await c.sub.submit("noop")).result();
      c.submitted++;
      flowed++;
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }
  };
  const lanes = Array.from({ length: 32 }, lane);
  await sleep(1000);
  const backlog = c.submitted;
  const before = m2.lines.length;
  maxGapMs = 0;
  const killedAt = await m1.kill("SIGKILL");
  const leader = await m2.waitFor((l) => "leader" in l, "m2 leading", 120_000);
  const assigned = await m2.waitFor(
    (l) => "assigned" in l && m2.lines.indexOf(l) >= before,
    "m2's first assignment",
    120_000,
  );
  await sleep(500);
  stop = true;
  await Promise.all(lanes);
  return {
    leaderMs: leader.t - killedAt,
    assignMs: assigned.t - killedAt,
    maxGapMs,
    flowed,
    session: c.session,
    backlog,
  };
}

/** SIGKILL of a worker running a task: ms until that task is assigned to (and started on) another worker. */
async function workerReassign(c: Cluster, zk: ZooKeeperClient): Promise<Reassign> {
  const [victim, survivor] = c.workers;
  if (victim === undefined || survivor === undefined) throw new Error("two workers needed");
  const handles = await Promise.all(Array.from({ length: 4 }, () => c.sub.submit("sleep", { ms: 3000 })));
  const running = await victim.child.waitFor((l) => "started" in l, "a sleep task on the victim", 10_000);
  const handle = handles.find((h) => h.id === running["started"]);
  if (handle === undefined) throw new Error("the victim started a task we did not submit");
  const name = handle.key.replace("/", ".");
  const seen = new Promise<number>((resolve) => {
    const look = (): void => {
      zk.getChildren(`${c.root}/assign/${survivor.id}`, { watch: look })
        .then((names) => (names.includes(name) ? resolve(Date.now()) : undefined))
        .catch(() => undefined);
    };
    look();
  });
  const killed = await victim.child.kill("SIGKILL");
  const assignedAt = await seen;
  const startedLine = await survivor.child.waitFor((l) => l["started"] === handle.id, "the task restarted");
  const result = await handle.result();
  if (result !== survivor.id) throw new Error(`the reassigned task ran on ${String(result)}`);
  await Promise.all(handles.map((h) => h.result()));
  return { assignMs: assignedAt - killed, startedMs: startedLine.t - killed, session: c.session };
}

// ---------------------------------------------------------------------------------------------------
// BullMQ

async function startRedis(): Promise<{
  port: number;
  pid: number | undefined;
  version: string;
  stop: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-redis-"));
  const port = await freePort();
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = once(proc, "exit");
  await new Promise<void>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited: ${out}`)));
  });
  const version = /v=(\S+)/.exec(spawnSync("redis-server", ["--version"]).stdout.toString())?.[1] ?? "?";
  return {
    port,
    pid: proc.pid,
    version,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** BullMQ's side: a queue, one QueueEvents, WORKERS worker processes; returns a chunk submitter. */
async function startBull(port: number): Promise<{
  chunk: (size: number) => Promise<Promise<unknown>[]>;
  workers: Child[];
  close: () => Promise<void>;
}> {
  const connection = { host: "127.0.0.1", port };
  const name = "bench";
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await queue.waitUntilReady();
  await events.waitUntilReady();
  const workers: Child[] = [];
  for (let i = 1; i <= WORKERS; i++)
    workers.push(
      await startChild(`bullmq worker ${i}`, BULL_WORKER, [String(port), name, String(CONCURRENCY)]),
    );
  // One listener, completions matched to waiting submitters by job id (events may beat addBulk's reply).
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  events.on("completed", ({ jobId }) => {
    const w = waiting.get(jobId);
    if (w === undefined) return void seen.add(jobId);
    waiting.delete(jobId);
    w();
  });
  const resultOf = (job: Job): Promise<unknown> => {
    if (BULL_RESULTS === "wait") return job.waitUntilFinished(events);
    const id = job.id ?? "";
    if (seen.delete(id)) return Promise.resolve();
    return new Promise<void>((resolve) => waiting.set(id, resolve));
  };
  return {
    chunk: async (size) => {
      const jobs = await queue.addBulk(Array.from({ length: size }, () => ({ name: "noop", data: {} })));
      return jobs.map(resultOf);
    },
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.kill("SIGKILL")));
      await events.close();
      await queue.close();
    },
  };
}

/** A sleep job whose worker is SIGKILLed: ms until another worker starts it (BullMQ defaults). */
async function bullStalled(port: number): Promise<number> {
  const connection = { host: "127.0.0.1", port };
  const name = "stall";
  const queue = new Queue(name, { connection });
  try {
    const a = await startChild("bullmq stall worker a", BULL_WORKER, [String(port), name, "1"]);
    const job = await queue.add("sleep", { ms: 300_000 });
    await a.waitFor((l) => l["started"] === job.id, "job started on a");
    // The survivor joins after the job is taken, so the only way it gets the job is stalled recovery.
    const b = await startChild("bullmq stall worker b", BULL_WORKER, [String(port), name, "1"]);
    const killed = await a.kill("SIGKILL");
    const again = await b.waitFor((l) => l["started"] === job.id, "the job restarted on b", 180_000);
    return again.t - killed;
  } finally {
    await Promise.all([...children].filter((c) => c.name.startsWith("bullmq stall")).map((c) => c.kill()));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

// ---------------------------------------------------------------------------------------------------

function version(pkg: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(ROOT_DIR, "node_modules", pkg, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  } catch {
    return "?";
  }
}

/** The round with the most tasks/s (noise from other processes only ever slows a round down). */
function best(rounds: readonly Throughput[]): Throughput {
  return rounds.reduce((x, y) => (y.perSec > x.perSec ? y : x));
}

async function main(): Promise<void> {
  const deps = spawnSync("bash", [join(ROOT_DIR, "scripts/install-bench-deps.sh")], { stdio: "inherit" });
  if (deps.status !== 0) throw new Error("redis-server is missing: see the message above");
  const ours = (JSON.parse(readFileSync(join(ROOT_DIR, "package.json"), "utf8")) as { version: string })
    .version;
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-tasks-"));
  // tickTime 500: negotiable session timeouts 1–10 s (ZooKeeper's [2, 20] × tickTime).
  const server = await startChildServer(dir, 0, { tickTime: 500, forceSync: true });
  const cs = `127.0.0.1:${server.port}`;
  const zk = new ZooKeeperClient({ connectString: cs, sessionTimeout: 30_000 });
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${fmt(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  console.log(
    `versions: overseer ${ours} (embedded server), bullmq ${version("bullmq")} + ioredis ${version("ioredis")}, redis-server ${redis.version}`,
  );
  console.log(`command: npm run bench:tasks -- ${process.argv.slice(2).join(" ")}`.trimEnd());
  console.log(
    `load: ${fmt(COUNT)} no-op tasks end to end (submit → result seen by the submitter), ${WORKERS} worker processes × ${CONCURRENCY} concurrency, ` +
      `submitted in chunks of ${CHUNK}; ${fmt(WARMUP)} warm-up each, then ${ROUNDS} rounds alternating which goes first, best round reported`,
  );
  console.log(
    "overseer: embedded server process (data dir, forceSync), master + backup candidate processes, submitMany + handle.result() per task",
  );
  console.log(
    `BullMQ: redis-server --save '' --appendonly no (not durable), addBulk + ${BULL_RESULTS === "wait" ? "job.waitUntilFinished per job" : "one QueueEvents 'completed' listener"}\n`,
  );

  const oRounds: Throughput[] = [];
  const bRounds: Throughput[] = [];
  let failover: Failover | undefined;
  let backlogFailover: Failover | undefined;
  let reassign: Reassign | undefined;
  let stalledMs: number | undefined;
  try {
    await zk.connect();
    const tp = await startCluster(cs, zk, "/throughput", PROFILE === undefined ? [] : PROFILE_FLAGS);
    const bull = await startBull(redis.port);
    try {
      const o = overseerChunk(tp);
      if (WARMUP > 0) {
        await drive(WARMUP, o);
        await drive(WARMUP, bull.chunk);
      }
      const oPids = {
        server: server.proc.pid,
        master: tp.masters[0]?.proc.pid,
        ...Object.fromEntries(tp.workers.map((w) => [`worker ${w.id}`, w.child.proc.pid])),
      };
      const bPids = {
        redis: redis.pid,
        ...Object.fromEntries(bull.workers.map((w, i) => [`worker w${i + 1}`, w.proc.pid])),
      };
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? ["o", "b"] : ["b", "o"];
        for (const which of order) {
          const [t, cpu] =
            which === "o"
              ? await withCpu(oPids, () => drive(COUNT, o))
              : await withCpu(bPids, () => drive(COUNT, bull.chunk));
          t.cpu = cpu;
          (which === "o" ? oRounds : bRounds).push(t);
          console.log(
            `round ${r + 1} ${which === "o" ? "overseer" : "BullMQ  "}: ${fmt(t.perSec)} tasks/s (${fmt(t.ms)} ms)`,
          );
        }
      }
    } finally {
      await bull.close();
    }
    if (PROFILE !== undefined) {
      // The fixture exits on SIGTERM, which writes its .cpuprofile.
      for (const c of [...tp.masters, ...tp.workers.map((w) => w.child)]) await c.kill("SIGTERM");
      console.log(`CPU profiles of the overseer master and workers: ${PROFILE}`);
    } else if (!values["skip-failover"]) {
      const fo = await startCluster(cs, zk, "/failover");
      failover = await masterFailover(fo);
      reassign = await workerReassign(fo, zk);
      // The throughput cluster's master must rebuild a tree of every task run so far (no retention).
      backlogFailover = await masterFailover(tp);
    }
    if (values["bullmq-stalled"]) stalledMs = await bullStalled(redis.port);
  } finally {
    await killAll();
    await zk.close().catch(() => undefined);
    await server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await redis.stop();
  }

  const T = best(oRounds);
  const B = best(bRounds);
  console.log("");
  const row = (label: string, a: string, c: string, ratio: string): void =>
    console.log(`${label.padEnd(28)} ${a.padStart(12)} ${c.padStart(12)} ${ratio.padStart(8)}`);
  row("best round", "overseer", "BullMQ", "ratio");
  row("tasks/s (end to end)", fmt(T.perSec), fmt(B.perSec), `${(T.perSec / B.perSec).toFixed(2)}×`);
  row("wall time, ms", fmt(T.ms), fmt(B.ms), `${(T.ms / B.ms).toFixed(2)}×`);
  row("submit phase, ms", fmt(T.submitMs), fmt(B.submitMs), `${(T.submitMs / B.submitMs).toFixed(2)}×`);
  row("latency p50, ms", fmt(T.p50), fmt(B.p50), `${(T.p50 / B.p50).toFixed(2)}×`);
  row("latency p99, ms", fmt(T.p99), fmt(B.p99), `${(T.p99 / B.p99).toFixed(2)}×`);
  const median = (xs: Throughput[]): number =>
    [...xs].sort((a, b) => a.perSec - b.perSec)[Math.floor(xs.length / 2)]?.perSec ?? NaN;
  row(
    "tasks/s, median round",
    fmt(median(oRounds)),
    fmt(median(bRounds)),
    `${(median(oRounds) / median(bRounds)).toFixed(2)}×`,
  );

  const cpuLine = (label: string, t: Throughput): void => {
    const parts = Object.entries(t.cpu ?? {}).map(([k, ms]) => `${k} ${((ms / t.n) * 1000).toFixed(0)}`);
    console.log(`${label} CPU ms per 1,000 tasks (best round): ${parts.join(", ")}`);
  };
  console.log("");
  cpuLine("overseer", T);
  cpuLine("BullMQ  ", B);

  console.log(
    "\nrecovery, ms from SIGKILL (anchor: the book's Java example, 15–16.5 s failover and ≈ 17 s reassignment with a 15 s session)",
  );
  const fo = (label: string, f: Failover): void =>
    console.log(
      `${label}: backup leading ${fmt(f.leaderMs)} ms, first new assignment ${fmt(f.assignMs)} ms ` +
        `(${(f.assignMs / f.session).toFixed(2)} × the ${fmt(f.session)} ms session; anchor 1.0–1.1×); ` +
        `longest gap between results ${fmt(f.maxGapMs)} ms; ${fmt(f.flowed)} tasks flowed through, none lost`,
    );
  if (failover !== undefined) fo("overseer master SIGKILL, fresh root", failover);
  if (backlogFailover !== undefined)
    fo(`overseer master SIGKILL, ${fmt(backlogFailover.backlog)} finished tasks kept`, backlogFailover);
  if (reassign !== undefined)
    console.log(
      `overseer worker SIGKILL → its task assigned to the other worker ${fmt(reassign.assignMs)} ms, started there ${fmt(reassign.startedMs)} ms ` +
        `(${(reassign.assignMs / reassign.session).toFixed(2)} × the ${fmt(reassign.session)} ms session; anchor ≈ 1.13×)`,
    );
  if (stalledMs !== undefined)
    console.log(
      `BullMQ worker SIGKILL → job started again on another worker (stalled-job recovery, defaults) ${fmt(stalledMs)} ms` +
        (reassign === undefined ? "" : `; ${(stalledMs / reassign.startedMs).toFixed(1)}× overseer's`),
    );
  else console.log("BullMQ stalled-job recovery: not measured (add --bullmq-stalled; takes 30–60 s)");
}

main().catch(async (err: unknown) => {
  console.error(err);
  await killAll();
  process.exitCode = 1;
});
