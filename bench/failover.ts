/**
 * `npm run bench:failover`: how long work stops when a process dies, against the session timeout.
 *
 * overseer on the embedded server (own process, data dir, forceSync, tickTime 500 so sessions of
 * 1–10 s can be negotiated), for each session timeout in --sessions: an active master, a backup
 * candidate and two workers, each its own process, under one root per session. --samples times (5) each,
 * one after another: master failover = SIGKILL of the active master while 32 lanes of submit → result
 * flow, ms until the backup's first assignment (a new backup candidate is started after each); worker
 * reassignment = SIGKILL of a worker running a 1.5 s task, ms until the other worker starts it (a new
 * worker replaces the dead one). Each sample also times the steps: the dead session's expiry (its
 * ephemeral node deleted, seen by this process's watch), the backup's term beginning, the assignment.
 *
 * Anchor: BullMQ's stalled-job recovery on a real Redis (a worker process SIGKILLed mid-job, ms until
 * another worker process starts the job again) at its DEFAULTS (lockDuration 30 s, stalledInterval 30 s;
 * `--bullmq-stall LOCK,INTERVAL` replaces them, for the smoke run) and at lockDuration = stalledInterval
 * = each session timeout. These samples are pure waiting, so all of them run at once (each on its own
 * queue with its own two processes) before and beside overseer's, which start after the last BullMQ kill.
 *
 *   npm run bench:failover [-- --sessions 2000,4000,10000 --samples 5 --json FILE]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { checkLoad, recordMachine } from "./lib/machine.js";
import { killAll } from "./lib/children.js";
import { ResultBuilder, ratio } from "./lib/emit.js";
import type { Figure } from "./lib/results.js";
import { TaskAdmin, ZooKeeperClient, howRun, startServerProcess } from "./lib/overseer.js";
import { ensureRedis, startRedis } from "./lib/redis.js";
import { overseerVersion, packageVersion } from "./lib/versions.js";
import { fmt } from "./load.js";
import { bullStalled, type StallSettings } from "./tasks/bull.js";
import {
  masterFailover,
  startCluster,
  stopCluster,
  workerReassign,
  type Failover,
  type Reassign,
} from "./tasks/cluster.js";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "2000,4000,10000" },
    samples: { type: "string", default: "5" },
    "bullmq-stall": { type: "string" },
    json: { type: "string" },
    "allow-load": { type: "boolean", default: false },
  },
});
const SESSIONS = values.sessions.split(",").map(Number);
const SAMPLES = Number(values.samples);
const stallArg = values["bullmq-stall"]?.split(",").map(Number);
const DEFAULTS: StallSettings =
  stallArg === undefined ? {} : { lockDuration: stallArg[0], stalledInterval: stallArg[1] ?? stallArg[0] };
const DEFAULTS_NAME =
  stallArg === undefined
    ? "BullMQ stalled-job recovery at its defaults (lockDuration 30 s, stalledInterval 30 s)"
    : `BullMQ stalled-job recovery, lockDuration ${DEFAULTS.lockDuration} ms, stalledInterval ${DEFAULTS.stalledInterval} ms (--bullmq-stall, NOT its defaults)`;
const atSession = (s: number): string =>
  `BullMQ stalled-job recovery, lockDuration = stalledInterval = ${fmt(s)} ms`;
/** The `overseer master` / `overseer worker` default --session-timeout (src/cli/commands/master.ts). */
const CLI_SESSION = 10_000;

interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
  return { median, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, n: s.length };
}

