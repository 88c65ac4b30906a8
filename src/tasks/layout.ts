/**
 * The znode layout of a task cluster under `<root>` (default "/"). The seed's paths are the public
 * contract (a task typed in zkCli must work); everything else is ours and documented in docs/SEMANTICS.md.
 *
 * ```
 * <root>/master                           ephemeral: active master's identity and epoch (JSON)
 * <root>/election/…                       LeaderElection candidates; <root>/election/epoch is the fencing epoch
 * <root>/workers/<worker-id>              ephemeral: { capacity, labels, host, pid } (capacity 0 = draining)
 * <root>/tasks/task-<seq>                 raw seed task: payload bytes as typed (e.g. "cmd")
 * <root>/tasks/task-<seq>/status          raw outcome: "done" or "failed: <reason>"
 * <root>/tasks/b-<nn>/t-<id>              structured task: JSON envelope { type, payload, options, run, flow? }
 * <root>/tasks/b-<nn>/t-<id>/status       structured outcome: JSON { state: done|failed|cancelled, … }
 * <root>/tasks/b-<nn>/t-<id>/progress     last progress a handler reported (JSON)
 * <root>/tasks/b-<nn>/t-<id>/logs         the task's log lines, all attempts, bounded (JSON)
 * <root>/tasks/b-<nn>/t-<id>/flow         a flow parent's children: JSON { children: [ids], onFailure }
 * <root>/assign/<worker-id>/<assign-name> assignment: JSON { task, token, attempt, started? }
 * <root>/paused                           exists while assignment is paused (survives failover)
 * <root>/limits/<type>                    rate/concurrency limits of a task type (JSON; see limits.ts)
 * <root>/limit-starts/<type>[/<group>]    master-written: recent starts of a rate-limited type / group
 *                                         ([[ms, count], …], written in the assignment's fenced multi)
 * <root>/schedules/<id>                   a schedule: JSON { v, spec, task, paused, createdAt, resumedAt? }
 * <root>/schedules/<id>/state             its progress, written by the master: { last, fired, missed }
 * ```
 *
 * Why buckets: a reply over jute.maxbuffer (1 MB) is refused, so one parent can be listed only up to
 * ~25,000–55,000 children depending on name length. Structured tasks go to one of BUCKETS parents chosen by
 * a hash of the task id, which gives room for ≥ 1.5 M pending tasks and keeps the name a pure function of
 * the id — the retried create of a submit lands on the same path and fails with NodeExists instead of
 * creating a second task (idempotency without an index node). Raw tasks stay flat, as the seed makes them.
 *
 * A task's *key* is its path relative to `<root>/tasks` ("task-0000000007" or "b-17/t-abc"); its
 * assignment name is the key with "/" replaced by "." (so raw tasks keep the seed's `/assign/<w>/task-<seq>`).
 */
import { InvalidArgumentError } from "../client/index.js";

/** Number of bucket parents for structured tasks. Part of the layout: changing it breaks id dedup. */
export const BUCKETS = 64;

/** Task ids: what may appear in a znode name, bounded so bucket listings stay far below 1 MB.
 * "@" (not first) is allowed for schedule firings, `<schedule-id>@<slot ms>`. */
const ID_RE = /^[A-Za-z0-9_:-][A-Za-z0-9_.:@-]{0,127}$/;
const WORKER_RE = /^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,127}$/;

export function checkTaskId(id: unknown): string {
  if (typeof id !== "string" || !ID_RE.test(id))
    throw new InvalidArgumentError(
      "id",
      `expected 1–128 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(id)}`,
    );
  return id;
}

export function checkWorkerId(id: unknown): string {
  if (typeof id !== "string" || !WORKER_RE.test(id))
    throw new InvalidArgumentError(
      "id",
      `expected a worker id of [A-Za-z0-9_.:-], got ${JSON.stringify(id)}`,
    );
  return id;
}

/** FNV-1a, 32 bit: stable across processes and versions, which the bucket choice must be. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function bucketOf(id: string): string {
  return `b-${String(fnv1a(id) % BUCKETS).padStart(2, "0")}`;
}

export const RAW_PREFIX = "task-";
export const TASK_PREFIX = "t-";
export const BUCKET_PREFIX = "b-";

/** Is `key` a raw seed task (flat `task-<seq>`), as opposed to a structured bucketed one? */
export function isRawKey(key: string): boolean {
  return !key.includes("/");
}

export function keyOfId(id: string): string {
  return `${bucketOf(id)}/${TASK_PREFIX}${id}`;
}

/** The task id of a structured key ("b-17/t-abc" → "abc"); raw keys are their own id. */
export function idOfKey(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? key : key.slice(slash + 1 + TASK_PREFIX.length);
}

export function assignName(key: string): string {
  return key.replace("/", ".");
}

export function keyOfAssignName(name: string): string {
  return name.startsWith(BUCKET_PREFIX) ? name.replace(".", "/") : name;
}

/** All paths of one cluster, computed once from its root. */
export class Layout {
  readonly root: string;
  readonly master: string;
  readonly election: string;
  readonly workers: string;
  readonly tasks: string;
  readonly assign: string;
  readonly paused: string;
  readonly limits: string;
  readonly limitStarts: string;
  readonly schedules: string;

  constructor(root = "/") {
    if (typeof root !== "string" || !root.startsWith("/") || (root.length > 1 && root.endsWith("/")))
      throw new InvalidArgumentError(
        "root",
        `expected an absolute path without a trailing "/", got ${String(root)}`,
      );
    this.root = root;
    const at = (name: string): string => (root === "/" ? `/${name}` : `${root}/${name}`);
    this.master = at("master");
    this.election = at("election");
    this.workers = at("workers");
    this.tasks = at("tasks");
    this.assign = at("assign");
    this.paused = at("paused");
    this.limits = at("limits");
    this.limitStarts = at("limit-starts");
    this.schedules = at("schedules");
  }

  task(key: string): string {
    return `${this.tasks}/${key}`;
  }
  status(key: string): string {
    return `${this.tasks}/${key}/status`;
  }
  progress(key: string): string {
    return `${this.tasks}/${key}/progress`;
  }
  logs(key: string): string {
    return `${this.tasks}/${key}/logs`;
  }
  /** A flow parent's list of children (see flow.ts). */
  flow(key: string): string {
    return `${this.tasks}/${key}/flow`;
  }
  bucket(name: string): string {
    return `${this.tasks}/${name}`;
  }
  worker(id: string): string {
    return `${this.workers}/${id}`;
  }
  assignDir(worker: string): string {
    return `${this.assign}/${worker}`;
  }
  limit(type: string): string {
    return `${this.limits}/${type}`;
  }
  /** Starts of a rate-limited type, or of one of its groups ("" is the default group: "@default"). */
  starts(type: string, group?: string): string {
    const t = `${this.limitStarts}/${type}`;
    return group === undefined ? t : `${t}/${group === "" ? "@default" : group}`;
  }
  schedule(id: string): string {
    return `${this.schedules}/${id}`;
  }
  scheduleState(id: string): string {
    return `${this.schedules}/${id}/state`;
  }
  assignment(worker: string, key: string): string {
    return `${this.assign}/${worker}/${assignName(key)}`;
  }
}
