/**
 * Event payloads of the task roles, one object per fact, so a fault-injection checker can record a
 * history (who started, committed or was refused what, under which token and epoch) and judge it.
 * Every `token` is the execution's fencing token (the task node's data version at assignment).
 */
import type { Delivery, TaskOutcome } from "./envelope.js";

/** A task the submitter wrote (or found already there: `created === false`). */
export interface SubmittedEvent {
  readonly id: string;
  /** Path under `<root>/tasks` ("b-17/t-abc"). */
  readonly key: string;
  readonly created: boolean;
}

/** A handle of this submitter observed the task's stored outcome. */
export interface ResultEvent {
  readonly id: string;
  readonly key: string;
  readonly outcome: TaskOutcome;
}

/** A worker is about to run a handler under `token`. */
export interface StartedEvent {
  readonly id: string;
  readonly key: string;
  readonly token: number;
  readonly attempt: number;
  readonly delivery: Delivery;
}

/** A worker's outcome multi succeeded on the server. */
export interface CommittedEvent {
  readonly id: string;
  readonly key: string;
  readonly token: number;
  /** done/failed: a status node was created; retry: the run state was written back. */
  readonly outcome: "done" | "failed" | "retry";
}

/**
 * A worker's write was refused because its token was no longer current: `bad-version` (the task moved
 * on: requeue, retry, cancel), `exists` (an outcome is already stored), `gone` (task removed),
 * `superseded` (the assignment's token was already stale when the worker picked it up).
 */
export interface RejectedEvent {
  readonly id: string;
  readonly key: string;
  readonly token: number;
  readonly reason: "bad-version" | "exists" | "gone" | "superseded";
}

/** The master's assignment multi for this task committed. */
export interface AssignedEvent {
  readonly id: string;
  readonly key: string;
  readonly worker: string;
  readonly token: number;
  readonly attempt: number;
  readonly epoch: number;
}

/** The master took back an assignment of a worker whose session ended. */
export interface ReassignedEvent {
  readonly id: string;
  readonly key: string;
  /** The lost worker. */
  readonly worker: string;
  /** The token the lost execution held. */
  readonly token: number;
  readonly epoch: number;
  /** requeued: back to pending with a bumped version; failed: at-most-once "outcome unknown"; dropped: already finished or gone. */
  readonly outcome: "requeued" | "failed" | "dropped";
}

/** A master term began (this candidate now leads). */
export interface TermEvent {
  readonly epoch: number;
  readonly id: string;
}
