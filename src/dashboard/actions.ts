/**
 * Cancel and retry through the task system's own API, never by writing its nodes ourselves: cancel is
 * `TaskHandle.cancel()` (a version-checked multi that races cleanly with the worker's commit). The
 * task system has no retry operation yet, so retry answers 501 rather than inventing semantics.
 */
import { InvalidArgumentError, type ZooKeeperClient } from "../client/index.js";
import { TaskNotFoundError } from "../tasks/errors.js";
import { idOfKey, isRawKey } from "../tasks/layout.js";
import { Submitter } from "../tasks/submitter.js";
import type { ActionResult, ClusterActions } from "./types.js";

export class TaskSystemActions implements ClusterActions {
  private readonly submitter: Submitter;

  constructor(client: ZooKeeperClient, root = "/") {
    this.submitter = new Submitter(client, { root });
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

  async retry(_key: string): Promise<ActionResult> {
    return {
      ok: false,
      status: 501,
      message: "retry is not implemented: the task system (issue #6) has no retry operation yet",
    };
  }
}
