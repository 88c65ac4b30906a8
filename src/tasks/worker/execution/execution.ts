/**
 * One execution of one assignment on a worker: read assignment + task in one round trip (or neither,
 * when the assignment's event carried its data and the assignment carries the task's: see `carried`),
 * check the token, (at-most-once) mark started, run the handler under an AbortSignal, commit the
 * outcome with a multi whose first op checks the token. A failed check means someone moved the task on
 * (cancel, reassignment): the result is stale and dropped.
 */
import { commitFenced, commitUnfenced } from "./commit.js";
import { TaskLogWriter } from "./task-log.js";
import { decodeEnvelope, type Envelope } from "../../envelope.js";
import { StaleTokenError, type TaskAbortError } from "../../errors.js";
import { HandlerContext, writeProgress, type ProgressSink } from "./context.js";
import { isThenable, planOutcome, type HandlerOutcome } from "./plan.js";
import { StopSwitch } from "./stop.js";
import { watchFence } from "./fence-watch.js";
import { ChildReader } from "./children.js";
import { SlotClaim } from "../slot-gate.js";
import { idOfKey, isRawKey } from "../../layout.js";
import {
  isStale,
  parseInfo,
  staleReason,
  type AssignInfo,
  type ExecutionEnv,
  type ExecutionResult,
} from "./types.js";
import { dropAssignment, handBackAssignment, markAssignmentStarted, stillCurrent } from "./writes.js";
import type { RejectedEvent } from "../../history.js";
import { errorText } from "../../zk.js";
import { bestEffort, SILENT } from "../../logger.js";

/** What an execution ended with (`value`/`error`: the handler's). */
export interface ExecutionReport {
  result: ExecutionResult;
  value?: unknown;
  error?: string | undefined;
}

/** An assignment as run: its data and what it says, and its task's data at `version`. */
interface Assignment {
  readonly data: Buffer | null;
  readonly info: AssignInfo;
  readonly taskData: Buffer | null;
  readonly version: number;
}

/** How long a handler runs before the worker watches its task's status for a cancel (ms). */
export const CANCEL_WATCH_DELAY = 20;

export class Execution implements ProgressSink {
  private readonly halt = new StopSwitch();
  private timer: NodeJS.Timeout | undefined;
  token = -1;
  delivery: Envelope["options"]["delivery"] = "at-least-once";
  started = false;
  private data: Buffer | null = null;
  /** Made by the first ctx.log(). */
  private log: TaskLogWriter | undefined;
  /** Its claim on one of the worker's handler slots. */
  readonly slot: SlotClaim;

  constructor(
    private readonly env: ExecutionEnv,
    readonly key: string,
    readonly assignPath: string,
    /** Told once the handler has settled (the worker's concurrency slot is free again). */
    private readonly handlerDone?: () => void,
    /**
     * The assignment's data as its NodeCreated event carried it (PROTOCOL.md §10). When the master put
     * the task's data in it too, nothing is read: the task is run at the token the assignment names, and
     * a change since (a cancel, a requeue) fails the start mark or the commit's check, as one made after
     * a read does.
     */
    private readonly carried?: Buffer | null,
  ) {
    this.slot = new SlotClaim(env.slots);
  }

  stop(reason: TaskAbortError["reason"]): void {
    this.halt.stop(reason);
  }

  /** Its handler runs and was not stopped. */
  get live(): boolean {
    return !this.halt.settled && this.halt.stopped() === null;
  }

  /** The assignment and its task: from the assignment's event when it carried both, else read. */
  private async assignment(): Promise<Assignment | "skipped" | "task-gone"> {
    if (this.carried !== undefined && this.carried !== null) {
      const info = parseInfo(this.carried);
      if (info.data !== undefined && info.token !== undefined)
        return { data: this.carried, info, taskData: info.data, version: info.token };
    }
    const ops = [
      { type: "getData", path: this.assignPath },
      { type: "getData", path: this.env.layout.task(this.key) },
    ] as const;
    const [a, t] = await (this.env.reader?.read(ops) ?? this.env.client.multiRead(ops));
    if (a?.type !== "getData") return "skipped";
    if (t?.type !== "getData") return "task-gone";
    return { data: a.data, info: parseInfo(a.data), taskData: t.data, version: t.stat.version };
  }

