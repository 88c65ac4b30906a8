/**
 * overseer's side of the task benchmarks: an active master, a backup candidate and N workers, each its
 * own process (bench/tasks/overseer-role.ts), under one root; and the two recovery measurements.
 */
import { fileURLToPath } from "node:url";
import { sleep, startChild, type Child } from "../lib/children.js";
import { Submitter, type ZooKeeperClient } from "../lib/overseer.js";
import type { ChunkSubmitter } from "./measure.js";
import type { OneSubmitter } from "./one-by-one.js";

const ROLE = fileURLToPath(new URL("./overseer-role.ts", import.meta.url));

export interface ClusterOptions {
  workers: number;
  /** Per worker; "default": not passed, the Worker's own default (and its default prefetch). */
  concurrency: number | "default";
  /** Session timeout of every role, ms. */
  session: number;
  /** Extra node flags for the role processes (e.g. --cpu-prof). */
  flags?: string[];
}

export interface Cluster {
  root: string;
  sub: Submitter;
  masters: Child[];
  workers: { id: string; child: Child }[];
  /** The session timeout the server granted, ms. */
  session: number;
  /** Tasks written under this root so far (the tree a new master must rebuild from). */
  submitted: number;
  /** Starts one more role process under this root (a replacement after a SIGKILL). */
  spawn(kind: "master" | "worker", id: string): Promise<Child>;
  /** Role processes started so far (for fresh ids). */
  spawned: number;
}

export async function startCluster(
  cs: string,
  zk: ZooKeeperClient,
  root: string,
  o: ClusterOptions,
): Promise<Cluster> {
  await zk.create(root, null);
  const role = (kind: "master" | "worker", id: string): Promise<Child> =>
    startChild(
      `${root} ${kind} ${id}`,
      ROLE,
      [kind, cs, root, id, String(o.session), String(o.concurrency)],
      o.flags ?? [],
    );
  // The processes start side by side (their start-up is not measured); m2 only once m1 leads, so m1
  // is the active master and m2 the backup.
  const ids = Array.from({ length: o.workers }, (_, i) => `w${i + 1}`);
  const [m1, ...ws] = await Promise.all([
    role("master", "m1").then(async (m) => (await m.waitFor((l) => "leader" in l, "m1 leading"), m)),
    ...ids.map((id) => role("worker", id)),
  ]);
  if (m1 === undefined) throw new Error("no master");
  const m2 = await role("master", "m2");
  const workers: Cluster["workers"] = ws.map((child, i) => ({ id: ids[i] ?? "", child }));
  const session = Number(m1.lines.find((l) => "session" in l)?.["session"]);
  const sub = new Submitter(zk, { root });
  return {
    root,
    sub,
    masters: [m1, m2],
    workers,
    session,
    submitted: 0,
    spawn: role,
    spawned: 2 + o.workers,
  };
}

export async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all([...c.masters, ...c.workers.map((w) => w.child)].map((p) => p.kill("SIGKILL")));
}

/** One task through `submit` and its handle's `result()`. */
export function overseerOne(c: Cluster): OneSubmitter {
  return async () => {
    const h = await c.sub.submit("noop");
    c.submitted++;
    return { done: h.result() };
  };
}

/** What worker `id` advertises in its /workers node: capacity = concurrency + prefetch. */
export async function advertisedCapacity(zk: ZooKeeperClient, c: Cluster, id: string): Promise<number> {
  const { data } = await zk.getData(`${c.root}/workers/${id}`);
  const info = JSON.parse(data?.toString("utf8") ?? "{}") as { capacity?: unknown };
  return typeof info.capacity === "number" ? info.capacity : NaN;
}

export function overseerChunk(c: Cluster): ChunkSubmitter {
  return async (size) => {
    const handles = await c.sub.submitMany(Array.from({ length: size }, () => ({ type: "noop" })));
    c.submitted += size;
    return handles.map((h) => h.result());
  };
}

/**
 * Watches `path`; `gone` resolves with Date.now() when it is deleted (an ephemeral gone with its session).
 * (Wrapped: an async function returning the promise itself would wait for the deletion.)
 */
