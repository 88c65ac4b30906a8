/** What a Worker tells its listeners, and its counters. */
import type { CommittedEvent, RejectedEvent, StartedEvent } from "../history.js";
import type { ExecutionResult } from "./execution/types.js";

export interface WorkerEvents {
  completed: [id: string, result: unknown];
  failed: [id: string, reason: string, willRetry: boolean];
  /** A result was refused because its token was no longer current (cancel, reassignment). */
  stale: [id: string, token: number];
  /** A handler is about to run under this token. */
  started: [e: StartedEvent];
  /** An outcome (done, final failure, or retry state) was committed under its token. */
  committed: [e: CommittedEvent];
  /** A write of this execution was refused by the token check (the result is dropped). */
  rejected: [e: RejectedEvent];
  /** The session ended: running handlers were aborted, the worker is closed. */
  lost: [];
  error: [err: Error];
}

export interface WorkerStats {
  completed: number;
  failed: number;
  retried: number;
  stale: number;
  /** Executions under way: reading their task, waiting for a slot or running their handler. */
  running: number;
  /** Of those, prefetched ones read and ready, waiting for a handler slot to free. */
  waiting: number;
}

export type WorkerCounts = Omit<WorkerStats, "running" | "waiting">;

/** Counts an execution's end and tells the listeners (`emit` is the worker's own; `listens` skips a
 * payload nobody gets). */
export function account(
  counts: WorkerCounts,
  emit: <K extends keyof WorkerEvents>(event: K, ...args: WorkerEvents[K]) => void,
  listens: (event: keyof WorkerEvents) => boolean,
  id: string,
  token: number,
  r: { result: ExecutionResult; value?: unknown; error?: string | undefined },
): void {
  if (r.result === "done") {
    counts.completed++;
    if (listens("completed")) emit("completed", id, r.value);
  } else if (r.result === "failed" || r.result === "retry") {
    if (r.result === "retry") counts.retried++;
    else counts.failed++;
    emit("failed", id, r.error ?? "", r.result === "retry");
  } else if (r.result === "stale") {
    counts.stale++;
    emit("stale", id, token);
  }
}
