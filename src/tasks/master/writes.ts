/**
 * The master's writes, each one multi built with `fencedTransaction(term)`, so a deposed master's
 * writes fail on the server. Task-level races (cancel, a worker's commit) are settled by the check of
 * the task node's version in the same multi.
 */
import {
  CreateMode,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  type ReadOpResult,
  type Transaction,
  type ZooKeeperClient,
} from "../../client/index.js";
import { FENCE_OPS, type LeaderElection, type LeadershipTerm } from "../../recipes/index.js";
import { decodeEnvelope, encodeOutcome } from "../envelope.js";
import { decideLost } from "./requeue.js";
import type { AssignedEvent, ReassignedEvent } from "../history.js";
import { idOfKey, isRawKey, type Layout } from "../layout.js";
import type { ClusterState, PendingTask } from "./state.js";
import { mapLimit } from "../zk.js";

export interface WriteContext {
  client: ZooKeeperClient;
  layout: Layout;
  election: LeaderElection;
  term: LeadershipTerm;
  state: ClusterState;
  /** Keys whose node must be read again (their write lost a race). */
  refresh: Set<string>;
  /**
   * Task data that came with a watch event in this pass of the loop (small envelopes only: reads.ts), so
   * an assignment made in the same pass carries it and the worker need not read the task; cleared after
   * each pass, so it never holds more than one pass's new tasks.
   */
  fresh: Map<string, Buffer>;
  hooks: TermHooks;
  /** Fault injection only (MasterOptions.unsafeDisableEpochFence): write without the epoch check. */
  unsafe: boolean;
}

export interface TermHooks {
  assigned(e: AssignedEvent): void;
  reassigned(e: ReassignedEvent): void;
  recovered(worker: string, count: number): void;
}

/**
 * A transaction whose first FENCE_OPS ops fence it to the term. The unsafe variant (fault injection)
 * keeps the op offsets with two checks of the root, which always pass.
 */
export function fencedTx(ctx: WriteContext): Transaction {
  if (!ctx.unsafe) return ctx.election.fencedTransaction(ctx.term);
  return ctx.client.transaction().check(ctx.layout.root, -1).check(ctx.layout.root, -1);
}

export interface Pick {
  task: PendingTask;
  worker: string;
}

/**
 * Commits assignments in one multi (the caller has already counted them as assigned); a pick whose check
 * fails is taken back (and re-read) and the rest retried. `at` is the start time the assignments carry;
 * `extra` adds ops after them (the limits' start records), which must commit with them.
 */
export async function commitAssignments(
  ctx: WriteContext,
  picks: Pick[],
  at = Date.now(),
  extra?: (tx: Transaction, picks: readonly Pick[]) => void,
): Promise<number> {
  let todo = picks;
  while (todo.length > 0) {
    const tx = fencedTx(ctx);
    for (const { task, worker } of todo)
      tx.check(ctx.layout.task(task.key), task.version).create(
        ctx.layout.assignment(worker, task.key),
        assignmentData(task, at, ctx.fresh.get(task.key)),
      );
    extra?.(tx, todo);
    try {
      await tx.commit();
      for (const { task, worker } of todo) {
        ctx.hooks.assigned({
          id: idOfKey(task.key),
          key: task.key,
          worker,
          token: task.version,
          attempt: task.attempt,
          epoch: ctx.term.epoch,
        });
      }
      return todo.length;
    } catch (err) {
      const index = (err as { opIndex?: number }).opIndex;
      if (index === undefined || index < FENCE_OPS) throw err; // fenced out, or no answer: the term decides
      const bad = todo[Math.floor((index - FENCE_OPS) / 2)];
      if (bad === undefined) throw err;
      ctx.state.unassign(bad.task.key);
      ctx.refresh.add(bad.task.key);
      todo = todo.filter((p) => p !== bad);
    }
  }
  return 0;
}

