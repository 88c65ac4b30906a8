/**
 * The cluster reader: one task's record, task keys, counts by state — read from ZooKeeper alone, as a
 * new master would. `TaskHandle.status()`, the CLI and the dashboard all decode tasks here, and the admin
 * API (admin/queue.ts) grows from it. The master, election, workers and assignments are in members.ts.
 *
 * One state vocabulary (docs/SEMANTICS.md "Task states"): a task with an outcome is in the outcome's
 * state; else it is `running` while an assignment of it exists, `delayed` while its notBefore is in the
 * future, `waiting` otherwise. Reads of different nodes are not one snapshot: a task read while it
 * moves can show either side of the move, never a state it never had.
 */
import type { GetDataResult, Stat } from "../../client/index.js";
import { decodeEnvelope, decodeOutcome, type Envelope, type TaskOutcome } from "../envelope.js";
import { BUCKET_PREFIX, idOfKey, isRawKey, RAW_PREFIX, type Layout } from "../layout.js";
import { mapLimit } from "../zk.js";
import {
  assignedByTask,
  childrenOf,
  findAssignment,
  listAssignments,
  orNull,
  type ClusterReads,
} from "./members.js";

export type TaskState = "waiting" | "delayed" | "running" | "done" | "failed" | "cancelled";
export const TASK_STATES: readonly TaskState[] = [
  "waiting",
  "delayed",
  "running",
  "done",
  "failed",
  "cancelled",
];
/** The states a task never leaves. */
export const FINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(["done", "failed", "cancelled"]);

/** What one task looks like in ZooKeeper, decoded. */
export interface TaskRecord {
  id: string;
  key: string;
  state: TaskState;
  /** The envelope's type; null for a raw seed task, or an envelope not read (see `maxEnvelopeBytes`). */
  type: string | null;
  envelope: Envelope | null;
  /** A raw seed task's data as text; null for structured tasks. */
  raw: string | null;
  outcome: TaskOutcome | null;
  /** The worker holding its assignment, else the one that produced its outcome; null if none. */
  worker: string | null;
  /** The attempt running or next (failures + 1), or the outcome's attempt once finished. */
  attempt: number;
  /** Failed attempts so far (from the run state). */
  failures: number;
  requeues: number;
  priority: number;
  /** Last failure's reason: the outcome's when failed, else the run state's. */
  error: string | null;
  /** The task node's data version when read: what a version-checked write of it must name. */
  version: number;
  /** The task node's creation and last change, and the outcome's creation (server clock, ms). */
  ctime: number;
  mtime: number;
  finishedAt: number | null;
  /** The envelope's submit time (the submitter's clock), else ctime. */
  submittedAt: number;
  /** Last progress a handler reported, when it was read (`progress: true`). */
  progress?: unknown;
}

/** The state of a task from its parts. */
export function stateOf(
  outcome: TaskOutcome | null,
  assigned: boolean,
  env: Envelope | null,
  now = Date.now(),
): TaskState {
  if (outcome !== null) return outcome.state;
  if (assigned) return "running";
  if (env !== null && env.run.notBefore > now) return "delayed";
  return "waiting";
}

/** Decodes a task from its node (`data` null: not read) and its status node (null: none). */
export function decodeTask(
  key: string,
  task: { data: Buffer | null; stat: Stat },
  status: GetDataResult | null,
  worker: string | null,
): TaskRecord {
  const raw = isRawKey(key);
  const env = raw ? null : decodeEnvelope(task.data);
  const outcome = status === null ? null : decodeOutcome(status.data);
  const failures = env?.run.failures ?? 0;
  const ended = outcome !== null && outcome.state !== "cancelled" ? outcome : null;
  return {
    id: idOfKey(key),
    key,
    state: stateOf(outcome, worker !== null, env),
    type: env?.type ?? null,
    envelope: env,
    raw: raw ? (task.data?.toString("utf8") ?? "") : null,
    outcome,
    worker: worker ?? (ended?.worker !== undefined && ended.worker !== "" ? ended.worker : null),
    attempt: ended?.attempt ?? failures + 1,
    failures,
    requeues: env?.run.requeues ?? 0,
    priority: env?.options.priority ?? 0,
    error: outcome?.state === "failed" ? outcome.reason : (env?.run.error ?? null),
    version: task.stat.version,
    ctime: task.stat.ctime,
    mtime: task.stat.mtime,
    finishedAt: status?.stat.ctime ?? null,
    submittedAt: env?.submittedAt ?? task.stat.ctime,
  };
}

