/**
 * TaskHandle: the submitter's view of one structured task. Outcomes arrive through a one-shot watch on
 * the task's status node (never polling); cancel is a version-checked multi, so it races cleanly with
 * the worker's commit: exactly one of them wins.
 */
import {
  BadVersionError,
  isRetriable,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  type StateEvent,
  type ZooKeeperClient,
} from "../client/index.js";
import { decodeEnvelope, decodeOutcome, encodeOutcome, type TaskOutcome } from "./envelope.js";
import { TaskCancelledError, TaskFailedError, TaskNotFoundError } from "./errors.js";
import type { Layout } from "./layout.js";
import type { ReadBatcher } from "./read-batch.js";

export type TaskState = "waiting" | "delayed" | "active" | "done" | "failed" | "cancelled";

export interface TaskStatus {
  state: TaskState;
  /** Failed attempts so far (or the final attempt number once finished). */
  attempt: number;
  /** Last progress reported by a handler, or undefined. */
  progress: unknown;
  /** The outcome once finished. */
  outcome?: TaskOutcome;
}

export class TaskHandle {
  readonly path: string;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly layout: Layout,
    readonly id: string,
    readonly key: string,
    /** False when a task with this id already existed (the submit was deduplicated). */
    readonly created: boolean,
    /** Told every outcome this handle observes (the submitter's 'result' event). */
    private readonly observe?: (outcome: TaskOutcome, handle: TaskHandle) => void,
    /** Batches outcome reads with other handles' (the submitter's); default: one request each. */
    private readonly reader?: ReadBatcher,
    /** Ends waits when the session does, with one state listener for all (the submitter's); default: one each. */
    private readonly waits?: SessionWaits,
  ) {
    this.path = layout.task(key);
  }

  /** The status node's path (made when asked: a waiting handle keeps one string less). */
  get statusPath(): string {
    return `${this.path}/status`;
  }

  async status(): Promise<TaskStatus> {
    const [task, status, progress] = await this.client.multiRead([
      { type: "getData", path: this.path },
      { type: "getData", path: this.statusPath },
      { type: "getData", path: this.layout.progress(this.key) },
    ]);
    if (task?.type !== "getData") throw new TaskNotFoundError(this.id);
    const env = decodeEnvelope(task.data);
    const prog = progress?.type === "getData" ? parseJson(progress.data) : undefined;
    if (status?.type === "getData") {
      const outcome = decodeOutcome(status.data);
      const attempt = outcome.state === "cancelled" ? (env?.run.failures ?? 0) : outcome.attempt;
      return { state: outcome.state, attempt, progress: prog, outcome };
    }
    const failures = env?.run.failures ?? 0;
    if (env !== null && env.run.notBefore > Date.now())
      return { state: "delayed", attempt: failures, progress: prog };
    return { state: prog === undefined ? "waiting" : "active", attempt: failures, progress: prog };
  }

  /** Last progress reported, or undefined. */
  async progress(): Promise<unknown> {
    try {
      return parseJson((await this.client.getData(this.layout.progress(this.key))).data);
    } catch (err) {
      if (err instanceof NoNodeError) return undefined;
      throw err;
    }
  }

  /**
   * Resolves with the handler's result; rejects with TaskFailedError, TaskCancelledError,
   * TaskNotFoundError, or SessionExpiredError if the client's session ends while waiting.
   */
  result<R = unknown>(opts: { signal?: AbortSignal } = {}): Promise<R> {
    // Not an async function: a waiting handle holds one generator and one promise less.
    return this.outcome(opts.signal).then((outcome) => this.unwrap<R>(outcome));
  }

  private unwrap<R>(outcome: TaskOutcome): R {
    if (outcome.state === "done") return outcome.result as R;
    if (outcome.state === "cancelled") throw new TaskCancelledError(this.id);
    throw new TaskFailedError(this.id, outcome.reason, outcome.attempt);
  }

  /** Waits for the stored outcome, whatever it is. */
  async outcome(signal?: AbortSignal): Promise<TaskOutcome> {
    // A plain object rather than an AbortController (+ AbortSignal.any) per wait: a signal and its
    // listeners cost more than the rest of a no-op task's wait. `wake` ends the current wait early.
    const halt = new Halt();
    const waits = this.waits ?? new SessionWaits(this.client);
    waits.add(halt);
    const onAbort = signal === undefined ? undefined : (): void => halt.stop(signal.reason);
    if (signal !== undefined && onAbort !== undefined) {
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) halt.stop(signal.reason);
    }
    try {
      let probe = false;
      for (;;) {
        if (halt.stopped) throw halt.reason;
        try {
          // The watch fired: nearly always because `status` appeared, so read it at once (when it was
          // `progress`, the miss costs one NoNode and the listing below sets the watch again).
          const early = probe ? await this.readOutcome() : null;
          if (early !== null) return early;
          // One child watch on the task node: it fires when `status` (or `progress`) appears, and the
          // listing fails with NoNode if the task itself is gone.
          let fire = (): void => undefined;
          const fired = new Promise<void>((resolve) => (fire = resolve));
          halt.wake = fire;
          const children = await this.client.getChildren(this.path, { watch: fire });
          if (children.includes("status")) {
            const outcome = await this.readOutcome();
            if (outcome === null) throw new TaskNotFoundError(this.id);
            return outcome;
          }
          await fired;
          probe = true;
        } catch (err) {
          if (err instanceof NoNodeError) throw new TaskNotFoundError(this.id);
          // A lost connection is not a lost result: ask again once the client reconnects (after a
          // short pause; requests made meanwhile wait for the reconnect anyway).
          if (!isRetriable(err)) throw err;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 50);
            halt.wake = () => (clearTimeout(t), resolve());
          });
        }
      }
    } finally {
      waits.delete(halt);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The stored outcome (told to the observer), or null when there is none. */
  private async readOutcome(): Promise<TaskOutcome | null> {
    const ops = [{ type: "getData", path: this.statusPath }] as const;
    const [r] = await (this.reader?.read(ops) ?? this.client.multiRead(ops));
    if (r?.type === "error") {
      if (r.error instanceof NoNodeError) return null;
      throw r.error;
    }
    const outcome = decodeOutcome(r?.type === "getData" ? r.data : null);
    this.observe?.(outcome, this);
    return outcome;
  }

  /**
   * Cancels a waiting or running task: true if this call cancelled it, false if it had already finished.
   * A running handler sees its signal abort; a result it commits afterwards is rejected as stale.
   */
  async cancel(): Promise<boolean> {
    for (;;) {
      let data: Buffer | null;
      let version: number;
      try {
        const got = await this.client.getData(this.path);
        data = got.data;
        version = got.stat.version;
      } catch (err) {
        if (err instanceof NoNodeError) throw new TaskNotFoundError(this.id);
        throw err;
      }
      try {
        // Rewriting the same data bumps the version: the running execution's token stops being current.
        await this.client
          .transaction()
          .setData(this.path, data, version)
          .create(this.statusPath, encodeOutcome({ state: "cancelled", at: Date.now() }))
          .commit();
        return true;
      } catch (err) {
        if (err instanceof NodeExistsError) return false;
        if (err instanceof BadVersionError) continue;
        throw err;
      }
    }
  }
}

