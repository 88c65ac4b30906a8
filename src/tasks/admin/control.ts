/** Cluster-wide controls any client may use; they live in ZooKeeper, so they survive master failover. */
import { NodeExistsError, NoNodeError, type ZooKeeperClient } from "../../client/index.js";
import { decodeEnvelope, type StoredOptions } from "../envelope.js";
import { TaskError, TaskNotFoundError } from "../errors.js";
import type { TaskState } from "./inspect.js";
import { Layout } from "../layout.js";
import type { SubmitOptions } from "../submit/options.js";
import { Submitter } from "../submit/submitter.js";
import { ensurePath } from "../zk.js";

/** Stops the assignment of new tasks (running ones continue). Idempotent. */
export async function pauseAssignment(client: ZooKeeperClient, root = "/"): Promise<void> {
  const layout = new Layout(root);
  if (root !== "/") await ensurePath(client, root);
  try {
    await client.create(layout.paused, null);
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
  }
}

/** Resumes assignment. Idempotent. */
export async function resumeAssignment(client: ZooKeeperClient, root = "/"): Promise<void> {
  try {
    await client.delete(new Layout(root).paused);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
}

/** Why `retryTask` refused: a raw seed task, a task not ended failed/cancelled, or too many retries. */
export class TaskNotRetryableError extends TaskError {
  override name = "TaskNotRetryableError";
  constructor(
    readonly taskId: string,
    readonly reason: "raw" | "not-finished" | "exhausted",
    /** The task's state when it was read ("waiting", "done", …). */
    readonly state: TaskState,
  ) {
    super(
      "TASK_NOT_RETRYABLE",
      reason === "raw"
        ? `${taskId} is a raw seed task; the task system cannot resubmit it`
        : reason === "exhausted"
          ? `${taskId} has been retried ${MAX_RETRIES} times already`
          : `${taskId} is ${state}; only failed or cancelled tasks can be retried`,
    );
  }
}

const MAX_RETRIES = 999;

function optionsOf(o: StoredOptions): SubmitOptions {
  return {
    priority: o.priority,
    attempts: o.attempts,
    labels: o.labels,
    delivery: o.delivery,
    ...(o.backoff === null ? {} : { backoff: o.backoff }),
    ...(o.timeout === null ? {} : { timeout: o.timeout }),
    ...(o.group === undefined ? {} : { group: o.group }),
    ...(o.removeOnComplete === undefined ? {} : { removeOnComplete: o.removeOnComplete }),
    ...(o.removeOnFail === undefined ? {} : { removeOnFail: o.removeOnFail }),
    ...(o.maxRequeues === undefined ? {} : { maxRequeues: o.maxRequeues }),
  };
}

/**
 * Runs a failed or cancelled task again: resubmits its type, payload and options under the fresh id
 * `<id>.retry-<n>` (the first n not taken; a retry of a retry counts on from the original id) and
 * returns that id. The original task is left as it is. Throws TaskNotFoundError when the task does not
 * exist and TaskNotRetryableError when it is raw, not finished, done, or retried 999 times.
 */
export async function retryTask(
  client: ZooKeeperClient,
  id: string,
  opts: { root?: string } = {},
): Promise<string> {
  const submitter = new Submitter(client, { root: opts.root ?? "/" });
  const handle = submitter.handle(id);
  const [status, task] = await Promise.all([
    handle.status(),
    client.getData(handle.path).catch((err: unknown) => {
      throw err instanceof NoNodeError ? new TaskNotFoundError(id) : err;
    }),
  ]);
  const env = decodeEnvelope(task.data);
  if (env === null) throw new TaskNotRetryableError(id, "raw", status.state);
  if (status.state !== "failed" && status.state !== "cancelled")
    throw new TaskNotRetryableError(id, "not-finished", status.state);
  const base = id.replace(/\.retry-\d+$/, "").slice(0, 110);
  for (let n = 1; n <= MAX_RETRIES; n++) {
    const h = await submitter.submit(env.type, env.payload, {
      ...optionsOf(env.options),
      id: `${base}.retry-${n}`,
    });
    if (h.created) return h.id;
  }
  throw new TaskNotRetryableError(id, "exhausted", status.state);
}
