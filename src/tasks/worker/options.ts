/** Worker options, defaults and the precise validator. */
import { describe } from "../zk.js";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../../client/index.js";
import { checkWorkerId } from "../layout.js";
import { SILENT, type Logger } from "../logger.js";
import type { RawHandler } from "./raw.js";
import { parseLabels } from "../submit/options.js";
import { ISOLATIONS, type Isolation } from "./sandbox/messages.js";

export const DEFAULT_CONCURRENCY = 1;
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;
/** The automatic prefetch's ceiling: `max(AUTO_PREFETCH_FLOOR, PREFETCH_PER_SLOT × concurrency)`.
 * See docs/SEMANTICS.md "Prefetch and priority" for how they were tuned. */
export const PREFETCH_PER_SLOT = 8;
export const AUTO_PREFETCH_FLOOR = 256;

export interface WorkerOptions {
  /** Cluster root; default "/". */
  root?: string;
  /** Worker id, the name of its /workers node; default `<host>-<pid>-<random>`. */
  id?: string;
  /** Tasks run at once. Default 1. */
  concurrency?: number;
  /**
   * Assignments the worker takes beyond `concurrency`, read at once, queued locally and started the
   * moment a slot frees, so a slot never waits for the master (the master sees capacity
   * `concurrency + prefetch`). Queued assignments are not started: a worker lost with them is requeued
   * uncounted, shutdown hands them back. Priority stays strict: queued ones run highest priority first,
   * and a task that outranks queued ones is given to the worker beyond its capacity (up to `prefetch`
   * more) to run next. Default "auto": sized from the handlers' running mean time to cover about 50 ms
   * of work and at most 16 MiB of task data (worker/prefetch.ts) — up to `max(256, 8 × concurrency)`
   * for short tasks, 0 for long ones at one at a time. A number fixes it (0: wait for the master
   * between tasks).
   */
  prefetch?: number | "auto";
  /** Labels tasks can require. */
  labels?: readonly string[];
  /** Handler for raw seed tasks (`create -s /tasks/task- "cmd"`). Default: raw tasks are not taken. */
  raw?: RawHandler;
  /** Run raw tasks' payloads with `sh -c` (only if `raw` is not given). Default false: never runs shell. */
  rawShell?: boolean;
  /**
   * Where handlers run. "none": on the worker's own event loop (a handler object's only choice).
   * "thread" (a worker_threads thread each) and "process" (a forked child process each): the handlers
   * are given as a module path and loaded in a pool of `concurrency` sandboxes, so handler code never
   * delays the worker's heartbeats and commits, a handler past its timeout is terminated, and a crash
   * fails only that attempt. Default for a module: DEFAULT_ISOLATION. See docs/SEMANTICS.md.
   */
  isolation?: Isolation;
  /** How long close() waits for running handlers before aborting them (ms). Default 10 000. */
  shutdownTimeout?: number;
  logger?: Logger;
  /**
   * FOR FAULT-INJECTION TESTS ONLY — a deliberately broken worker. Commits outcomes without the
   * fencing-token check (and overwrites an outcome already stored; runs an assignment whose token is
   * no longer current), so a zombie execution's late result can replace a newer one's. Exists so a
   * chaos checker can prove it detects the violation. Never set it in production. Default false.
   */
  unsafeDisableFencing?: boolean;
}

export interface ResolvedWorkerOptions {
  root: string | undefined;
  id: string;
  concurrency: number;
  /** Fixed, or (auto) the most the automatic prefetch advertises. */
  prefetch: number;
  prefetchAuto: boolean;
  labels: string[];
  raw: RawHandler | null;
  rawShell: boolean;
  shutdownTimeout: number;
  logger: Logger;
  unsafeDisableFencing: boolean;
  /** As given (undefined: the default for the kind of handlers). */
  isolation: Isolation | undefined;
}

const KNOWN = new Set([
  "root",
  "id",
  "concurrency",
  "prefetch",
  "labels",
  "raw",
  "rawShell",
  "shutdownTimeout",
  "logger",
  "unsafeDisableFencing",
  "isolation",
]);

function positive(name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > 1_000_000)
    throw new InvalidArgumentError(name, `expected an integer in [${min}, 1000000], got ${describe(v)}`);
  return v;
}

export function parseWorkerOptions(o: WorkerOptions = {}): ResolvedWorkerOptions {
  if (typeof o !== "object" || o === null) throw new InvalidArgumentError("options", "expected an object");
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new InvalidArgumentError(k, "unknown option");
  if (o.raw !== undefined && typeof o.raw !== "function")
    throw new InvalidArgumentError("raw", "expected a function");
  if (o.rawShell !== undefined && typeof o.rawShell !== "boolean")
    throw new InvalidArgumentError("rawShell", "expected a boolean");
  if (o.unsafeDisableFencing !== undefined && typeof o.unsafeDisableFencing !== "boolean")
    throw new InvalidArgumentError("unsafeDisableFencing", "expected a boolean");
  if (o.isolation !== undefined && !ISOLATIONS.includes(o.isolation))
    throw new InvalidArgumentError(
      "isolation",
      `expected "none", "thread" or "process", got ${describe(o.isolation)}`,
    );
  const concurrency = positive("concurrency", o.concurrency, DEFAULT_CONCURRENCY, 1);
  return {
    root: o.root,
    id:
      o.id === undefined
        ? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`
        : checkWorkerId(o.id),
    concurrency,
    prefetch:
      o.prefetch === "auto" || o.prefetch === undefined
        ? Math.max(AUTO_PREFETCH_FLOOR, PREFETCH_PER_SLOT * concurrency)
        : positive("prefetch", o.prefetch, 0, 0),
    prefetchAuto: o.prefetch === "auto" || o.prefetch === undefined,
    labels: parseLabels("labels", o.labels),
    raw: o.raw ?? null,
    rawShell: o.rawShell ?? false,
    shutdownTimeout: positive("shutdownTimeout", o.shutdownTimeout, DEFAULT_SHUTDOWN_TIMEOUT, 0),
    logger: o.logger ?? SILENT,
    unsafeDisableFencing: o.unsafeDisableFencing ?? false,
    isolation: o.isolation,
  };
}