export interface ReadTaskOptions {
  /**
   * The worker holding its assignment (null: none) when the caller knows it, e.g. from one listing of
   * all assignments; when left out it is looked up (one listing of `<root>/assign`, one read a worker).
   */
  worker?: string | null;
  /** Envelopes larger than this are not read (their type is then null). Default: always read. */
  maxEnvelopeBytes?: number;
  /** Also read its last progress. */
  progress?: boolean;
}

/** One task's record; null when it does not exist. Each node is its own read (large payloads). */
export async function readTask(
  reads: ClusterReads,
  layout: Layout,
  key: string,
  opts: ReadTaskOptions = {},
): Promise<TaskRecord | null> {
  const limit = opts.maxEnvelopeBytes;
  let task: { data: Buffer | null; stat: Stat } | null;
  let status: GetDataResult | null;
  let worker: string | null;
  let progress: GetDataResult | null = null;
  if (limit === undefined) {
    [task, status, worker, progress] = await Promise.all([
      orNull(reads.getData(layout.task(key))),
      orNull(reads.getData(layout.status(key))),
      opts.worker !== undefined ? opts.worker : findAssignment(reads, layout, key),
      opts.progress === true ? orNull(reads.getData(layout.progress(key))) : null,
    ]);
  } else {
    // Stat first: a list of many tasks reads neither large envelopes nor status nodes that are not there.
    const stat = await orNull(reads.exists(layout.task(key)));
    if (stat === null) return null;
    const read = !isRawKey(key) && stat.dataLength <= limit;
    [task, status, worker, progress] = await Promise.all([
      read ? orNull(reads.getData(layout.task(key))) : { data: null, stat },
      stat.numChildren > 0 ? orNull(reads.getData(layout.status(key))) : null,
      opts.worker !== undefined ? opts.worker : findAssignment(reads, layout, key),
      opts.progress === true && stat.numChildren > 0 ? orNull(reads.getData(layout.progress(key))) : null,
    ]);
  }
  if (task === null) return null;
  const record = decodeTask(key, task, status, worker);
  if (opts.progress === true) record.progress = progress === null ? undefined : parseJson(progress.data);
  return record;
}

/** A progress (or other) node's JSON; its text when it is not JSON; undefined when empty. */
export function parseJson(data: Buffer | null): unknown {
  if (data === null) return undefined;
  try {
    return JSON.parse(data.toString("utf8")) as unknown;
  } catch {
    return data.toString("utf8");
  }
}

/** Every task key: raw seed tasks (`task-<seq>`) flat under `<root>/tasks`, structured ones in buckets. */
export async function listTaskKeys(reads: ClusterReads, layout: Layout): Promise<string[]> {
  const top = await childrenOf(reads, layout.tasks);
  const raw = top.filter((n) => n.startsWith(RAW_PREFIX)).sort();
  const buckets = top.filter((n) => n.startsWith(BUCKET_PREFIX)).sort();
  const inBuckets = await mapLimit(buckets, 16, async (b) =>
    (await childrenOf(reads, layout.bucket(b))).map((n) => `${b}/${n}`),
  );
  return [...raw, ...inBuckets.flat()];
}

/** Every task's record (one listing of the assignments first, so no task looks its worker up alone). */
export async function readAllTasks(
  reads: ClusterReads,
  layout: Layout,
  opts: { maxEnvelopeBytes?: number } = {},
): Promise<TaskRecord[]> {
  const byTask = assignedByTask(await listAssignments(reads, layout));
  const keys = await listTaskKeys(reads, layout);
  const rows = await mapLimit(keys, 256, (k) =>
    readTask(reads, layout, k, { ...opts, worker: byTask.get(k) ?? null }),
  );
  return rows.filter((r): r is TaskRecord => r !== null);
}

export type TaskCounts = Record<TaskState, number> & { total: number };

export function emptyCounts(): Record<TaskState, number> {
  return Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
}

export function countByState(rows: readonly { state: TaskState }[]): TaskCounts {
  const counts = emptyCounts();
  for (const r of rows) counts[r.state]++;
  return { ...counts, total: rows.length };
}