const show = (s: Spread): string => `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;

/** A figure whose value (and anchor) are medians, with their min–max and sample count. */
function median(f: Omit<Figure, "value" | "anchor">, ours: Spread, anchor?: Spread): Figure {
  return {
    ...f,
    value: ours.median,
    range: [ours.min, ours.max],
    samples: Math.min(ours.n, anchor?.n ?? ours.n),
    ...(anchor === undefined ? {} : { anchor: anchor.median, anchorRange: [anchor.min, anchor.max] }),
  };
}

/** Every BullMQ sample at once; resolves `killed` once every first worker is dead. */
function bullSamples(
  port: number,
  settings: StallSettings[],
): { killed: Promise<void>; done: Promise<Spread[]> } {
  let kills = 0;
  let allKilled = (): void => undefined;
  const killed = new Promise<void>((r) => (allKilled = r));
  const onKill = (): void => void (++kills === settings.length * SAMPLES && allKilled());
  const runs = settings.map((s) =>
    Promise.all(Array.from({ length: SAMPLES }, () => bullStalled(port, s, onKill))).then(spread),
  );
  const done = Promise.all(runs);
  // A failed sample must not leave the overseer side waiting for a kill that will never come.
  done.catch(allKilled);
  return { killed, done };
}

interface SessionResult {
  session: number;
  failover: Spread;
  expired: Spread;
  leader: Spread;
  gap: Spread;
  /** Task nodes under the root when the master died: what the backup reads before its first assignment. */
  backlog: Spread;
  reassign: Spread;
  reassignExpired: Spread;
  reassignAssigned: Spread;
}

async function measureSession(cs: string, zk: ZooKeeperClient, session: number): Promise<SessionResult> {
  // Master failovers on one root, reassignments on another, side by side (each waits out its own
  // sessions; a reassignment sample is one sleeping task): the run takes half the time.
  const opts = { workers: 2, concurrency: 4, session };
  // Side by side; if one fails, main()'s killAll ends the processes of the other.
  const [c, cr] = await Promise.all([
    startCluster(cs, zk, `/failover-${session}`, opts),
    startCluster(cs, zk, `/failover-${session}-reassign`, opts),
  ]);
  try {
    const failovers = async (): Promise<Failover[]> => {
      const f: Failover[] = [];
      const admin = new TaskAdmin(zk, { root: c.root });
      for (let i = 0; i < SAMPLES; i++) {
        // Every sample's backup rebuilds a like tree (the tasks of its own second of flow), not the sum of
        // the samples before it: the rebuild reads every task node, finished ones too.
        await admin.obliterate({ force: true });
        c.submitted = 0;
        const x = await masterFailover(c, zk);
        console.log(
          `  session ${fmt(session)} failover #${i + 1}: expired ${fmt(x.expiredMs)}, leader ${fmt(x.leaderMs)}, first assignment ${fmt(x.assignMs)} ms (backlog ${fmt(x.backlog)} tasks, ${fmt(x.flowed)} flowed)`,
        );
        f.push(x);
      }
      return f;
    };
    const reassignments = async (): Promise<Reassign[]> => {
      const r: Reassign[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const x = await workerReassign(cr, zk, 1500);
        console.log(
          `  session ${fmt(session)} reassignment #${i + 1}: expired ${fmt(x.expiredMs)}, reassigned ${fmt(x.assignMs)}, restarted ${fmt(x.startedMs)} ms`,
        );
        r.push(x);
      }
      return r;
    };
    const [f, r] = await Promise.all([failovers(), reassignments()]);
    return {
      session: c.session,
      failover: spread(f.map((x) => x.assignMs)),
      expired: spread(f.map((x) => x.expiredMs)),
      leader: spread(f.map((x) => x.leaderMs)),
      gap: spread(f.map((x) => x.maxGapMs)),
      backlog: spread(f.map((x) => x.backlog)),
      reassign: spread(r.map((x) => x.startedMs)),
      reassignExpired: spread(r.map((x) => x.expiredMs)),
      reassignAssigned: spread(r.map((x) => x.assignMs)),
    };
  } finally {
    await stopCluster(c);
    await stopCluster(cr);
  }
}