  async run(): Promise<ExecutionReport> {
    const got = await this.assignment();
    if (got === "skipped") return { result: "skipped" };
    if (got === "task-gone") {
      await dropAssignment(this.env, this);
      return { result: "skipped" };
    }
    const { info, taskData } = got;
    // An assignment made by hand in zkCli carries no token: the version it finds is the one it runs under.
    this.token = info.token ?? got.version;
    this.data = taskData;
    this.slot.bytes = taskData?.length ?? 0;
    if (got.version !== this.token && !this.env.unsafeDisableFencing) return this.superseded();
    if (this.halt.stopped() !== null) return this.handBack();
    const raw = isRawKey(this.key);
    const env = raw ? null : decodeEnvelope(taskData);
    if (!raw && env === null)
      return this.finish({ ok: false, error: "undecodable task envelope" }, null, true);
    if (env !== null) [this.delivery, this.slot.priority] = [env.options.delivery, env.options.priority];
    if (this.delivery === "at-most-once" && info.started === true)
      return this.finish({ ok: false, error: "outcome unknown: an earlier execution started" }, env, true);
    const slot = this.slot.take(this.halt);
    if (slot !== true && !(await slot)) return this.handBack();
    try {
      // After a wait for the slot the task is read again: a cancel or requeue since the first read
      // means it is not ours to run (as when a queued assignment was read only once a slot freed).
      if (slot !== true && !(await stillCurrent(this.env, this))) return await this.superseded();
      if (slot !== true && this.halt.stopped() !== null) return await this.handBack();
      return await this.runHandler(got.data, taskData, env);
    } finally {
      this.slot.release();
    }
  }

  private async superseded(): Promise<ExecutionReport> {
    this.reject("superseded");
    await dropAssignment(this.env, this);
    return { result: "stale" };
  }

  /** Holding a slot: (at-most-once) marks the assignment started, runs the handler, commits. */
  private async runHandler(
    assignData: Buffer | null,
    data: Buffer | null,
    env: Envelope | null,
  ): Promise<ExecutionReport> {
    if (this.delivery === "at-most-once" && !(await this.markStarted(assignData))) return { result: "stale" };
    // Most handlers finish before a cancel could matter: the status watch is set only once one runs
    // for CANCEL_WATCH_DELAY ms (a cancel meanwhile still wins: it bumps the token, the commit fails).
    // (One timer for all executions of the worker when it gives a queue; the entry checks `settled`.)
    const watches = this.env.cancelWatches;
    const cancelWatch =
      watches === undefined ? setTimeout(() => this.watchCancel(), CANCEL_WATCH_DELAY) : undefined;
    watches?.add(this);
    if (this.delivery === "fenced") watchFence(this.env, this);
    const { hooks } = this.env;
    if (hooks.wants?.("started") !== false)
      hooks.started({
        id: this.id,
        key: this.key,
        token: this.token,
        attempt: env === null ? 1 : env.run.failures + 1,
        delivery: this.delivery,
      });
    const timeout = env?.options.timeout ?? null;
    if (timeout !== null) this.timer = setTimeout(() => this.stop("timeout"), timeout);
    try {
      const invoked = this.invoke(data, env);
      const outcome = invoked instanceof Promise ? await invoked : invoked;
      this.slot.release();
      this.handlerDone?.();
      // Our own commit deletes the assignment, and its watch event would stop() us: a no-op from here.
      this.halt.settled = true;
      clearTimeout(cancelWatch);
      const stopped = this.halt.stopped();
      if (stopped !== null && !outcome.ok) {
        const reason = stopped.reason;
        if (reason === "cancelled" || reason === "revoked" || reason === "session-lost")
          return { result: "stale" };
        if (reason === "shutdown") return this.handBack();
      }
      return await this.finish(outcome, env, false);
    } finally {
      clearTimeout(this.timer);
      clearTimeout(cancelWatch);
    }
  }

  /**
   * Runs the handler. A handler that returns (or throws) synchronously is answered at once: nothing can
   * stop it meanwhile, so the race against the stop signal (and its promises) is made only for a
   * handler that returns a promise.
   */
  private invoke(data: Buffer | null, env: Envelope | null): HandlerOutcome | Promise<HandlerOutcome> {
    let value: unknown;
    try {
      value = this.call(data, env);
    } catch (err) {
      return { ok: false, error: errorText(err) };
    }
    if (!isThenable(value)) return { ok: true, value };
    // A hung handler is abandoned when the signal fires: the race frees this slot either way.
    return Promise.race([value, this.halt.race()]).then(
      (v: unknown): HandlerOutcome => ({ ok: true, value: v }),
      (err: unknown): HandlerOutcome => ({ ok: false, error: errorText(err) }),
    );
  }

