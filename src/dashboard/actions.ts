/**
 * Task actions through the task system's own API, never by writing its nodes ourselves: cancel is
 * `TaskHandle.cancel()` (a version-checked multi that races cleanly with the worker's commit); retry is
 * the task system's `retryTask` (a resubmission under `<id>.retry-<n>`, as `overseer tasks retry` does);
 * remove and promote are the admin API's (`TaskAdmin`, as `overseer tasks rm|promote` use it).
 */
import { InvalidArgumentError, type ZooKeeperClient } from "../client/index.js";
import {
  idOfKey,
  isRawKey,
  keyOfId,
  retryTask,
  Submitter,
  TaskAdmin,
  TaskNotFoundError,
  TaskNotRetryableError,
  TaskStateError,
} from "../tasks/index.js";
import type { ActionResult, ClusterActions } from "./types.js";

export class TaskSystemActions implements ClusterActions {
  private readonly submitter: Submitter;
  private readonly admin: TaskAdmin;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly root = "/",
  ) {
    this.submitter = new Submitter(client, { root });
    this.admin = new TaskAdmin(client, { root });
  }

  async remove(key: string): Promise<ActionResult> {
    const id = idOfKey(key);
    if (!isRawKey(key) && !sameKey(id, key)) return { ok: false, status: 404, message: `no task ${key}` };
    try {
      return (await this.admin.remove(id))
        ? { ok: true, message: `removed ${id}` }
        : { ok: false, status: 404, message: `no task ${key}` };
    } catch (err) {
      if (err instanceof InvalidArgumentError) return { ok: false, status: 404, message: `no task ${key}` };
      throw err;
    }
  }

  async promote(key: string): Promise<ActionResult> {
    const id = idOfKey(key);
    if (isRawKey(key)) return { ok: false, status: 501, message: "raw seed tasks have no delay" };
    try {
      if (!sameKey(id, key)) return { ok: false, status: 404, message: `no task ${key}` };
      await this.admin.promote(id);
      return { ok: true, message: `promoted ${id}` };
    } catch (err) {
      if (err instanceof TaskNotFoundError || err instanceof InvalidArgumentError)
        return { ok: false, status: 404, message: `no task ${key}` };
      if (err instanceof TaskStateError) return { ok: false, status: 409, message: err.message };
      throw err;
    }
  }

  async cancel(key: string): Promise<ActionResult> {
    if (isRawKey(key))
      return {
        ok: false,
        status: 501,
        message: "raw seed tasks (task-<seq>) cannot be cancelled by the task system",
      };
    try {
      const handle = this.submitter.handle(idOfKey(key));
      if (handle.key !== key) return { ok: false, status: 404, message: `no task ${key}` };
      return (await handle.cancel())
        ? { ok: true, message: `cancelled ${handle.id}` }
        : { ok: false, status: 409, message: `${handle.id} had already finished` };
    } catch (err) {
      if (err instanceof TaskNotFoundError || err instanceof InvalidArgumentError)
        return { ok: false, status: 404, message: `no task ${key}` };
      throw err;
    }
  }

  async retry(key: string): Promise<ActionResult> {
    if (isRawKey(key))
      return {
        ok: false,
        status: 501,
        message: "raw seed tasks (task-<seq>) cannot be retried by the task system",
      };
    try {
      const id = idOfKey(key);
      if (keyOfId(id) !== key) return { ok: false, status: 404, message: `no task ${key}` };
      const retry = await retryTask(this.client, id, { root: this.root });
      return { ok: true, message: `resubmitted ${id} as ${retry}`, id: retry };
    } catch (err) {
      if (err instanceof TaskNotFoundError || err instanceof InvalidArgumentError)
        return { ok: false, status: 404, message: `no task ${key}` };
      if (err instanceof TaskNotRetryableError)
        return { ok: false, status: err.reason === "raw" ? 501 : 409, message: err.message };
      throw err;
    }
  }
}

/** Whether `key` is the key of task `id` (a key with a wrong bucket names no task). */
function sameKey(id: string, key: string): boolean {
  try {
    return keyOfId(id) === key;
  } catch {
    return false;
  }
}
