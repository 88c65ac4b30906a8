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
  const m1 = await role("master", "m1");
  await m1.waitFor((l) => "leader" in l, "m1 leading");
  const m2 = await role("master", "m2");
  const workers: Cluster["workers"] = [];
  for (let i = 1; i <= o.workers; i++) workers.push({ id: `w${i}`, child: await role("worker", `w${i}`) });
  const session = Number(m1.lines.find((l) => "session" in l)?.["session"]);
  return { root, sub: new Submitter(zk, { root }), masters: [m1, m2], workers, session, submitted: 0 };
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

export interface Failover {
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

/** SIGKILL of the active master while 32 lanes of submit → result flow: ms until the backup assigns. */
export async function masterFailover(c: Cluster): Promise<Failover> {
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
  const leader = await m2.waitFor((l) => "leader" in l, "m2 leading", 0, 120_000);
  const assigned = await m2.waitFor(
    (l) => "assigned" in l && m2.lines.indexOf(l) >= before,
    "m2's first assignment",
    0,
    120_000,
  );
  await sleep(500);
  stop = true;
  await Promise.all(lanes);
  const session = c.session;
  return {
    leaderMs: leader.t - killedAt,
    assignMs: assigned.t - killedAt,
    maxGapMs,
    flowed,
    session,
    backlog,
  };
}

export interface Reassign {
  /** SIGKILL → the task's assignment to the other worker seen through a watch. */
  assignMs: number;
  /** SIGKILL → the task started again on the other worker. */
  startedMs: number;
  session: number;
}

/** SIGKILL of a worker running a task: ms until that task is assigned to (and started on) another worker. */
export async function workerReassign(c: Cluster, zk: ZooKeeperClient): Promise<Reassign> {
  const [victim, survivor] = c.workers;
  if (victim === undefined || survivor === undefined) throw new Error("two workers needed");
  const handles = await Promise.all(Array.from({ length: 4 }, () => c.sub.submit("sleep", { ms: 3000 })));
  const running = await victim.child.waitFor((l) => "started" in l, "a sleep task on the victim", 0, 10_000);
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
