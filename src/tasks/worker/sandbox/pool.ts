/**
 * The sandboxes of one worker: up to `size` (its concurrency) threads or child processes, started on
 * demand and reused task after task. A run sends the task, relays progress and log lines, and settles
 * with the handler's result. When the execution is stopped (timeout, cancel, revoke, shutdown) the
 * handler's signal is aborted in the sandbox; a handler still running `killGrace` ms later is
 * terminated with its sandbox, and a fresh one takes its place. A sandbox that crashes fails only the
 * run it had.
 */
import { InvalidArgumentError } from "../../../client/index.js";
import { TaskAbortError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { TaskContext } from "../execution/types.js";
import type { FromSandbox, SandboxChannel } from "./messages.js";
import { startProcess } from "./process.js";
import { startThread } from "./thread.js";

/** How long a stopped handler has to return before its sandbox is terminated (ms). */
export const SANDBOX_KILL_GRACE = 500;

interface Run {
  n: number;
  ctx: TaskContext<never>;
  resolve(v: unknown): void;
  reject(e: Error): void;
  stop(): void;
  grace: NodeJS.Timeout | undefined;
}

class Box {
  current: Run | null = null;
  dead = false;
  readonly ready: Promise<string[]>;

  constructor(
    readonly ch: SandboxChannel,
    onMessage: (box: Box, m: FromSandbox) => void,
    onExit: (box: Box, why: string) => void,
  ) {
    this.ready = new Promise<string[]>((resolve, reject) => {
      ch.onMessage((m) => {
        if (m.t === "ready") resolve(m.types);
        else if (m.t === "load-failed") reject(new InvalidArgumentError("handlers", m.message));
        else onMessage(this, m);
      });
      ch.onExit((why) => {
        this.dead = true;
        reject(new Error(`sandbox ended before it was ready: ${why}`));
        onExit(this, why);
      });
    });
    this.ready.catch(() => undefined); // observed by whoever awaits it
  }
}

export interface SandboxPoolOptions {
  kind: "thread" | "process";
  /** The handler module's file: URL. */
  module: string;
  size: number;
  logger: Logger;
  killGrace?: number;
}

export class SandboxPool {
  private readonly idle: Box[] = [];
  private readonly all = new Set<Box>();
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: SandboxPoolOptions) {}

  /**
   * Starts `size` sandboxes (so the first tasks do not wait for one to boot) and returns the task types
   * the module exports; rejects, with every sandbox ended, if the module cannot be loaded.
   */
  async start(): Promise<string[]> {
    const boxes = Array.from({ length: this.opts.size }, () => this.spawn());
    try {
      const [types] = await Promise.all(boxes.map((b) => b.ready));
      this.idle.push(...boxes);
      return types ?? [];
    } catch (err) {
      for (const b of boxes) this.discard(b);
      throw err;
    }
  }

  /** Runs a task of `type` in a free sandbox; settles with its result or its failure. */
  async run(type: string, ctx: TaskContext<never>): Promise<unknown> {
    if (this.closed) throw new Error("the worker's sandboxes are closed");
    let box = this.idle.pop();
    while (box?.dead === true) box = this.idle.pop();
    if (box === undefined) {
      box = this.spawn();
      try {
        await box.ready;
      } catch (err) {
        this.discard(box);
        throw err;
      }
    }
    const n = ++this.seq;
    const target = box;
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => this.aborted(target, run);
      const run: Run = {
        n,
        ctx,
        resolve,
        reject,
        grace: undefined,
        stop: () => ctx.signal.removeEventListener("abort", onAbort),
      };
      target.current = run;
      const { id, attempt, token, delivery, workerId, payload } = ctx;
      target.ch.send({ t: "run", n, task: { id, type, payload, attempt, token, delivery, workerId } });
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Terminates every sandbox (running handlers included). */
  close(): void {
    this.closed = true;
    for (const box of this.all) box.ch.terminate();
  }

  private spawn(): Box {
    const { kind, module } = this.opts;
    const ch = kind === "thread" ? startThread(module) : startProcess(module);
    const box = new Box(
      ch,
      (b, m) => this.message(b, m),
      (b, why) => this.exited(b, why),
    );
    this.all.add(box);
    return box;
  }

  private aborted(box: Box, run: Run): void {
    if (box.current !== run) return;
    const reason = run.ctx.signal.reason as unknown;
    box.ch.send({
      t: "abort",
      n: run.n,
      reason: reason instanceof TaskAbortError ? reason.reason : "revoked",
    });
    run.grace = setTimeout(() => {
      if (box.current !== run) return;
      this.opts.logger.warn(
        { task: run.ctx.id, grace: this.opts.killGrace ?? SANDBOX_KILL_GRACE },
        "tasks: a stopped handler did not return: terminating its sandbox",
      );
      this.discard(box);
    }, this.opts.killGrace ?? SANDBOX_KILL_GRACE);
  }

  private message(box: Box, m: FromSandbox): void {
    const run = box.current;
    if (run === null || !("n" in m) || m.n !== run.n) return;
    if (m.t === "progress") {
      run.ctx.progress(m.value).then(
        () => box.ch.send({ t: "ack", seq: m.seq }),
        (err: unknown) => box.ch.send({ t: "ack", seq: m.seq, error: String(err) }),
      );
    } else if (m.t === "log") run.ctx.log(m.line);
    else if (m.t === "children") {
      (m.what === "results" ? run.ctx.childResults() : run.ctx.childFailures()).then(
        (value) => box.ch.send({ t: "ack", seq: m.seq, value }),
        (err: unknown) => box.ch.send({ t: "ack", seq: m.seq, error: String(err) }),
      );
    } else if (m.t === "done") {
      this.settle(box, run);
      if (!this.closed && !box.dead) this.idle.push(box);
      if (m.ok) run.resolve(m.value);
      else run.reject(new Error(m.error));
    }
  }

  private settle(box: Box, run: Run): void {
    box.current = null;
    clearTimeout(run.grace);
    run.stop();
  }

  private exited(box: Box, why: string): void {
    this.all.delete(box);
    const i = this.idle.indexOf(box);
    if (i >= 0) this.idle.splice(i, 1);
    const run = box.current;
    if (run === null) return;
    this.settle(box, run);
    run.reject(new Error(`sandbox crashed: ${why}`));
  }

  private discard(box: Box): void {
    box.dead = true;
    box.ch.terminate();
  }
}