/**
 * An assignment's JSON, byte for byte what JSON.stringify({ task, token, attempt, delivery, at, data })
 * gives, without the object (the key is the only part that may need escaping). `data`: the task node's
 * data at version `token`, when the master has it at hand (ctx.fresh), in base64 — the worker then runs
 * the task without reading it (worker/execution/execution.ts); absent, the worker reads the task node.
 */
export function assignmentData(task: PendingTask, at: number, data?: Buffer): string {
  const { key, version, attempt, delivery } = task;
  // The fields come from a decoded envelope: anything but plain integers and a string takes the slow road.
  if (!Number.isSafeInteger(attempt) || !Number.isSafeInteger(at) || typeof delivery !== "string")
    return JSON.stringify({
      task: key,
      token: version,
      attempt,
      delivery,
      at,
      data: data?.toString("base64"),
    });
  const head = `{"task":${JSON.stringify(key)},"token":${version},"attempt":${attempt},"delivery":${JSON.stringify(delivery)},"at":${at}`;
  return data === undefined ? `${head}}` : `${head},"data":"${data.toString("base64")}"}`;
}

/** What recovery read of one assignment: the assignment, its task and its status. */
type Recovery = {
  key: string;
  a: ReadOpResult | undefined;
  t: ReadOpResult | undefined;
  s: ReadOpResult | undefined;
};

/**
 * Takes back every assignment of a worker whose session ended: at-most-once tasks already marked
 * started end failed ("outcome unknown"), tasks past their poison cap end failed ("worker lost N
 * times"), everything else goes back to pending with its version bumped (see requeue.ts), so a late
 * result of the lost execution can never be committed. The loss is counted (`run.requeues`) only for
 * the `concurrency` assignments the worker would have been running: the first in its own order
 * (priority, then assignment order; worker/slot-gate.ts); its queued ones go back uncounted.
 */
export async function recoverAssignments(
  ctx: WriteContext,
  worker: string,
  keys: readonly string[],
  concurrency: number,
): Promise<void> {
  const { client, layout } = ctx;
  const reads = await mapLimit(keys, 32, async (key): Promise<Recovery> => {
    const [a, t, s] = await client.multiRead([
      { type: "getData", path: layout.assignment(worker, key) },
      { type: "getData", path: layout.task(key) },
      { type: "getData", path: layout.status(key) },
    ]);
    return { key, a, t, s };
  });
  const live = reads.filter(
    (r) => r.a?.type === "getData" && r.t?.type === "getData" && r.s?.type !== "getData",
  );
  // The worker's order: priority, then assignment order — one multi's assignments share a czxid and
  // reach it in the master's pending order (task czxid, then position in its multi).
  const rank = (r: Recovery): [number, bigint, bigint, number] => {
    const env = r.t?.type === "getData" && !isRawKey(r.key) ? decodeEnvelope(r.t.data) : null;
    return [
      env?.options.priority ?? 0,
      r.a?.type === "getData" ? r.a.stat.czxid : 0n,
      r.t?.type === "getData" ? r.t.stat.czxid : 0n,
      typeof env?.n === "number" ? env.n : 0,
    ];
  };
  const ranks = new Map(live.map((r) => [r, rank(r)]));
  live.sort((x, y) => {
    const [a, b] = [ranks.get(x), ranks.get(y)] as [ReturnType<typeof rank>, ReturnType<typeof rank>];
    if (a[0] !== b[0]) return b[0] - a[0];
    for (const i of [1, 2] as const) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a[3] - b[3];
  });
  const charged = new Set(live.slice(0, Math.max(1, concurrency)).map((r) => r.key));
  await mapLimit(reads, 32, (r) => recoverOne(ctx, worker, r, charged.has(r.key)));
}

