/**
 * The master's in-memory picture of the cluster, rebuilt from ZooKeeper at the start of every term and
 * kept current through watches. Nothing here is authoritative: every decision is re-checked by the
 * version checks of the multi that carries it out.
 */
import type { ReadOpResult, ZooKeeperClient } from "../../client/index.js";
import { decodeEnvelope, type Envelope } from "../envelope.js";
import { isRawKey, type Layout } from "../layout.js";
import type { WorkerView } from "./scheduler.js";
import type { WorkerInfo } from "../worker-info.js";
import type { PendingTask } from "./pending-order.js";
import { GroupedPending, type FairRound } from "./pending-groups.js";
import { LimitUsage } from "./limit-usage.js";
import { flowLinksOf, type FlowLinks } from "../flow.js";

export type { PendingTask };

export interface WorkerEntry {
  id: string;
  info: WorkerInfo;
  assigned: Set<string>;
}

export class ClusterState {
  readonly workers = new Map<string, WorkerEntry>();
  readonly pending = new Map<string, PendingTask>();
  /** task key → worker id */
  readonly assigned = new Map<string, string>();
  /** task key → when it was seen finished (ms); for retention. */
  readonly finished = new Map<string, number>();
  private newestFinished = -Infinity;
  private finishedUnsorted = false;
  /** Keys being read or written right now (not to be scheduled twice). */
  readonly busy = new Set<string>();
  /** `pending` in scheduling order per group, kept up to date in small steps (no full sort per added task). */
  private readonly order = new GroupedPending((t) => this.pending.get(t.key) === t);
  /** Assignments held per type and group (for concurrency limits). */
  readonly usage = new LimitUsage();
  /** Assigned keys whose type and group are not known yet (found at load): read before limits apply. */
  readonly unclassified = new Set<string>();
  /** Priority of each assignment made this term (found at load: unknown, not here). */
  readonly assignedPriority = new Map<string, number>();
  /** How many pending tasks / known-priority assignments there are of each priority (overflow.ts's
   * quick check: usually one or two entries). */
  readonly pendingPriorities = new Map<number, number>();
  readonly assignedPriorities = new Map<number, number>();
  /** Told every task seen finished (flows: master/flows.ts); may be told a key twice. */
  onFinish: ((key: string) => void) | null = null;

  knows(key: string): boolean {
    return this.pending.has(key) || this.assigned.has(key) || this.finished.has(key) || this.busy.has(key);
  }

  /** Adds (or replaces) a pending task; `t` must be a fresh reading, not an object removed before. */
  addPending(t: PendingTask): void {
    const old = this.pending.get(t.key);
    if (old === t) return;
    if (old !== undefined) {
      this.order.remove(old);
      count(this.pendingPriorities, old.priority, -1);
    }
    this.pending.set(t.key, t);
    this.order.add(t);
    count(this.pendingPriorities, t.priority, 1);
  }

  removePending(key: string): void {
    const old = this.pending.get(key);
    if (old === undefined) return;
    this.pending.delete(key);
    this.order.remove(old);
    count(this.pendingPriorities, old.priority, -1);
  }

  /** `task`: what was assigned (unknown for assignments found at load: classified later). */
  assign(key: string, worker: string, task?: PendingTask): void {
    this.removePending(key);
    this.assigned.set(key, worker);
    this.workers.get(worker)?.assigned.add(key);
    if (task !== undefined) {
      this.usage.hold(key, task.type, task.group);
      this.assignedPriority.set(key, task.priority);
      count(this.assignedPriorities, task.priority, 1);
    } else if (!isRawKey(key)) this.unclassified.add(key);
  }

  unassign(key: string): string | undefined {
    const w = this.assigned.get(key);
    this.assigned.delete(key);
    const p = this.assignedPriority.get(key);
    if (p !== undefined) {
      this.assignedPriority.delete(key);
      count(this.assignedPriorities, p, -1);
    }
    this.usage.release(key);
    this.unclassified.delete(key);
    if (w !== undefined) this.workers.get(w)?.assigned.delete(key);
    return w;
  }

  finish(key: string, at: number): void {
    this.unassign(key);
    this.removePending(key);
    // Kept in `at` order (Map insertion order) so retention reads only the oldest entries; an entry
    // older than the newest (a rebuild finds them in any order) marks the map for one re-sort.
    this.finished.delete(key);
    if (at < this.newestFinished) this.finishedUnsorted = true;
    else this.newestFinished = at;
    this.finished.set(key, at);
    this.onFinish?.(key);
  }

  /** The finished tasks oldest first (re-sorted once if entries arrived out of order). */
  finishedOldestFirst(): IterableIterator<[string, number]> {
    if (this.finishedUnsorted) {
      const sorted = [...this.finished.entries()].sort((a, b) => a[1] - b[1]);
      this.finished.clear();
      for (const [k, at] of sorted) this.finished.set(k, at);
      this.finishedUnsorted = false;
    }
    return this.finished.entries();
  }

