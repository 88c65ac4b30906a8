/** Master options, defaults and the validator. */
import { describe } from "../zk.js";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../../client/index.js";
import { SILENT, type Logger } from "../logger.js";
import { leastLoaded, type Scheduler } from "./scheduler.js";

export interface RetentionOptions {
  /** Finished tasks (and their status) are removed this many ms after they finished. */
  maxAge?: number;
  /** At most this many finished tasks are kept; the oldest go first. */
  maxCount?: number;
}

export interface MasterOptions {
  /** Cluster root; default "/". */
  root?: string;
  /** Candidate identity (shown in <root>/master); default `<host>-<pid>-<random>`. */
  id?: string;
  /** Worker choice; default least-loaded, label- and type-aware. */
  scheduler?: Scheduler;
  /** Removal of finished tasks; default: keep them all. */
  retention?: RetentionOptions;
  /** Assignments per multi. Default 200. */
  batchSize?: number;
  /**
   * Flow tasks whose parent has not appeared this many ms after they were submitted (a flow whose write
   * was cut short and not retried) are cancelled. Default 10 minutes. See docs/SEMANTICS.md "Flows".
   */
  flowOrphanTimeout?: number;
  logger?: Logger;
  /**
   * FOR FAULT-INJECTION TESTS ONLY — a deliberately broken master. Its writes (assignments, requeues,
   * failures, retention) skip the epoch and candidate checks, so a deposed master that still runs can
   * change shared state. Exists so a chaos checker can prove it detects the violation. Never set it in
   * production. Default false.
   */
  unsafeDisableEpochFence?: boolean;
}

export interface ResolvedMasterOptions {
  root: string | undefined;
  id: string;
  scheduler: Scheduler;
  retention: { maxAge: number; maxCount: number };
  batchSize: number;
  flowOrphanTimeout: number;
  logger: Logger;
  unsafeDisableEpochFence: boolean;
}

/** Default MasterOptions.flowOrphanTimeout (ms). */
export const DEFAULT_FLOW_ORPHAN_TIMEOUT = 10 * 60_000;

const KNOWN = new Set([
  "root",
  "id",
  "scheduler",
  "retention",
  "batchSize",
  "flowOrphanTimeout",
  "logger",
  "unsafeDisableEpochFence",
]);

function nonNegative(name: string, v: unknown): number {
  if (v === undefined) return Infinity;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw new InvalidArgumentError(name, `expected a number ≥ 0, got ${describe(v)}`);
  return v;
}

export function parseMasterOptions(o: MasterOptions = {}): ResolvedMasterOptions {
  if (typeof o !== "object" || o === null) throw new InvalidArgumentError("options", "expected an object");
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new InvalidArgumentError(k, "unknown option");
  if (o.scheduler !== undefined && typeof o.scheduler?.pick !== "function")
    throw new InvalidArgumentError("scheduler", "expected { pick(task, workers) }");
  const r = o.retention ?? {};
  for (const k of Object.keys(r))
    if (k !== "maxAge" && k !== "maxCount")
      throw new InvalidArgumentError(`retention.${k}`, "unknown option");
  const batchSize = o.batchSize ?? 200;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000)
    throw new InvalidArgumentError("batchSize", `expected an integer in [1, 1000], got ${String(batchSize)}`);
  if (o.id !== undefined && (typeof o.id !== "string" || o.id === ""))
    throw new InvalidArgumentError("id", "expected a non-empty string");
  if (o.unsafeDisableEpochFence !== undefined && typeof o.unsafeDisableEpochFence !== "boolean")
    throw new InvalidArgumentError("unsafeDisableEpochFence", "expected a boolean");
  return {
    root: o.root,
    id: o.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    scheduler: o.scheduler ?? leastLoaded,
    retention: {
      maxAge: nonNegative("retention.maxAge", r.maxAge),
      maxCount: nonNegative("retention.maxCount", r.maxCount),
    },
    batchSize,
    flowOrphanTimeout:
      o.flowOrphanTimeout === undefined
        ? DEFAULT_FLOW_ORPHAN_TIMEOUT
        : nonNegative("flowOrphanTimeout", o.flowOrphanTimeout),
    logger: o.logger ?? SILENT,
    unsafeDisableEpochFence: o.unsafeDisableEpochFence ?? false,
  };
}
