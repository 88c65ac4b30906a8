/**
 * One execution of one assignment on a worker: read assignment + task in one round trip, check the
 * token, (at-most-once) mark started, run the handler under an AbortSignal, commit the outcome with a
 * multi whose first op checks the token. A failed check means someone moved the task on (cancel,
 * reassignment): the result is stale and dropped.
 */
import { NoNodeError } from "../client/index.js";
import { commitFenced, commitUnfenced, resend, type CommitPlan } from "./commit.js";
import { backoffDelay, decodeEnvelope, encodeEnvelope, encodeOutcome, type Envelope } from "./envelope.js";
import { StaleTokenError, type TaskAbortError } from "./errors.js";
import { StopSwitch } from "./execution-stop.js";
import { idOfKey, isRawKey } from "./layout.js";
import {
  isStale,
  parseInfo,
  parseRecord,
  staleReason,
  type ExecutionEnv,
  type ExecutionResult,
  type TaskContext,
} from "./execution-types.js";
import type { RejectedEvent } from "./history.js";
import { errorText } from "./zk.js";

/** How long a handler runs before the worker watches its task's status for a cancel (ms). */
export const CANCEL_WATCH_DELAY = 20;

export class Execution {
  private readonly halt = new StopSwitch();
  private timer: NodeJS.Timeout | undefined;
  token = -1;
  delivery: Envelope["options"]["delivery"] = "at-least-once";
  started = false;
  private data: Buffer | null = null;

  constructor(
    private readonly env: ExecutionEnv,
    readonly key: string,
    readonly assignPath: string,
    /** Told once the handler has settled (the worker's concurrency slot is free again). */
    private readonly handlerDone?: () => void,
  ) {}

  stop(reason: TaskAbortError["reason"]): void {
    this.halt.stop(reason);
  }

