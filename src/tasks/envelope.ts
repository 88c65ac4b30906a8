/**
 * What structured tasks and their outcomes look like on the wire: JSON, so zkCli users and other
 * languages can read them. The `run` part is the task's durable scheduling state: every writer
 * (master, worker, submitter) changes it only with a version-checked write of the task node, and that
 * version is the execution's fencing token (see docs/SEMANTICS.md).
 */
import { describe } from "./zk.js";
import { InvalidArgumentError } from "../client/index.js";
import type { FlowLinks } from "./flow.js";

export type Delivery = "at-least-once" | "at-most-once" | "fenced";
export const DELIVERIES: readonly Delivery[] = ["at-least-once", "at-most-once", "fenced"];

export interface Backoff {
  type: "fixed" | "exponential";
  /** ms before the 2nd attempt; exponential doubles it each further attempt. */
  delay: number;
  /** Cap of an exponential backoff (ms). */
  maxDelay?: number;
}

/**
 * Per-task retention of a finished task (`removeOnComplete` / `removeOnFail`): `true` removes it as soon
 * as the master sees it finished; a count N keeps it while it is among the N newest tasks that ended the
 * same way with a count; `{ age }` keeps it that many ms after it finished. See docs/SEMANTICS.md.
 */
export type RemovePolicy = true | number | { age: number };

/** Options as stored in the envelope (already validated, defaults applied). */
export interface StoredOptions {
  priority: number;
  attempts: number;
  backoff: Backoff | null;
  timeout: number | null;
  labels: string[];
  delivery: Delivery;
  /** Fair-queueing group (a tenant); absent: the default group. */
  group?: string;
  /** Only present when set (the default options' JSON stays one constant). */
  removeOnComplete?: RemovePolicy;
  removeOnFail?: RemovePolicy;
  /** Requeues after a lost worker before the task ends failed (absent: DEFAULT_MAX_REQUEUES). */
  maxRequeues?: number;
}

/** Default of `maxRequeues`: the 3rd loss of a worker running the task fails it (docs/SEMANTICS.md). */
export const DEFAULT_MAX_REQUEUES = 2;

/** The reason stored when a task's worker was lost more often than `maxRequeues` allows. */
export function workerLostReason(losses: number): string {
  return `worker lost ${losses} time${losses === 1 ? "" : "s"}`;
}

/** Is `reason` the one the poison cap stores (worker lost too often)? */
export function isWorkerLostReason(reason: string): boolean {
  return /^worker lost \d+ times?$/.test(reason);
}

export interface RunState {
  /** Attempts that ended in failure so far; the next execution is attempt `failures + 1`. */
  failures: number;
  /** Not to be assigned before this time (ms since epoch): delay and backoff. */
  notBefore: number;
  /** Times the task was taken back from a worker that was lost (session ended) while holding it. */
  requeues: number;
  /** Last failure's reason. */
  error?: string;
}

export interface Envelope {
  v: 1;
  type: string;
  payload: unknown;
  options: StoredOptions;
  run: RunState;
  submittedAt: number;
  /** Position within its submitMany multi: its ops share one zxid, so czxid alone cannot order them. */
  n?: number;
  /** Its place in a flow (see flow.ts); absent for a task submitted on its own. */
  flow?: FlowLinks;
}

export type TaskOutcome =
  | { state: "done"; result: unknown; attempt: number; worker: string; at: number }
  | { state: "failed"; reason: string; attempt: number; worker?: string; at: number }
  | { state: "cancelled"; at: number };

export function encodeEnvelope(env: Envelope): Buffer {
  return Buffer.from(JSON.stringify(env), "utf8");
}

/**
 * The JSON of a new task's envelope, byte for byte what encodeEnvelope writes for
 * `{ v: 1, type, payload, options, run: { failures: 0, notBefore, requeues: 0 }, submittedAt, n }`, but
 * built around the parts that need encoding: `optionsJson` is JSON.stringify(options) (one constant for
 * the default options). Undefined when the payload's JSON would drop its key (a function, a symbol, a
 * toJSON returning undefined): then encodeEnvelope says what to write.
 */
