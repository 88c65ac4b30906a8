/** What a handler sees, what a worker gives an execution, and the small decoding helpers it uses. */
import {
  BadVersionError,
  NodeExistsError,
  NoNodeError,
  type ReadOp,
  type ReadOpResult,
  type ZooKeeperClient,
} from "../../../client/index.js";
import type { Envelope } from "../../envelope.js";
import type { CommittedEvent, RejectedEvent, StartedEvent } from "../../history.js";
import type { Layout } from "../../layout.js";
import { bestEffort, SILENT, type Logger } from "../../logger.js";
import type { RawHandler } from "../raw.js";

export interface TaskContext<P = unknown> {
  readonly id: string;
  readonly type: string;
  readonly payload: P;
  /** 1 for the first execution. */
  readonly attempt: number;
  /** Fencing token: strictly greater than every earlier execution's. Pass it to your resources. */
  readonly token: number;
  readonly delivery: Envelope["options"]["delivery"];
  readonly workerId: string;
  /** Aborts on timeout, cancel, revocation, shutdown or session loss (reason: TaskAbortError). */
  readonly signal: AbortSignal;
  /** Stores progress (JSON) where the submitter's handle reads it; ignored once the token is stale. */
  progress(value: unknown): Promise<void>;
  /**
   * Appends a line to the task's log (kept across attempts, bounded: see docs/SEMANTICS.md "Task logs").
   * Written a few ms later in one batch, and before the outcome is committed; ignored once stale.
   */
  log(line: string): void;
  /** A flow parent: its done children's results by child id ({} for a task without children). */
  childResults<R = unknown>(): Promise<Record<string, R>>;
  /** A flow parent: its failed or cancelled children (onFailure "continue"), id → reason. */
  childFailures(): Promise<Record<string, string>>;
}

export type Handler<P = unknown, R = unknown> = (ctx: TaskContext<P>) => Promise<R> | R;

/** What a worker's handler table holds: any payload type (checked by the handler, not by us). */
export type AnyHandler = (ctx: TaskContext<never>) => unknown;

export type ExecutionResult = "done" | "failed" | "retry" | "stale" | "handed-back" | "skipped";

export interface ExecutionEnv {
  client: ZooKeeperClient;
  layout: Layout;
  workerId: string;
  handlers: ReadonlyMap<string, AnyHandler>;
  raw: RawHandler | null;
  hooks: ExecutionHooks;
  /** Fault injection only (WorkerOptions.unsafeDisableFencing): commit without the token check. */
  unsafeDisableFencing: boolean;
  /** Where best-effort failures are told (default: nowhere). */
  logger?: Logger;
  /** Sends token-checked outcome commits (the worker's batcher); default: one multi per commit. */
  committer?: { commit(t: CommitTarget, plan: CommitPlan): Promise<CommitResult> };
  /** Reads assignment + task (the worker's read batcher); default: one multiRead per execution. */
  reader?: { read(ops: readonly ReadOp[]): Promise<ReadOpResult[]> };
  /** Calls watchCancel() CANCEL_WATCH_DELAY ms after add (the worker's one timer); default: a timer each. */
  cancelWatches?: { add(ex: { watchCancel(): void }): void };
  /** JSON.stringify(workerId), computed once. */
  workerJson?: string;
  /** The worker's handler slots, taken once the task is read (default: none, no limit). */
  slots?: {
    take(granted: () => void, priority?: number): boolean;
    give(): void;
    held?(ms: number, bytes: number): void;
  };
}

export interface ExecutionHooks {
  /** False when nobody listens to `event`: its payload is then not even built. Default: always build. */
  wants?(event: "started" | "committed" | "rejected"): boolean;
  started(e: StartedEvent): void;
  committed(e: CommittedEvent): void;
  rejected(e: RejectedEvent): void;
}

export interface AssignInfo {
  token?: number;
  started?: boolean;
  /** The task node's data at version `token`, carried by the assignment (master/writes.ts assignmentData). */
  data?: Buffer;
}

export function isStale(err: unknown): boolean {
  return err instanceof BadVersionError || err instanceof NodeExistsError || err instanceof NoNodeError;
}

export function staleReason(err: unknown): RejectedEvent["reason"] {
  if (err instanceof BadVersionError) return "bad-version";
  return err instanceof NodeExistsError ? "exists" : "gone";
}

export function parseRecord(data: Buffer | null): Record<string, unknown> {
  if (data === null || data.length === 0) return {};
  try {
    const v: unknown = JSON.parse(data.toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function parseInfo(data: Buffer | null): AssignInfo {
  const r = parseRecord(data);
  const info: AssignInfo = {};
  const token = r["token"];
  if (typeof token === "number") info.token = token;
  if (r["started"] === true) info.started = true;
  const carried = r["data"];
  if (typeof carried === "string") info.data = Buffer.from(carried, "base64");
  return info;
}

/** The deliberately broken path of `unsafeDisableFencing`: replace whatever outcome is stored. */
export async function overwriteOutcome(
  env: ExecutionEnv,
  key: string,
  assignPath: string,
  status: string | Buffer,
): Promise<void> {
  await env.client.setData(env.layout.status(key), status);
  await bestEffort(env.logger ?? SILENT, "deleting an overwritten assignment", env.client.delete(assignPath));
}

/** What a commit writes: an outcome (status node) or the run state of a retry. */
export type CommitPlan =
  { kind: "outcome"; status: string | Buffer } | { kind: "retry"; data: Buffer; failures: number };

export type CommitResult =
  { kind: "committed" } | { kind: "stale"; reason: RejectedEvent["reason"]; cause: unknown };

export interface CommitTarget {
  readonly key: string;
  readonly assignPath: string;
  readonly token: number;
}