  async run(): Promise<{ result: ExecutionResult; value?: unknown; error?: string }> {
    const { client, layout } = this.env;
    const taskPath = layout.task(this.key);
    const ops = [
      { type: "getData", path: this.assignPath },
      { type: "getData", path: taskPath },
    ] as const;
    const [a, t] = await (this.env.reader?.read(ops) ?? client.multiRead(ops));
    if (a?.type !== "getData") return { result: "skipped" };
    if (t?.type !== "getData") {
      await this.dropAssignment();
      return { result: "skipped" };
    }
    const info = parseInfo(a.data);
    // An assignment made by hand in zkCli carries no token: the version it finds is the one it runs under.
    this.token = info.token ?? t.stat.version;
    this.data = t.data;
    if (t.stat.version !== this.token && !this.env.unsafeDisableFencing) {
      this.reject("superseded");
      await this.dropAssignment();
      return { result: "stale" };
    }
    if (this.halt.stopped() !== null) return this.handBack();
    const raw = isRawKey(this.key);
    const env = raw ? null : decodeEnvelope(t.data);
    if (!raw && env === null)
      return this.finish({ ok: false, error: "undecodable task envelope" }, null, true);
    if (env !== null) this.delivery = env.options.delivery;
    if (this.delivery === "at-most-once" && info.started === true)
      return this.finish({ ok: false, error: "outcome unknown: an earlier execution started" }, env, true);
    if (this.delivery === "at-most-once" && !(await this.markStarted(a.data))) return { result: "stale" };
    // Most handlers finish before a cancel could matter: the status watch is set only once one runs
    // for CANCEL_WATCH_DELAY ms (a cancel meanwhile still wins: it bumps the token, the commit fails).
    const cancelWatch = setTimeout(() => this.watchCancel(), CANCEL_WATCH_DELAY);
    const attempt = env === null ? 1 : env.run.failures + 1;
    this.env.hooks.started({
      id: this.id,
      key: this.key,
      token: this.token,
      attempt,
      delivery: this.delivery,
    });
    const timeout = env?.options.timeout ?? null;
    if (timeout !== null) this.timer = setTimeout(() => this.stop("timeout"), timeout);
    try {
      const outcome = await this.invoke(t.data, env);
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

  private async invoke(
    data: Buffer | null,
    env: Envelope | null,
  ): Promise<{ ok: boolean; value?: unknown; error?: string }> {
    const aborted = this.halt.race();
    try {
      // A hung handler is abandoned when the signal fires: the race frees this slot either way.
      const value = await Promise.race([this.call(data, env), aborted]);
      return { ok: true, value };
    } catch (err) {
      return { ok: false, error: errorText(err) };
    }
  }

  private async call(data: Buffer | null, env: Envelope | null): Promise<unknown> {
    if (env === null) {
      if (this.env.raw === null) throw new Error("this worker has no raw task handler");
      const command = data === null ? "" : data.toString("utf8");
      return this.env.raw({ key: this.key, data, command, token: this.token, signal: this.halt.signal });
    }
    const handler = this.env.handlers.get(env.type);
    if (handler === undefined) throw new Error(`no handler for task type "${env.type}"`);
    const halt = this.halt;
    // The payload is whatever the submitter sent; the handler's declared type is its own claim.
    return handler({
      id: idOfKey(this.key),
      type: env.type,
      payload: env.payload,
      attempt: env.run.failures + 1,
      token: this.token,
      delivery: env.options.delivery,
      workerId: this.env.workerId,
      get signal(): AbortSignal {
        return halt.signal;
      },
      progress: (value) => this.progress(value),
    } as TaskContext<never>);
  }

  private async finish(
    outcome: { ok: boolean; value?: unknown; error?: string },
    env: Envelope | null,
    final: boolean,
  ): Promise<{ result: ExecutionResult; value?: unknown; error?: string }> {
    const { workerId } = this.env;
    const fence = !this.env.unsafeDisableFencing;
    let plan: CommitPlan;
    let result: "done" | "failed" | "retry";
    const attempt = (env?.run.failures ?? 0) + 1;
    if (env === null && isRawKey(this.key)) {
      const text = typeof outcome.value === "string" ? outcome.value : "done";
      plan = { kind: "outcome", status: outcome.ok ? text : `failed: ${outcome.error ?? ""}` };
      result = outcome.ok ? "done" : "failed";
    } else if (outcome.ok) {
      const o = { state: "done" as const, result: outcome.value ?? null, attempt, worker: workerId };
      plan = { kind: "outcome", status: encodeOutcome({ ...o, at: Date.now() }) };
      result = "done";
    } else if (!final && env !== null && attempt < env.options.attempts) {
      const failures = env.run.failures + 1;
      const run = {
        ...env.run,
        failures,
        notBefore: Date.now() + backoffDelay(env.options.backoff, failures),
        error: outcome.error ?? "",
      };
      // Writing the run state with the token as expected version is itself the fence.
      plan = { kind: "retry", data: encodeEnvelope({ ...env, run }), failures };
      result = "retry";
    } else {
      const reason = outcome.error ?? "failed";
      const o = { state: "failed" as const, reason, attempt, worker: workerId, at: Date.now() };
      plan = { kind: "outcome", status: encodeOutcome(o) };
      result = "failed";
    }
    const target = { key: this.key, assignPath: this.assignPath, token: this.token };
    if (!fence) await commitUnfenced(this.env, target, plan);
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
    this.env.hooks.committed({ id: this.id, key: this.key, token: this.token, outcome: result });
    return { result, value: outcome.value, ...(outcome.error === undefined ? {} : { error: outcome.error }) };
  }

  private get id(): string {
    return idOfKey(this.key);
  }

  private reject(reason: RejectedEvent["reason"]): void {
    this.env.hooks.rejected({ id: this.id, key: this.key, token: this.token, reason });
  }

  /** Gives the assignment back unrun (shutdown): the master requeues it. A started at-most-once task
   * cannot be given back — its outcome is unknown — so it ends failed. */
  private async handBack(): Promise<{ result: ExecutionResult }> {
    if (this.started) {
      await this.finish(
        { ok: false, error: "outcome unknown: worker shut down while running" },
        null,
        true,
      ).catch(() => undefined);
      return { result: "failed" };
    }
    try {
      // Rewriting the same bytes bumps the version: the master sees the task change and requeues it.
      // A resend after a lost reply that finds the first one applied fails the check: handed back too.
      await resend(() =>
        this.env.client
          .transaction()
          .setData(this.env.layout.task(this.key), this.data, this.token)
          .delete(this.assignPath),
      );
    } catch (err) {
      if (!isStale(err)) throw err;
    }
    return { result: "handed-back" };
  }

  private async markStarted(assignData: Buffer | null): Promise<boolean> {
    const info = { ...parseRecord(assignData), started: true, startedAt: Date.now() };
    try {
      // Idempotent: sent again after a lost reply, it marks the same assignment started again.
      await resend(() =>
        this.env.client
          .transaction()
          .check(this.env.layout.task(this.key), this.token)
          .setData(this.assignPath, JSON.stringify(info)),
      );
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
  private watchCancel(): void {
    if (this.halt.stopped() !== null) return;
    void this.env.client
      .exists(this.env.layout.status(this.key), { watch: () => this.stop("cancelled") })
      .then((s) => (s === null ? undefined : this.stop("cancelled")))
      .catch(() => undefined);
  }

  private async progress(value: unknown): Promise<void> {
    if (this.halt.stopped() !== null) return;
    const { client, layout } = this.env;
    const data = JSON.stringify(value === undefined ? null : value);
    const path = layout.progress(this.key);
    const taskPath = layout.task(this.key);
    try {
      await client.transaction().check(taskPath, this.token).setData(path, data).commit();
    } catch (err) {
      if (!(err instanceof NoNodeError) || err.opIndex !== 1) return;
      await client
        .transaction()
        .check(taskPath, this.token)
        .create(path, data)
        .commit()
        .catch(() => undefined);
    }
  }

  private async dropAssignment(): Promise<void> {
    await this.env.client.delete(this.assignPath).catch(() => undefined);
  }
}

export type {
  AnyHandler,
  ExecutionEnv,
  ExecutionHooks,
  ExecutionResult,
  Handler,
  TaskContext,
} from "./execution-types.js";