export function encodeNewEnvelope(
  type: string,
  payload: unknown,
  optionsJson: string,
  notBefore: number,
  submittedAt: number,
  n: number,
): string | undefined {
  const p = propertyJson(payload);
  if (p === undefined) return undefined;
  return `{"v":1,"type":${JSON.stringify(type)},"payload":${p},"options":${optionsJson},"run":{"failures":0,"notBefore":${notBefore},"requeues":0},"submittedAt":${submittedAt},"n":${n}}`;
}

/** JSON of `value` as an object property named "payload" (undefined: the property would be left out). */
function propertyJson(value: unknown): string | undefined {
  if (value === null || value === undefined) return "null";
  const t = typeof value;
  if (t === "string" || t === "number" || t === "boolean") return JSON.stringify(value);
  // Wrapped, so toJSON(key) gets the key it gets inside the envelope: `{"payload":` … `}`.
  const wrapped = JSON.stringify({ payload: value });
  return wrapped.length > 2 ? wrapped.slice(11, -1) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Decodes a structured task's data; null when it is not one of ours (then it is treated as raw). */
export function decodeEnvelope(data: Buffer | null): Envelope | null {
  if (data === null || data.length === 0 || data[0] !== 0x7b) return null;
  try {
    const v: unknown = JSON.parse(data.toString("utf8"));
    if (!isObject(v) || v["v"] !== 1 || typeof v["type"] !== "string") return null;
    if (!isObject(v["options"]) || !isObject(v["run"])) return null;
    return v as unknown as Envelope;
  } catch {
    return null;
  }
}

export function encodeOutcome(o: TaskOutcome): Buffer {
  return Buffer.from(JSON.stringify(o), "utf8");
}

/** Reads a status node: structured JSON, or the seed's plain text ("done" / anything else = failed). */
export function decodeOutcome(data: Buffer | null): TaskOutcome {
  const text = data === null ? "" : data.toString("utf8");
  if (text.startsWith("{")) {
    try {
      const v: unknown = JSON.parse(text);
      if (isObject(v) && (v["state"] === "done" || v["state"] === "failed" || v["state"] === "cancelled"))
        return v as unknown as TaskOutcome;
    } catch {
      // not ours: fall through to the plain-text reading
    }
  }
  if (text === "done") return { state: "done", result: text, attempt: 1, worker: "", at: 0 };
  return { state: "failed", reason: text, attempt: 1, at: 0 };
}

/** Delay before attempt `failures + 1`, after `failures` failed attempts. */
export function backoffDelay(b: Backoff | null, failures: number): number {
  if (b === null || failures <= 0) return 0;
  if (b.type === "fixed") return b.delay;
  const d = b.delay * 2 ** Math.min(failures - 1, 40);
  return Math.min(d, b.maxDelay ?? Number.MAX_SAFE_INTEGER);
}

export function parseBackoff(v: unknown): Backoff | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError("backoff", `expected ms ≥ 0, got ${v}`);
    return { type: "fixed", delay: v };
  }
  if (!isObject(v)) throw new InvalidArgumentError("backoff", "expected ms or { type, delay, maxDelay? }");
  for (const k of Object.keys(v))
    if (k !== "type" && k !== "delay" && k !== "maxDelay")
      throw new InvalidArgumentError(`backoff.${k}`, "unknown option");
  const type = v["type"];
  if (type !== "fixed" && type !== "exponential")
    throw new InvalidArgumentError(
      "backoff.type",
      `expected "fixed" or "exponential", got ${describe(type)}`,
    );
  const delay = v["delay"];
  if (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0)
    throw new InvalidArgumentError("backoff.delay", `expected ms ≥ 0, got ${describe(delay)}`);
  const maxDelay = v["maxDelay"];
  if (maxDelay !== undefined && (typeof maxDelay !== "number" || !(maxDelay >= 0)))
    throw new InvalidArgumentError("backoff.maxDelay", `expected ms ≥ 0, got ${describe(maxDelay)}`);
  return maxDelay === undefined ? { type, delay } : { type, delay, maxDelay };
}

/** A removeOnComplete / removeOnFail option: undefined (or false) when not set. */
export function parseRemovePolicy(name: string, v: unknown): RemovePolicy | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return true;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  if (isObject(v) && Object.keys(v).length === 1) {
    const age = v["age"];
    if (typeof age === "number" && Number.isFinite(age) && age >= 0) return { age };
  }
  throw new InvalidArgumentError(name, `expected true, a count ≥ 0 or { age: ms }, got ${describe(v)}`);
}
