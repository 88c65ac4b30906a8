/** Typed errors of the task system; callers branch on the class (or `code`), never on message text. */

export class TaskError extends Error {
  override name = "TaskError";
  constructor(
    readonly code: string,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
  }
}

/** The payload (as stored) would exceed the server's request limit; nothing was written. */
export class PayloadTooLargeError extends TaskError {
  override name = "PayloadTooLargeError";
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super("PAYLOAD_TOO_LARGE", `task is ${size} bytes encoded; the limit is ${limit} (jute.maxbuffer)`);
  }
}

/** The task ended failed (attempts exhausted, outcome unknown, timeout…); `reason` is the stored text. */
export class TaskFailedError extends TaskError {
  override name = "TaskFailedError";
  constructor(
    readonly taskId: string,
    readonly reason: string,
    readonly attempts: number,
  ) {
    super("TASK_FAILED", `task ${taskId} failed after ${attempts} attempt(s): ${reason}`);
  }
}

export class TaskCancelledError extends TaskError {
  override name = "TaskCancelledError";
  constructor(readonly taskId: string) {
    super("TASK_CANCELLED", `task ${taskId} was cancelled`);
  }
}

/** The task node is gone (removed by retention, or never existed). */
export class TaskNotFoundError extends TaskError {
  override name = "TaskNotFoundError";
  constructor(readonly taskId: string) {
    super("TASK_NOT_FOUND", `task ${taskId} does not exist`);
  }
}

/** A result or state change was refused because the execution's fencing token is no longer current. */
export class StaleTokenError extends TaskError {
  override name = "StaleTokenError";
  constructor(
    readonly taskId: string,
    readonly token: number,
    opts?: { cause?: unknown },
  ) {
    super("STALE_TOKEN", `execution of task ${taskId} with token ${token} is no longer current`, opts);
  }
}

/** The reason a handler's AbortSignal fires with. */
export class TaskAbortError extends TaskError {
  override name = "TaskAbortError";
  constructor(readonly reason: "timeout" | "cancelled" | "revoked" | "shutdown" | "session-lost") {
    super("TASK_ABORTED", `task aborted: ${reason}`);
  }
}

/** A role used out of order: started twice, used before start(), or used after close(). */
export class LifecycleError extends TaskError {
  override name = "LifecycleError";
  constructor(
    readonly role: "master" | "worker" | "submitter" | "events",
    /** The call that was refused, e.g. "start". */
    readonly operation: string,
    /** Where the role's lifecycle was: "started" for a second start, "closed" after close… */
    readonly phase: "latent" | "started" | "closing" | "closed",
  ) {
    super("LIFECYCLE", `${role}.${operation}(): the ${role} is ${phase}`);
  }
}

/** Invalid options and arguments: the one class every layer throws (the client's, re-exported). */
export { InvalidArgumentError } from "../client/index.js";

/** An admin operation that needs a task in another state (update a running task, promote a waiting one…). */
export class TaskStateError extends TaskError {
  override name = "TaskStateError";
  constructor(
    readonly taskId: string,
    readonly operation: string,
    /** Its state when it was read ("running", "done", …, or "raw" for a raw seed task). */
    readonly state: string,
    /** The states the operation accepts. */
    readonly accepts: readonly string[],
  ) {
    super(
      "TASK_STATE",
      `cannot ${operation} ${taskId}: it is ${state} (only ${accepts.join(" or ")} tasks can be)`,
    );
  }
}

/** `obliterate()` refused: workers are registered under the root (pass `force` to go ahead anyway). */
export class WorkersRegisteredError extends TaskError {
  override name = "WorkersRegisteredError";
  constructor(readonly workers: readonly string[]) {
    super(
      "WORKERS_REGISTERED",
      `${workers.length} worker(s) registered (${workers.slice(0, 5).join(", ")}); stop them or force`,
    );
  }
}
