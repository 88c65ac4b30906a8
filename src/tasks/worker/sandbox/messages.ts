/**
 * The messages between a worker and its sandboxes (threads or child processes), one union per
 * direction. Values cross by structured clone (worker_threads, and child_process with "advanced"
 * serialization): payloads, results and progress may be anything JSON can hold, plus Buffers, Maps, Dates.
 * `n` numbers a run within its sandbox; `seq` a progress report awaiting its acknowledgement.
 */
import type { Delivery } from "../../envelope.js";
import type { TaskAbortError } from "../../errors.js";

/** What a sandboxed handler's context is made from (the AbortSignal is rebuilt in the sandbox). */
export interface SandboxTask {
  id: string;
  type: string;
  payload: unknown;
  attempt: number;
  token: number;
  delivery: Delivery;
  workerId: string;
}

export type ToSandbox =
  | { t: "run"; n: number; task: SandboxTask }
  /** The execution was stopped: the sandbox aborts the handler's signal with this reason. */
  | { t: "abort"; n: number; reason: TaskAbortError["reason"] }
  /** A progress report was stored, or a question answered (`value`); or refused: `error`. */
  | { t: "ack"; seq: number; error?: string; value?: unknown };

export type FromSandbox =
  /** The handler module loaded: the task types it exports. */
  | { t: "ready"; types: string[] }
  /** The handler module could not be loaded or has the wrong shape. */
  | { t: "load-failed"; message: string }
  | { t: "progress"; n: number; seq: number; value: unknown }
  /** A log line of run `n` (ctx.log). */
  | { t: "log"; n: number; line: string }
  /** A flow parent asks for its children's results or failures (answered with an ack carrying them). */
  | { t: "children"; n: number; seq: number; what: "results" | "failures" }
  | { t: "done"; n: number; ok: true; value: unknown }
  | { t: "done"; n: number; ok: false; error: string };

/** One sandbox as the pool sees it, whatever runs it. */
export interface SandboxChannel {
  send(m: ToSandbox): void;
  onMessage(cb: (m: FromSandbox) => void): void;
  /** The sandbox ended (crash, exit, or terminate()): `why` says how. Called once. */
  onExit(cb: (why: string) => void): void;
  /** Ends it at once, whatever it is running. */
  terminate(): void;
}

export type Isolation = "none" | "thread" | "process";
export const ISOLATIONS: readonly Isolation[] = ["none", "thread", "process"];