async function main(): Promise<void> {
  ensureRedis();
  const load = checkLoad({ allowLoad: values["allow-load"] });
  const out = new ResultBuilder("failover");
  const dir = mkdtempSync(join(tmpdir(), "overseer-bench-failover-"));
  const server = await startServerProcess(dir, 0, { tickTime: 500, forceSync: true });
  const cs = `127.0.0.1:${server.port}`;
  const zk = new ZooKeeperClient({ connectString: cs, sessionTimeout: 30_000 });
  const rows: SessionResult[] = [];
  const redis = await startRedis();
  recordMachine(out, load, [dir, redis.dir]);
  Object.assign(out.versions, {
    overseer: overseerVersion(),
    bullmq: packageVersion("bullmq"),
    "redis-server": redis.version,
  });
  let bull: Spread[] = [];
  try {
    await zk.connect();
    const settings = [DEFAULTS, ...SESSIONS.map((s) => ({ lockDuration: s, stalledInterval: s }))];
    console.log(`BullMQ: ${settings.length} settings × ${SAMPLES} samples at once, on separate queues…`);
    const b = bullSamples(redis.port, settings);
    await b.killed;
    for (const session of SESSIONS) rows.push(await measureSession(cs, zk, session));
    bull = await b.done;
  } finally {
    await killAll();
    await zk.close().catch(() => undefined);
    await server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await redis.stop();
  }
  const [bullDefaults, ...bullAt] = bull;
  console.log(`${DEFAULTS_NAME}: ${bullDefaults === undefined ? "—" : show(bullDefaults)} ms`);

  out.note(
    `overseer: embedded server (own process, data dir, forceSync, tickTime 500), master + backup + 2 workers as processes, two roots per session timeout (master failovers on one, worker reassignments on the other, run side by side); ${SAMPLES} samples per figure, one after another on each root (a new backup candidate or worker replaces each killed process); times from SIGKILL (Date.now() across processes); value = median, range = min–max`,
  );
  out.note(
    "master failover = SIGKILL of the active master (32 lanes of submit → result flowing) → the backup's first assignment; reassignment = SIGKILL of a worker mid-task (1.5 s sleep tasks) → the task started on the other worker",
  );
  out.note(
    "steps: 'session expired' = SIGKILL → the dead process's ephemeral node (/master or /workers/<id>) deleted, seen through this process's watch; 'term began' = the backup's leader event; the rest up to the first assignment is its rebuild from ZooKeeper",
  );
  out.note(
    `anchors: BullMQ's stalled-job recovery (a worker process SIGKILLed mid-job on a real Redis → another worker process starts it) at lockDuration = stalledInterval = each session timeout, and ${DEFAULTS_NAME}; ${SAMPLES} samples each; all BullMQ samples ran concurrently, each on its own queue with its own two worker processes, and overseer's samples ran after the last BullMQ kill, beside BullMQ's idle waiting`,
  );
  out.note(
    `overseer's defaults: \`overseer master\` / \`overseer worker\` --session-timeout ${fmt(CLI_SESSION)} ms (so the 10 s rows are its out-of-the-box failover); the library's ZooKeeperClient asks for 30,000 ms; the embedded server's default tickTime 2,000 grants 4–40 s; it expires sessions within ~10 ms of their timeout (Apache ZooKeeper: within one tickTime)`,
  );
  out.note(
    "the book's Java example (seed design) measured 15–16.5 s failover and ≈ 17 s reassignment with its 15 s session: 1.0–1.1× the session",
  );
  out.note(howRun("BullMQ"));
  const ms = { unit: "ms", higherIsBetter: false } as const;
  const floor = "the session timeout itself (detection floor)";
  const floorSpread = (s: number): Spread => ({ median: s, min: s, max: s, n: SAMPLES });
  out.note(
    `the backup reads every task node under the root (pending or finished) before its first assignment, so before each master-failover sample the root's tasks are removed (TaskAdmin.obliterate) and each backup rebuilds the tasks of the 1 s of flow before its kill; task nodes at the kill, median [min–max]: ${rows.map((r) => `${fmt(r.session / 1000)} s ${show(r.backlog)}`).join(", ")}`,
  );
  rows.forEach((r, i) => {
    const params = { session: r.session };
    const s = `${fmt(r.session / 1000)} s`;
    const sess = floorSpread(r.session);
    const base = { ...ms, params };
    out.add(median({ ...base, key: `failover.master.${r.session}`, label: `master failover, session ${s}`, anchorName: floor }, r.failover, sess)); // prettier-ignore
    out.add(median({ ...base, key: `failover.reassign.${r.session}`, label: `dead worker's task restarted elsewhere, session ${s}`, anchorName: atSession(r.session) }, r.reassign, bullAt[i])); // prettier-ignore
    out.add(median({ ...base, key: `failover.master-expired.${r.session}`, label: `master failover, step 1: the dead master's session expired, session ${s}`, anchorName: floor }, r.expired, sess)); // prettier-ignore
    out.add(median({ ...base, key: `failover.master-leader.${r.session}`, label: `master failover, step 2: the backup's term began, session ${s}`, anchorName: floor }, r.leader, sess)); // prettier-ignore
    out.add(median({ ...base, key: `failover.reassign-expired.${r.session}`, label: `reassignment, step 1: the dead worker's session expired, session ${s}`, anchorName: floor }, r.reassignExpired, sess)); // prettier-ignore
    out.add(median({ ...base, key: `failover.reassign-assigned.${r.session}`, label: `reassignment, step 2: the task assigned to the other worker, session ${s}`, anchorName: floor }, r.reassignAssigned, sess)); // prettier-ignore
    out.add(median({ ...base, key: `failover.gap.${r.session}`, label: `longest gap between results across a master failover, session ${s}` }, r.gap)); // prettier-ignore
    console.log(
      `session ${s}: master failover ${show(r.failover)} ms (expired ${show(r.expired)}, term ${show(r.leader)}), ` +
        `reassignment ${show(r.reassign)} ms (expired ${show(r.reassignExpired)}, assigned ${show(r.reassignAssigned)}); ` +
        `${atSession(r.session)}: ${bullAt[i] === undefined ? "—" : show(bullAt[i])} ms (${ratio(r.reassign.median, bullAt[i]?.median)})`,
    );
  });
  // Defaults against defaults: overseer's CLI session (or the longest measured) vs BullMQ's own settings.
  const dflt = rows.find((r) => r.session === CLI_SESSION) ?? rows[rows.length - 1];
  if (dflt !== undefined && bullDefaults !== undefined)
    out.add(
      median(
        {
          ...ms,
          key: "failover.reassign.defaults",
          label: `dead worker's task restarted elsewhere, overseer at session ${fmt(dflt.session / 1000)} s${dflt.session === CLI_SESSION ? " (its CLI default)" : ""} vs BullMQ's own settings`,
          anchorName: DEFAULTS_NAME,
          params: { session: dflt.session },
        },
        dflt.reassign,
        bullDefaults,
      ),
    );
  out.write(values.json);
}

main().catch(async (err: unknown) => {
  console.error(err);
  await killAll();
  process.exitCode = 1;
});
