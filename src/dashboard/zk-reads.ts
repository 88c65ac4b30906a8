/**
 * Reads of the task layout (src/tasks/layout.ts) the ZooKeeper source is built from. Every read is a
 * plain request on our client, so many of them in flight share one socket write per event-loop turn,
 * made through a `Reader` that gives each request a deadline (so no pass can wait forever).
 * Nothing here reads more than one node's data per request: a multiRead of large payloads could pass
 * jute.maxbuffer, which Apache answers by dropping the connection.
 */
import type { ZooKeeperClient } from "../client/index.js";
import {
  readTask,
  type AssignmentRef,
  type ClusterReads,
  type Layout,
  type TaskRecord,
  type WorkerRecord,
} from "../tasks/index.js";
import type { Assignment, TaskEntry, TaskIndex } from "./task-index.js";

/** Envelopes larger than this are not read for the list (type and delay are then unknown). */
export const ENVELOPE_READ_LIMIT = 16 * 1024;

/** The three reads the dashboard makes (the task system's cluster reader takes the same). */
export type Reader = ClusterReads;

/** `client`'s reads, each failing with OperationTimeoutError after `timeout` ms (0 = the client's own). */
export function boundedReader(client: ZooKeeperClient, timeout: number): Reader {
  const opts = timeout > 0 ? { timeout } : {};
  return {
    getData: (path) => client.getData(path, opts),
    getChildren: (path) => client.getChildren(path, opts),
    exists: (path) => client.exists(path, opts),
  };
}

/**
 * Waits for every promise to settle, then rejects with the first failure: a failed pass leaves no read
 * running that could still write its (older) result into the state after the next pass.
 */
export async function settleAll(jobs: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

/**
 * Runs `fn` over `items`, at most `width` at once. After a failure no further item is started, and the
 * call rejects only once the items already running have settled (see `settleAll`).
 */
export async function eachLimit<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await settleAll(Array.from({ length: Math.min(width, items.length) }, lane));
}

/** What the dashboard keeps of a live worker. */
export type WorkerInfo = WorkerRecord;

/** An assignment's creation time (when the task started there); null when it is gone. */
export async function readAssignment(
  client: Reader,
  layout: Layout,
  ref: AssignmentRef,
): Promise<{ worker: string; key: string; assignment: Assignment | null }> {
  const stat = await client.exists(layout.assignment(ref.worker, ref.key));
  const { worker, key } = ref;
  return { worker, key, assignment: stat === null ? null : { worker, key, ctime: stat.ctime } };
}

/** The current record of one task from ZooKeeper, or null when it is gone. */
export async function readTaskEntry(
  client: Reader,
  layout: Layout,
  index: TaskIndex,
  key: string,
): Promise<{ entry: TaskEntry; notBefore: number } | null> {
  const r = await readTask(client, layout, key, {
    worker: index.assignment(key)?.worker ?? null,
    maxEnvelopeBytes: ENVELOPE_READ_LIMIT,
  });
  return r === null ? null : { entry: entryOf(r, index), notBefore: r.envelope?.run.notBefore ?? 0 };
}

/** The index's entry for a task record; what an unread (large) envelope cannot tell is kept from before. */
export function entryOf(r: TaskRecord, index: TaskIndex): TaskEntry {
  const prev = index.get(r.key);
  return {
    key: r.key,
    state: r.state,
    type: r.raw !== null ? "raw" : (r.type ?? prev?.type ?? ""),
    submittedAt: r.ctime,
    worker: r.worker ?? prev?.worker ?? "",
    startedAt: index.assignment(r.key)?.ctime ?? prev?.startedAt ?? null,
    finishedAt: r.finishedAt,
    attempt: r.envelope === null && r.outcome === null ? (prev?.attempt ?? 1) : r.attempt,
    reason: (r.error ?? "").slice(0, 500),
  };
}
