/**
 * What the dashboard shows, independent of where it comes from. `ClusterSource` is the seam: today
 * `ZkClusterSource` reads the task layout straight from ZooKeeper; a status API of the task system can
 * replace it without touching the HTTP server, the page or the metrics.
 */
import type { FlowInfo } from "../tasks/index.js";

import type { MasterInfo, TaskState } from "../tasks/index.js";

/** The task states are the task system's own (its cluster reader decides them). */
export { TASK_STATES } from "../tasks/index.js";
export type { MasterInfo, TaskState };

export type SessionState =
  "latent" | "connecting" | "connected" | "suspended" | "reconnected" | "lost" | "closed";
export const SESSION_STATES: readonly SessionState[] = [
  "latent",
  "connecting",
  "connected",
  "suspended",
  "reconnected",
  "lost",
  "closed",
];

export interface WorkerView {
  id: string;
  capacity: number;
  labels: string[];
  host: string;
  pid: number;
  /** Assignments currently under `<root>/assign/<id>`. */
  running: number;
  /** Up to 20 of the running task keys. */
  tasks: string[];
}

export interface FailureView {
  key: string;
  reason: string;
  worker: string;
  attempt: number;
  at: number;
}

export interface Overview {
  root: string;
  session: SessionState;
  /** False until the first full read of the cluster completed. */
  ready: boolean;
  master: MasterInfo | null;
  /** Election candidates that are not the active master, in succession order. */
  backups: string[];
  paused: boolean;
  workers: WorkerView[];
  counts: Record<TaskState, number>;
  total: number;
  /** Most recent failures first (at most 20). */
  failures: FailureView[];
  /** Failovers seen since the source started (a different master, or a new epoch). */
  failovers: number;
}

export interface TaskRow {
  key: string;
  id: string;
  state: TaskState;
  /** Envelope type, "raw" for seed tasks, "" when not read (payloads over the read limit). */
  type: string;
  worker: string;
  submittedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  attempt: number;
}

export interface TaskQuery {
  state?: TaskState;
  /** Newest first; offset into that order. */
  offset: number;
  limit: number;
}

export interface TaskPage {
  total: number;
  offset: number;
  rows: TaskRow[];
}

export interface TaskDetail extends TaskRow {
  path: string;
  payload: unknown;
  options: unknown;
  run: unknown;
  progress: unknown;
  outcome: unknown;
  assignment: unknown;
  timeline: { at: number; what: string }[];
  /** Its place in a flow (parent, children and their states); null when it is not in one. */
  flow: FlowInfo | null;
}

/** What a source observed happening, live (never replayed from the initial read). */
export type ClusterEvent =
  | { type: "assigned"; key: string; worker: string; waitMs: number; reassigned: boolean }
  | {
      type: "finished";
      key: string;
      state: "done" | "failed" | "cancelled";
      /** A failure's reason ("" otherwise). */
      reason: string;
      /** Assignment → outcome (server clock); null when the assignment came and went unseen. */
      runMs: number | null;
      /** Submit → outcome (server clock). */
      turnaroundMs: number;
    }
  | { type: "failover"; from: string | null; to: string; epoch: number | null };

export interface ClusterSource {
  start(): Promise<void>;
  close(): Promise<void>;
  /** The current picture; cheap (in memory). */
  overview(): Overview;
  tasks(query: TaskQuery): TaskPage;
  /** Reads one task's full record; null when it does not exist. */
  task(key: string): Promise<TaskDetail | null>;
  /** Called (coalesced) after the picture changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  onEvent(listener: (e: ClusterEvent) => void): () => void;
}

/** Task actions, kept apart from reading so a read-only deployment needs none of it. */
export interface ClusterActions {
  cancel(key: string): Promise<ActionResult>;
  retry(key: string): Promise<ActionResult>;
  /** Deletes a task with its outcome (the admin API's `remove`). */
  remove(key: string): Promise<ActionResult>;
  /** Makes a delayed task due now. */
  promote(key: string): Promise<ActionResult>;
}

/** The action endpoints: POST /api/tasks/<action>?key=… */
export const ACTIONS = ["cancel", "retry", "remove", "promote"] as const;

export type ActionResult =
  /** `id`: the task an action created (a retry's new id). */
  { ok: true; message: string; id?: string } | { ok: false; status: 404 | 409 | 501; message: string };