  private call(data: Buffer | null, env: Envelope | null): unknown {
    if (env === null) {
      if (this.env.raw === null) throw new Error("this worker has no raw task handler");
      const command = data === null ? "" : data.toString("utf8");
      return this.env.raw({ key: this.key, data, command, token: this.token, signal: this.halt.signal });
    }
    const handler = this.env.handlers.get(env.type);
    if (handler === undefined) throw new Error(`no handler for task type "${env.type}"`);
    const { failures } = env.run;
    const { workerId } = this.env;
    const { delivery } = env.options;
    return handler(
      new HandlerContext(
        this.id,
        env.type,
        env.payload,
        failures + 1,
        this.token,
        delivery,
        workerId,
        this.halt,
        this,
        env.flow?.children === undefined ? null : new ChildReader(this.env, this.key),
      ),
    );
  }

  private async finish(
    outcome: HandlerOutcome,
    env: Envelope | null,
    final: boolean,
  ): Promise<ExecutionReport> {
    await this.log?.flush();
    const { workerId } = this.env;
    const { plan, result } = planOutcome(
      this.key,
      outcome,
      env,
      final,
      workerId,
      this.env.workerJson ?? JSON.stringify(workerId),
    );
    const target = { key: this.key, assignPath: this.assignPath, token: this.token };
    if (this.env.unsafeDisableFencing) await commitUnfenced(this.env, target, plan);
    else {
      const c = await (this.env.committer?.commit(target, plan) ?? commitFenced(this.env, target, plan));
      if (c.kind === "stale") {
        this.reject(c.reason);
        return {
          result: "stale",
          error: new StaleTokenError(idOfKey(this.key), this.token, { cause: c.cause }).message,
        };
      }
    }
    const { hooks } = this.env;
    if (hooks.wants?.("committed") !== false)
      hooks.committed({ id: this.id, key: this.key, token: this.token, outcome: result });
    return { result, value: outcome.value, error: outcome.error };
  }

  private get id(): string {
    return idOfKey(this.key);
  }

  private reject(reason: RejectedEvent["reason"]): void {
    this.env.hooks.rejected({ id: this.id, key: this.key, token: this.token, reason });
  }

  /** Gives the assignment back unrun (shutdown): the master requeues it. A started at-most-once task
   * cannot be given back — its outcome is unknown — so it ends failed. */
  private async handBack(): Promise<ExecutionReport> {
    if (this.started) {
      const unknown = { ok: false, error: "outcome unknown: worker shut down while running" } as const;
      const what = `storing "outcome unknown" of ${this.id}`;
      await bestEffort(this.env.logger ?? SILENT, what, this.finish(unknown, null, true), "warn");
      return { result: "failed" };
    }
    await handBackAssignment(this.env, this, this.data);
    return { result: "handed-back" };
  }

  private async markStarted(assignData: Buffer | null): Promise<boolean> {
    try {
      await markAssignmentStarted(this.env, this, assignData);
      this.started = true;
      return true;
    } catch (err) {
      if (isStale(err)) {
        this.reject(staleReason(err));
        return false;
      }
      throw err;
    }
  }

  /** A status appearing while we run means cancel (or a master decision): stop the handler. */
  watchCancel(): void {
    if (this.halt.settled || this.halt.stopped() !== null) return;
    void this.env.client
      .exists(this.env.layout.status(this.key), { watch: () => this.stop("cancelled") })
      .then((s) => (s === null ? undefined : this.stop("cancelled")))
      .catch((err: unknown) => (this.env.logger ?? SILENT).debug({ err }, "tasks: cancel watch failed"));
  }

  appendLog(line: string, attempt: number): void {
    if (this.halt.stopped() !== null) return;
    this.log ??= new TaskLogWriter(this.env, this.key, this.token, attempt);
    this.log.append(line);
  }

  async reportProgress(value: unknown): Promise<void> {
    if (this.halt.stopped() === null) await writeProgress(this.env, this.key, this.token, value);
  }
}

export type {
  AnyHandler,
  ExecutionEnv,
  ExecutionHooks,
  ExecutionResult,
  Handler,
  TaskContext,
} from "./types.js";