  forget(key: string): void {
    this.unassign(key);
    this.removePending(key);
    this.finished.delete(key);
  }

  /** One fair round over the pending tasks: groups round-robin, each group by priority (high first)
   * then submission order (czxid, then position in its multi). Lazy: a round that stops after k tasks
   * costs about k·log n, not the length of the queue; entries assigned or gone since are skipped. */
  fairRound(): FairRound {
    return this.order.round(this.pending.size);
  }

  /** The pending tasks in the order a round with room for all of them would take them (round-robin
   * over groups; a round of its own, so it moves the groups it serves to the end of the ring). */
  *orderedPending(): Generator<PendingTask> {
    const round = this.fairRound();
    for (const g of round.turns()) {
      const t = round.next(g);
      if (t === undefined) continue;
      round.served(g);
      yield t;
    }
  }

  workerViews(): WorkerView[] {
    return [...this.workers.values()].map((w) => ({
      id: w.id,
      capacity: w.info.capacity,
      load: w.assigned.size,
      labels: w.info.labels,
      types: w.info.types,
      raw: w.info.raw,
    }));
  }

  freeCapacity(): number {
    let free = 0;
    for (const w of this.workers.values()) free += Math.max(0, w.info.capacity - w.assigned.size);
    return free;
  }
}

/** Adds `by` to the count of `key`, dropping it at zero. */
function count(m: Map<number, number>, key: number, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

export type TaskReading =
  | { kind: "gone" }
  /** `at` unknown until the status is read (only retention by age needs it). */
  | { kind: "finished"; at: null }
  /** The node has children, one of which may be `status`: read again with its child list. */
  | { kind: "children" }
  /** `flow`: its links when it belongs to a flow (master/flows.ts decides whether it may run), with
   * its envelope (`env`, else null: a flow parent is released by rewriting it). */
  | { kind: "pending"; task: PendingTask; flow: FlowLinks | null; env: Envelope | null }
  | { kind: "bad"; reason: string; version: number };

const GONE: TaskReading = { kind: "gone" };
const FINISHED: TaskReading = { kind: "finished", at: null };
const CHILDREN: TaskReading = { kind: "children" };
const NO_LABELS: readonly string[] = [];

/**
 * Interprets a task's getData, and when its node has children, its child list read after it (a child
 * list never fails on a missing status, which a getData of it would, at the cost of an error object per
 * pending task). The node's stat says how many children it has, at the same point as its data: with
 * none there is no `status`, so a pending task, the common case, costs one read op. A task changed
 * between the two reads is still read right: a status only ever appears, a node gone has no child list,
 * and a pending reading's version is checked by the assignment's multi.
 */
export function readTask(key: string, task: ReadOpResult | undefined, children?: ReadOpResult): TaskReading {
  if (task?.type !== "getData") return GONE;
  const stat = task.stat;
  if (stat.numChildren > 0) {
    if (children === undefined) return CHILDREN;
    // No child list: the node went away after its data was read (the list is read second, reads.ts).
    if (children.type !== "getChildren") return GONE;
    if (children.children.includes("status")) return FINISHED;
  }
  if (isRawKey(key))
    return {
      kind: "pending",
      task: pendingTask(key, stat.czxid, 0, stat.version, null),
      flow: null,
      env: null,
    };
  const env = decodeEnvelope(task.data);
  if (env === null) return { kind: "bad", reason: "undecodable task envelope", version: stat.version };
  const n = typeof env.n === "number" ? env.n : 0;
  const flow = env.flow === undefined ? null : flowLinksOf(env.flow);
  const pending = pendingTask(key, stat.czxid, n, stat.version, env);
  return { kind: "pending", task: pending, flow, env: flow === null ? null : env };
}

/** One shape for every pending task (raw ones have no envelope): property order fixed, no spreads. */
function pendingTask(
  key: string,
  seq: bigint,
  n: number,
  version: number,
  env: Envelope | null,
): PendingTask {
  if (env === null)
    return {
      key,
      seq,
      n,
      version,
      type: null,
      priority: 0,
      labels: NO_LABELS,
      notBefore: 0,
      delivery: "at-least-once",
      attempt: 1,
      group: "",
    };
  const { options, run } = env;
  return {
    key,
    seq,
    n,
    version,
    type: env.type,
    priority: options.priority,
    labels: options.labels,
    notBefore: run.notBefore,
    delivery: options.delivery,
    attempt: run.failures + 1,
    group: typeof options.group === "string" ? options.group : "",
  };
}

/** When a task found finished finished: its status's ctime if retention by age needs it, else now. */
export async function statusTime(
  client: ZooKeeperClient,
  layout: Layout,
  key: string,
  retention: { maxAge: number },
): Promise<number> {
  if (retention.maxAge === Infinity) return Date.now();
  try {
    return Number((await client.getData(layout.status(key))).stat.ctime);
  } catch {
    return Date.now();
  }
}