async function recoverOne(ctx: WriteContext, worker: string, r: Recovery, charged: boolean): Promise<void> {
  const { layout } = ctx;
  const { key, a, t, s } = r;
  const assignPath = layout.assignment(worker, key);
  ctx.state.unassign(key);
  ctx.refresh.add(key);
  if (a?.type !== "getData") return;
  const token = tokenOf(a.data);
  const event = (outcome: ReassignedEvent["outcome"]): ReassignedEvent => ({
    id: idOfKey(key),
    key,
    worker,
    token,
    epoch: ctx.term.epoch,
    outcome,
  });
  const tx = fencedTx(ctx);
  if (t?.type !== "getData" || s?.type === "getData") {
    await tx.delete(assignPath).commit();
    ctx.hooks.reassigned(event("dropped"));
    return;
  }
  const env = isRawKey(key) ? null : decodeEnvelope(t.data);
  const started = a.data !== null && /"started":true/.test(a.data.toString("utf8"));
  const decision = decideLost(env, t.data, worker, started, charged);
  const version = t.stat.version;
  if (decision.kind === "fail") {
    // The loss is counted in the run state too (the version bump also fences the lost execution).
    if (decision.data !== null) tx.setData(layout.task(key), decision.data, version);
    else tx.check(layout.task(key), version);
    tx.create(layout.status(key), decision.outcome);
  } else tx.setData(layout.task(key), decision.data, version);
  await tx.delete(assignPath).commit();
  ctx.hooks.reassigned(event(decision.kind === "fail" ? "failed" : "requeued"));
}

function tokenOf(data: Buffer | null): number {
  const m = data === null ? null : /"token":(\d+)/.exec(data.toString("utf8"));
  return m === null ? -1 : Number(m[1]);
}

/** Writes <root>/master (ephemeral: identity and epoch), replacing a deposed master's node. */
export async function claimMasterNode(ctx: WriteContext, id: string): Promise<void> {
  const data = JSON.stringify({ id, epoch: ctx.term.epoch, pid: process.pid, since: Date.now() });
  try {
    await fencedTx(ctx).create(ctx.layout.master, data, { mode: CreateMode.EPHEMERAL }).commit();
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
    await fencedTx(ctx)
      .delete(ctx.layout.master)
      .create(ctx.layout.master, data, { mode: CreateMode.EPHEMERAL })
      .commit();
  }
}

/** Creates `path` (fenced) unless it exists. */
export async function ensureFenced(ctx: WriteContext, path: string): Promise<void> {
  if ((await ctx.client.exists(path)) !== null) return;
  try {
    await fencedTx(ctx).create(path, null).commit();
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
  }
}

/** Stores a final failure for a task that cannot run (e.g. an undecodable envelope). */
export async function failTask(
  ctx: WriteContext,
  key: string,
  version: number,
  reason: string,
): Promise<void> {
  const outcome = encodeOutcome({ state: "failed", reason, attempt: 0, at: Date.now() });
  await fencedTx(ctx).check(ctx.layout.task(key), version).create(ctx.layout.status(key), outcome).commit();
}

/** Removes finished tasks with their children (retention), one multi per batch. */
export async function removeFinished(ctx: WriteContext, keys: readonly string[]): Promise<void> {
  const tx = fencedTx(ctx);
  const lists = await mapLimit(keys, 32, (key) =>
    ctx.client.getChildren(ctx.layout.task(key)).catch(() => null),
  );
  keys.forEach((key, i) => {
    const children = lists[i];
    if (children === undefined || children === null) return;
    for (const c of children) tx.delete(`${ctx.layout.task(key)}/${c}`);
    tx.delete(ctx.layout.task(key));
  });
  if (tx.size > FENCE_OPS)
    try {
      await tx.commit();
    } catch (err) {
      const at = (err as { opIndex?: number }).opIndex ?? -1;
      if (!(err instanceof NoNodeError || err instanceof NotEmptyError) || at < FENCE_OPS) throw err;
      // Another client removed or changed one of them meanwhile (the admin API): one by one.
      if (keys.length > 1) for (const key of keys) await removeFinished(ctx, [key]);
      if (keys.length > 1 || err instanceof NotEmptyError) return; // a child appeared: the next pass retries
    }
  for (const key of keys) ctx.state.forget(key);
}