async function deletedAt(zk: ZooKeeperClient, path: string): Promise<{ gone: Promise<number> }> {
  let resolve = (_t: number): void => undefined;
  const gone = new Promise<number>((r) => (resolve = r));
  const stat = await zk.exists(path, {
    watch: (e) => (e.type === "NodeDeleted" ? resolve(Date.now()) : undefined),
  });
  if (stat === null) throw new Error(`${path} is missing before the kill`);
  return { gone };
}

export interface Failover {
  /** SIGKILL → the dead master's session expired (its ephemeral /master deleted, seen by a watch); NaN without `zk`. */
  expiredMs: number;
  /** SIGKILL → the backup's "leader" event. */
  leaderMs: number;
  /** SIGKILL → the backup's first assignment. */
  assignMs: number;
  /** Longest gap between two results seen by the submitter across the failover. */
  maxGapMs: number;
  flowed: number;
  session: number;
  /** Tasks under the root when the master was killed. */
  backlog: number;
}

/**
 * SIGKILL of the active master while 32 lanes of submit → result flow: ms until the backup assigns.
 * A new backup candidate then replaces the dead master, so the cluster can take the next sample.
 */
export async function masterFailover(c: Cluster, zk?: ZooKeeperClient): Promise<Failover> {
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
  const expired = zk === undefined ? { gone: Promise.resolve(NaN) } : await deletedAt(zk, `${c.root}/master`);
  maxGapMs = 0;
  const killedAt = await m1.kill("SIGKILL");
  const leader = await m2.waitFor((l) => "leader" in l, "m2 leading", before, 120_000);
  const assigned = await m2.waitFor((l) => "assigned" in l, "m2's first assignment", before, 120_000);
  const backup = c.spawn("master", `m${++c.spawned}`);
  await sleep(500);
  stop = true;
  await Promise.all(lanes);
  c.masters = [m2, await backup];
  const session = c.session;
  return {
    expiredMs: (await expired.gone) - killedAt,
    leaderMs: leader.t - killedAt,
    assignMs: assigned.t - killedAt,
    maxGapMs,
    flowed,
    session,
    backlog,
  };
}

export interface Reassign {
  /** SIGKILL → the dead worker's session expired (its /workers node deleted, seen by a watch). */
  expiredMs: number;
  /** SIGKILL → the task's assignment to the other worker seen through a watch. */
  assignMs: number;
  /** SIGKILL → the task started again on the other worker. */
  startedMs: number;
  session: number;
}

/**
 * SIGKILL of a worker running a task: ms until that task is assigned to (and started on) another worker.
 * A new worker then replaces the dead one, so the cluster can take the next sample.
 */
export async function workerReassign(c: Cluster, zk: ZooKeeperClient, taskMs = 3000): Promise<Reassign> {
  const [victim, survivor] = c.workers;
  if (victim === undefined || survivor === undefined) throw new Error("two workers needed");
  const from = victim.child.lines.length;
  const handles = await Promise.all(Array.from({ length: 4 }, () => c.sub.submit("sleep", { ms: taskMs })));
  const running = await victim.child.waitFor(
    (l) => "started" in l,
    "a sleep task on the victim",
    from,
    10_000,
  );
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
  const expired = await deletedAt(zk, `${c.root}/workers/${victim.id}`);
  const killed = await victim.child.kill("SIGKILL");
  const assignedAt = await seen;
  const startedLine = await survivor.child.waitFor((l) => l["started"] === handle.id, "the task restarted");
  const id = `w${++c.spawned}`;
  const replacement = c.spawn("worker", id);
  const result = await handle.result();
  if (result !== survivor.id) throw new Error(`the reassigned task ran on ${String(result)}`);
  await Promise.all(handles.map((h) => h.result()));
  c.workers = [survivor, { id, child: await replacement }];
  return {
    expiredMs: (await expired.gone) - killed,
    assignMs: assignedAt - killed,
    startedMs: startedLine.t - killed,
    session: c.session,
  };
}
