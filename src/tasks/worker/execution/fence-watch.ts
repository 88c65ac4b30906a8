/**
 * What delivery "fenced" adds while a handler runs: its AbortSignal fires the moment its token stops
 * being current. A data watch on the task node is set when the handler starts (not after
 * CANCEL_WATCH_DELAY as for other deliveries): whatever takes the task away — the master requeueing it,
 * a cancel, an admin change — bumps the task's version, the watch fires and the handler is stopped
 * ("cancelled" if a status now exists, else "revoked"). The token check of the commit (and of the
 * handler's own resource, `ctx.token`) remains the guarantee; the watch makes a zombie stop early.
 */
import type { ExecutionEnv } from "./types.js";
import type { TaskAbortError } from "../../errors.js";

export interface FencedRun {
  readonly key: string;
  readonly token: number;
  /** The handler is still running and has not been stopped. */
  readonly live: boolean;
  stop(reason: TaskAbortError["reason"]): void;
}

export function watchFence(env: ExecutionEnv, run: FencedRun): void {
  const { client, layout } = env;
  const taken = (): void => {
    if (!run.live) return;
    void client.exists(layout.status(run.key)).then(
      (s) => run.stop(s === null ? "revoked" : "cancelled"),
      () => run.stop("revoked"),
    );
  };
  void client.exists(layout.task(run.key), { watch: () => taken() }).then(
    (stat) => (stat === null || stat.version !== run.token ? taken() : undefined),
    // Not set (connection lost): the commit's token check still refuses a stale result, and the
    // relist after a reconnect stops an execution whose assignment is gone.
    () => undefined,
  );
}
