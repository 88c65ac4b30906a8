/** What a Worker tells its listeners, and its counters. */
import type { CommittedEvent, RejectedEvent, StartedEvent } from "../history.js";

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
  running: number;
}