/** One wait for an outcome: why it was stopped (session end, abort), and how to end its current sleep. */
class Halt {
  reason: unknown = undefined;
  stopped = false;
  wake: () => void = noop;
  /** Neighbours in its SessionWaits list. */
  prev: Halt | null = null;
  next: Halt | null = null;

  stop(reason: unknown): void {
    if (!this.stopped) {
      this.reason = reason;
      this.stopped = true;
    }
    this.wake();
  }
}

function noop(): void {}

/**
 * The waits of many handles that end when the client's session does: one state listener for all of
 * them (registered while any wait is on), instead of one listener added and removed per wait. The waits
 * form a linked list through their own fields: adding and removing one allocates and hashes nothing.
 */
export class SessionWaits {
  private head: Halt | null = null;

  constructor(private readonly client: ZooKeeperClient) {}

  private readonly onState = (e: StateEvent): void => {
    if (e.type !== "lost" && e.type !== "closed") return;
    const all: Halt[] = [];
    for (let w = this.head; w !== null; w = w.next) all.push(w);
    for (const w of all) w.stop(new SessionExpiredError());
  };

  add(w: Halt): void {
    if (this.head === null) this.client.on("state", this.onState);
    else this.head.prev = w;
    w.next = this.head;
    w.prev = null;
    this.head = w;
  }

  delete(w: Halt): void {
    if (w.prev !== null) w.prev.next = w.next;
    else if (this.head === w) this.head = w.next;
    else return; // not in the list
    if (w.next !== null) w.next.prev = w.prev;
    w.prev = w.next = null;
    if (this.head === null) this.client.off("state", this.onState);
  }
}

function parseJson(data: Buffer | null): unknown {
  if (data === null) return undefined;
  try {
    return JSON.parse(data.toString("utf8")) as unknown;
  } catch {
    return data.toString("utf8");
  }
}
