/**
 * TaskAdmin: the admin API of one task cluster (BullMQ's Queue getters and cleaners, on ZooKeeper).
 * Reads go through the cluster reader (inspect.ts); every write is version-checked against the task node
 * as it was read, so it races cleanly with the master and the workers (docs/SEMANTICS.md "Admin API").
 */
import { BadVersionError, NoNodeError, NotEmptyError, type ZooKeeperClient } from "../../client/index.js";
import { encodeEnvelope } from "../envelope.js";
import { TaskNotFoundError, TaskStateError, WorkersRegisteredError } from "../errors.js";
import { checkTaskId, isRawKey, keyOfId, Layout } from "../layout.js";
import { Submitter } from "../submit/submitter.js";
import { mapLimit } from "../zk.js";
import {
  countByState,
  listTaskKeys,
  readAllTasks,
  readTask,
  type TaskCounts,
  type TaskRecord,
  type TaskState,
} from "./inspect.js";
import { childrenOf, findAssignment, listAssignments } from "./members.js";
import { deleteTasks } from "./removal.js";

/** Listings obliterate() makes at most (a root submitted to faster than it deletes is never empty). */
const OBLITERATE_ROUNDS = 10;

export interface TaskQuery {
  /** Only tasks in this state (or any of these). */
  state?: TaskState | readonly TaskState[];
  /** Only tasks of this type. */
  type?: string;
  /** Only tasks of this group (the `group` submit option, when tasks carry one). */
  group?: string;
  /** Oldest first (by submit time); skip this many. Default 0. */
  offset?: number;
  /** At most this many. Default all. */
  limit?: number;
}

export interface TaskList {
  /** How many matched (before offset and limit). */
  total: number;
  tasks: TaskRecord[];
}

/** A raw seed task is named `task-<10 digits>`; anything else is a structured task id. */
export function keyOfTaskId(id: string): string {
  return /^task-\d{10}$/.test(id) ? id : keyOfId(checkTaskId(id));
}

function groupOf(r: TaskRecord): unknown {
  const options: object | undefined = r.envelope?.options;
  return options !== undefined && "group" in options ? options.group : undefined;
}

export class TaskAdmin {
  readonly layout: Layout;

  constructor(
    private readonly client: ZooKeeperClient,
    opts: { root?: string } = {},
  ) {
    this.layout = new Layout(opts.root ?? "/");
  }

  /** One task's record; TaskNotFoundError when it does not exist. */
  async getTask(id: string): Promise<TaskRecord> {
    const r = await readTask(this.client, this.layout, keyOfTaskId(id), { progress: true });
    if (r === null) throw new TaskNotFoundError(id);
    return r;
  }

  /** Tasks matching `query`, oldest first. Reads the whole cluster (as `overseer tasks list` does). */
  async getTasks(query: TaskQuery = {}): Promise<TaskList> {
    const states = query.state === undefined ? null : new Set<TaskState>([query.state].flat());
    const all = await readAllTasks(this.client, this.layout);
    const rows = all
      .filter((r) => states === null || states.has(r.state))
      .filter((r) => query.type === undefined || r.type === query.type)
      .filter((r) => query.group === undefined || groupOf(r) === query.group)
      .sort((a, b) => a.submittedAt - b.submittedAt || (a.key < b.key ? -1 : 1));
    const offset = query.offset ?? 0;
    return { total: rows.length, tasks: rows.slice(offset, offset + (query.limit ?? rows.length)) };
  }

  /** How many tasks are in each state, and in all. */
  async getCounts(): Promise<TaskCounts> {
    return countByState(await readAllTasks(this.client, this.layout));
  }

  /**
   * Removes a task with its outcome and progress, whatever its state: a running one is cancelled first
   * (its handler's signal fires; a result it commits is refused), then deleted. False if it was gone.
   */
  async remove(id: string): Promise<boolean> {
    const key = keyOfTaskId(id);
    if (!isRawKey(key)) {
      try {
        await new Submitter(this.client, { root: this.layout.root }).handle(id).cancel();
      } catch (err) {
        if (err instanceof TaskNotFoundError) return false;
        throw err;
      }
    }
    // The assignment goes too: the worker sees it deleted and stops the execution ("revoked").
    const worker = await findAssignment(this.client, this.layout, key);
    if (worker !== null) await deleteIfThere(this.client, this.layout.assignment(worker, key));
    const [r] = await deleteTasks(this.client, this.layout, [{ key, version: -1 }]);
    return r === "deleted";
  }

