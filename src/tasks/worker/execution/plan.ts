/**
 * What an execution's outcome commits: the status of a success or a final failure, or the run state of
 * a retry (see commit.ts for how it is sent). A no-op task's done outcome is the common case: its JSON
 * is built as one template string, byte for byte what `encodeOutcome` would write, and handed to the
 * client as a string (it writes strings straight into the request, no intermediate Buffer).
 */
import type { CommitPlan } from "./types.js";
import { backoffDelay, encodeEnvelope, encodeOutcome, type Envelope } from "../../envelope.js";
import { isRawKey } from "../../layout.js";

/** How a handler ended. */
export interface HandlerOutcome {
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface Planned {
  plan: CommitPlan;
  result: "done" | "failed" | "retry";
}

/**
 * JSON of a result whose encoding does not depend on where it sits (null, booleans, finite numbers,
 * strings), or undefined for anything else (objects may have toJSON(key), functions vanish as
 * properties): those take the general path.
 */
function plainJson(value: unknown): string | undefined {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
    case "number":
      return JSON.stringify(value);
    default:
      return undefined;
  }
}

/** The done outcome, as encodeOutcome({ state, result, attempt, worker, at }) writes it. */
function doneStatus(value: unknown, attempt: number, worker: string, workerJson: string): string | Buffer {
  const at = Date.now();
  const result = plainJson(value);
  if (result === undefined)
    return encodeOutcome({ state: "done", result: value ?? null, attempt, worker, at });
  return `{"state":"done","result":${result},"attempt":${attempt},"worker":${workerJson},"at":${at}}`;
}

/**
 * The commit of an outcome. `final`: no retry whatever the attempts left (undecodable envelope, a started
 * at-most-once task). `workerJson` is JSON.stringify(worker), computed once per worker.
 */
export function planOutcome(
  key: string,
  outcome: HandlerOutcome,
  env: Envelope | null,
  final: boolean,
  worker: string,
  workerJson: string,
): Planned {
  const attempt = (env?.run.failures ?? 0) + 1;
  if (env === null && isRawKey(key)) {
    const text = typeof outcome.value === "string" ? outcome.value : "done";
    return {
      plan: { kind: "outcome", status: outcome.ok ? text : `failed: ${outcome.error ?? ""}` },
      result: outcome.ok ? "done" : "failed",
    };
  }
  if (outcome.ok) {
    const status = doneStatus(outcome.value, attempt, worker, workerJson);
    return { plan: { kind: "outcome", status }, result: "done" };
  }
  if (!final && env !== null && attempt < env.options.attempts) {
    const failures = env.run.failures + 1;
    const run = {
      ...env.run,
      failures,
      notBefore: Date.now() + backoffDelay(env.options.backoff, failures),
      error: outcome.error ?? "",
    };
    // Writing the run state with the token as expected version is itself the fence.
    return { plan: { kind: "retry", data: encodeEnvelope({ ...env, run }), failures }, result: "retry" };
  }
  const reason = outcome.error ?? "failed";
  const o = { state: "failed" as const, reason, attempt, worker, at: Date.now() };
  return { plan: { kind: "outcome", status: encodeOutcome(o) }, result: "failed" };
}

/** A value with a `then` method (a handler's promise, or any thenable it returns). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === "object" || typeof v === "function") &&
    v !== null &&
    typeof (v as { then?: unknown }).then === "function"
  );
}
