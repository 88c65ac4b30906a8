/**
 * What a task-event follower reports, and how a changed znode maps onto it. Pure: paths and bytes in,
 * events out; task-events.ts does the watching and the reads.
 */
import { decodeEnvelope, decodeOutcome } from "../envelope.js";
import { idOfKey, isRawKey, keyOfAssignName, type Layout } from "../layout.js";

export const TASK_EVENT_NAMES = [
  "submitted",
  "active",
  "progress",
  "completed",
  "failed",
  "retrying",
  "cancelled",
  "stalled",
  "removed",
] as const;

export type TaskEventName = (typeof TASK_EVENT_NAMES)[number];

/** One change of one task, as seen in ZooKeeper. */
export interface TaskEvent {
  event: TaskEventName;
  id: string;
  /** The task's key under `<root>/tasks` ("b-17/t-abc", or "task-0000000007" for a raw seed task). */
  key: string;
  /** The task's type; null for raw seed tasks, and when the task was gone before it could be read. */
  type: string | null;
  /** When it happened (ms since the epoch): the server's time of the change where ZooKeeper records it. */
  at: number;
  /** The attempt it concerns (active, completed, failed, retrying). */
  attempt?: number;
  /** The worker holding or having run it (active, completed, failed, stalled). */
  worker?: string;
  /** The progress value a handler reported (progress). */
  progress?: unknown;
  /** The handler's result (completed). */
  result?: unknown;
  /** Why it failed or will be retried (failed, retrying). */
  reason?: string;
  /** Re-read after a reconnect: the follower may already have reported it before the connection broke. */
  replayed?: true;
}

/** Which node a watched path is, relative to the cluster's layout. */
export type WatchedNode =
  | { kind: "task"; key: string }
  | { kind: "status"; key: string }
  | { kind: "progress"; key: string }
  | { kind: "assignment"; key: string; worker: string }
  | { kind: "other" };

const TASK_CHILDREN = new Set(["status", "progress"]);

export function classify(layout: Layout, path: string): WatchedNode {
  if (path.startsWith(layout.tasks + "/")) {
    const parts = path.slice(layout.tasks.length + 1).split("/");
    const [a, b, c] = parts;
    if (a === undefined) return { kind: "other" };
    // Raw seed task: task-<seq>[/status]
    if (a.startsWith("task-")) {
      if (parts.length === 1) return { kind: "task", key: a };
      if (parts.length === 2 && b === "status") return { kind: "status", key: a };
      return { kind: "other" };
    }
    if (b === undefined || !b.startsWith("t-")) return { kind: "other" };
    const key = `${a}/${b}`;
    if (parts.length === 2) return { kind: "task", key };
    if (parts.length === 3 && c !== undefined && TASK_CHILDREN.has(c))
      return { kind: c as "status" | "progress", key };
    return { kind: "other" };
  }
  if (path.startsWith(layout.assign + "/")) {
    const parts = path.slice(layout.assign.length + 1).split("/");
    const [worker, name] = parts;
    if (parts.length !== 2 || worker === undefined || name === undefined) return { kind: "other" };
    return { kind: "assignment", key: keyOfAssignName(name), worker };
  }
  return { kind: "other" };
}

/** What the follower remembers of a task between events: enough to tell a retry from a requeue. */
export interface KnownTask {
  type: string | null;
  failures: number;
  requeues: number;
  final: boolean;
  /** Version of the progress node last reported: a read that finds the same version is not news. */
  progressVersion?: number;
  /** Learnt from a status, progress or assignment read: the run counters are not known yet. */
  partial?: true;
}

export function knownFrom(key: string, data: Buffer | null): KnownTask {
  if (isRawKey(key)) return { type: null, failures: 0, requeues: 0, final: false };
  const env = decodeEnvelope(data);
  return {
    type: env?.type ?? null,
    failures: env?.run.failures ?? 0,
    requeues: env?.run.requeues ?? 0,
    final: false,
  };
}

/** The event a changed task node means, compared with what was known of it: a retry, a requeue, or none. */
export function taskChange(key: string, before: KnownTask, after: KnownTask, at: number): TaskEvent | null {
  if (before.partial === true) return null;
  const base = { id: idOfKey(key), key, type: after.type, at };
  if (after.failures > before.failures) return { ...base, event: "retrying", attempt: after.failures + 1 };
  if (after.requeues > before.requeues) return { ...base, event: "stalled" };
  return null;
}

/** The final event a status node means. */
export function outcomeEvent(
  key: string,
  type: string | null,
  data: Buffer | null,
  mtime: number,
): TaskEvent {
  const o = decodeOutcome(data);
  const base = { id: idOfKey(key), key, type };
  if (o.state === "done")
    return {
      ...base,
      event: "completed",
      at: o.at || mtime,
      attempt: o.attempt,
      worker: o.worker,
      result: o.result,
    };
  if (o.state === "failed") {
    const e: TaskEvent = {
      ...base,
      event: "failed",
      at: o.at || mtime,
      attempt: o.attempt,
      reason: o.reason,
    };
    if (o.worker !== undefined) e.worker = o.worker;
    return e;
  }
  return { ...base, event: "cancelled", at: o.at || mtime };
}

export function progressEvent(
  key: string,
  type: string | null,
  data: Buffer | null,
  mtime: number,
): TaskEvent {
  let progress: unknown = null;
  try {
    progress = data === null ? null : JSON.parse(data.toString("utf8"));
  } catch {
    progress = data?.toString("utf8") ?? null;
  }
  return { event: "progress", id: idOfKey(key), key, type, at: mtime, progress };
}

export function activeEvent(
  key: string,
  type: string | null,
  worker: string,
  data: Buffer | null,
  mtime: number,
): TaskEvent {
  let attempt: number | undefined;
  let at = mtime;
  try {
    const a = JSON.parse(data?.toString("utf8") ?? "") as { attempt?: unknown; at?: unknown };
    if (typeof a.attempt === "number") attempt = a.attempt;
    if (typeof a.at === "number") at = a.at;
  } catch {
    // a raw seed assignment (typed by hand): no JSON, nothing more to tell
  }
  const e: TaskEvent = { event: "active", id: idOfKey(key), key, type, at, worker };
  if (attempt !== undefined) e.attempt = attempt;
  return e;
}