  /**
   * Replaces the payload of a waiting or delayed task (TaskStateError otherwise), checked against the
   * version read: if the master assigned it meanwhile, that execution is superseded (its token is stale)
   * and the task runs with the new payload. Options and run state are kept.
   */
  async update(id: string, payload: unknown): Promise<void> {
    await this.rewrite(id, "update", ["waiting", "delayed"], (env) => ({ ...env, payload }));
  }

  /** Makes a delayed task due now (TaskStateError unless it is delayed). */
  async promote(id: string): Promise<void> {
    await this.rewrite(id, "promote", ["delayed"], (env) => ({ ...env, run: { ...env.run, notBefore: 0 } }));
  }

  /**
   * Removes every waiting task (and delayed ones too with `delayed: true`); running and finished tasks
   * stay. Each delete is checked against the version read. Returns how many were removed.
   */
  async drain(opts: { delayed?: boolean } = {}): Promise<number> {
    const take = new Set<TaskState>(opts.delayed === true ? ["waiting", "delayed"] : ["waiting"]);
    const all = await readAllTasks(this.client, this.layout);
    const doomed = all.filter((r) => take.has(r.state)).map((r) => ({ key: r.key, version: r.version }));
    return (await deleteTasks(this.client, this.layout, doomed)).filter((r) => r === "deleted").length;
  }

  /**
   * Removes every task and every assignment under the root (and the paused flag); refused with
   * WorkersRegisteredError while workers are registered unless `force`. The folders stay, so a master,
   * workers and submitters connected meanwhile go on working; the election (and its epoch) is kept:
   * deleting the epoch would let a deposed master's writes pass. Returns how many tasks were removed.
   */
  async obliterate(opts: { force?: boolean } = {}): Promise<number> {
    const { client, layout } = this;
    const workers = await childrenOf(client, layout.workers);
    if (workers.length > 0 && opts.force !== true) throw new WorkersRegisteredError(workers.sort());
    const assignments = await listAssignments(client, layout);
    await mapLimit(assignments, 64, (a) => deleteIfThere(client, layout.assignment(a.worker, a.key)));
    await deleteIfThere(client, layout.paused);
    let removed = 0;
    // Until a listing finds nothing (tasks submitted while it runs go too), at most OBLITERATE_ROUNDS.
    for (let round = 0; round < OBLITERATE_ROUNDS; round++) {
      const keys = await listTaskKeys(client, layout);
      if (keys.length === 0) break;
      const r = await deleteTasks(
        client,
        layout,
        keys.map((key) => ({ key, version: -1 })),
      );
      removed += r.filter((x) => x === "deleted").length;
    }
    return removed;
  }

  private async rewrite(
    id: string,
    operation: string,
    accepts: readonly TaskState[],
    change: (env: NonNullable<TaskRecord["envelope"]>) => NonNullable<TaskRecord["envelope"]>,
  ): Promise<void> {
    const key = keyOfTaskId(id);
    for (;;) {
      const r = await readTask(this.client, this.layout, key);
      if (r === null) throw new TaskNotFoundError(id);
      if (r.envelope === null) throw new TaskStateError(id, operation, "raw", accepts);
      if (!accepts.includes(r.state)) throw new TaskStateError(id, operation, r.state, accepts);
      try {
        const stat = await this.client.setData(
          this.layout.task(key),
          encodeEnvelope(change(r.envelope)),
          r.version,
        );
        // An outcome stored between the read and the write (assigned, run and committed in that gap)
        // means the old payload already ran: undo, and say so.
        const status = await this.client.exists(this.layout.status(key));
        if (status !== null && status.czxid < stat.mzxid) {
          await undoRewrite(this.client, this.layout.task(key), r.envelope, stat.version);
          throw new TaskStateError(id, operation, "finished", accepts);
        }
        return;
      } catch (err) {
        if (err instanceof BadVersionError) continue; // changed meanwhile: read again
        if (err instanceof NoNodeError) throw new TaskNotFoundError(id);
        throw err;
      }
    }
  }
}

/** Puts back what a rewrite replaced, if nothing changed the task since (else the later change stands). */
async function undoRewrite(
  client: ZooKeeperClient,
  path: string,
  env: NonNullable<TaskRecord["envelope"]>,
  version: number,
): Promise<void> {
  try {
    await client.setData(path, encodeEnvelope(env), version);
  } catch (err) {
    if (!(err instanceof BadVersionError || err instanceof NoNodeError)) throw err;
  }
}

async function deleteIfThere(client: ZooKeeperClient, path: string): Promise<void> {
  try {
    await client.delete(path);
  } catch (err) {
    if (!(err instanceof NoNodeError || err instanceof NotEmptyError)) throw err;
  }
}
