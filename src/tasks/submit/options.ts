/** Submit options: the public interface, defaults and the precise validator (nothing is written on error). */
import { randomFillSync } from "node:crypto";
import { InvalidArgumentError } from "../../client/index.js";
import {
  DELIVERIES,
  parseBackoff,
  parseRemovePolicy,
  type Backoff,
  type Delivery,
  type RemovePolicy,
  type StoredOptions,
} from "../envelope.js";
import { checkTaskId } from "../layout.js";
import { checkGroup } from "../limits.js";

export interface SubmitOptions {
  /**
   * Task id (1–128 of [A-Za-z0-9_.:@-], "@" not first). Submitting the same id twice yields one task: the second call
   * returns a handle to the first (`handle.created === false`). Default: a random id.
   */
  id?: string;
  /** Higher runs first among ready tasks; ties run in submission order. Default 0. */
  priority?: number;
  /** Do not start before this many ms from now (submitter's clock). Default 0. */
  delay?: number;
  /** Executions allowed in total (1 = no retry). Default 1. */
  attempts?: number;
  /** Pause before a retry: ms (fixed) or { type: "fixed" | "exponential", delay, maxDelay? }. Default none. */
  backoff?: number | Backoff;
  /** Per-attempt limit in ms: the handler's signal aborts and the attempt fails. Default none. */
  timeout?: number;
  /** Labels a worker must all have to be given this task. Default none. */
  labels?: readonly string[];
  /** Default "at-least-once". See docs/SEMANTICS.md. */
  delivery?: Delivery;
  /** Fair-queueing group (a tenant, a customer; 1–64 of [A-Za-z0-9_.:=-]): the master serves groups
   * round-robin and applies per-group limits. Default: the default group. */
  group?: string;
  /** Remove the task once done: `true` at once, a count (keep the N newest), or `{ age: ms }`. Default: kept. */
  removeOnComplete?: RemovePolicy | false;
  /** The same for a task that ended failed. Default: kept. */
  removeOnFail?: RemovePolicy | false;
  /**
   * Poison cap: times the task is requeued after the worker holding it was lost (crash, session
   * expiry). One loss more and it ends failed "worker lost N times" instead, so a task that crashes its
   * worker cannot crash the whole fleet. Default 2 (DEFAULT_MAX_REQUEUES): the 3rd loss fails it.
   */
  maxRequeues?: number;
}

export interface ParsedSubmit {
  id: string;
  generated: boolean;
  delay: number;
  options: StoredOptions;
}

const KNOWN = new Set([
  "id",
  "priority",
  "delay",
  "attempts",
  "backoff",
  "timeout",
  "labels",
  "delivery",
  "group",
  "removeOnComplete",
  "removeOnFail",
  "maxRequeues",
]);
const LABEL_RE = /^[A-Za-z0-9_.:/=-]{1,64}$/;

/** Time-ordered random id: ids sort roughly by submission, which keeps zkCli listings readable. */
/** Random bytes for ids, drawn 6 at a time from a pool filled 4 KiB at once (one call per ~680 ids). */
const pool = Buffer.alloc(6 * 682);
let poolAt = pool.length;

export function generateId(): string {
  if (poolAt + 6 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 6;
  return `${Date.now().toString(36)}-${pool.toString("hex", poolAt - 6, poolAt)}`;
}

function int(name: string, v: unknown, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new InvalidArgumentError(name, `expected an integer, got ${typeof v === "number" ? v : typeof v}`);
  if (v < min || v > max) throw new InvalidArgumentError(name, `${v} is outside [${min}, ${max}]`);
  return v;
}

export function parseLabels(name: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError(name, "expected an array of strings");
  return v.map((l: unknown, i) => {
    if (typeof l !== "string" || !LABEL_RE.test(l))
      throw new InvalidArgumentError(`${name}[${i}]`, `expected 1–64 characters of [A-Za-z0-9_.:/=-]`);
    return l;
  });
}

export function parseSubmitOptions(opts: SubmitOptions | undefined): ParsedSubmit {
  const o: SubmitOptions = opts ?? {};
  if (typeof o !== "object" || o === null) throw new InvalidArgumentError("options", "expected an object");
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new InvalidArgumentError(k, "unknown option");
  const delivery = o.delivery ?? "at-least-once";
  if (!DELIVERIES.includes(delivery))
    throw new InvalidArgumentError(
      "delivery",
      `expected one of ${DELIVERIES.join(", ")}, got ${String(delivery)}`,
    );
  const timeout = o.timeout === undefined ? null : int("timeout", o.timeout, 0, 1, 2 ** 31 - 1);
  const removeOnComplete = parseRemovePolicy("removeOnComplete", o.removeOnComplete);
  const removeOnFail = parseRemovePolicy("removeOnFail", o.removeOnFail);
  return {
    id: o.id === undefined ? generateId() : checkTaskId(o.id),
    generated: o.id === undefined,
    delay: int("delay", o.delay, 0, 0, 2 ** 31 - 1),
    options: {
      priority: int("priority", o.priority, 0, -(2 ** 31), 2 ** 31 - 1),
      attempts: int("attempts", o.attempts, 1, 1, 1_000_000),
      backoff: parseBackoff(o.backoff),
      timeout,
      labels: parseLabels("labels", o.labels),
      delivery,
      ...(o.group === undefined ? {} : { group: checkGroup("group", o.group) }),
      ...(removeOnComplete === undefined ? {} : { removeOnComplete }),
      ...(removeOnFail === undefined ? {} : { removeOnFail }),
      ...(o.maxRequeues === undefined
        ? {}
        : { maxRequeues: int("maxRequeues", o.maxRequeues, 0, 0, 1_000_000) }),
    },
  };
}

/** What parseSubmitOptions stores when no option is given. */
export function defaultStoredOptions(): StoredOptions {
  return {
    priority: 0,
    attempts: 1,
    backoff: null,
    timeout: null,
    labels: [],
    delivery: "at-least-once",
  };
}

/** defaultStoredOptions() as JSON (computed once: most submits give no options). */
export const DEFAULT_OPTIONS_JSON = JSON.stringify(defaultStoredOptions());
