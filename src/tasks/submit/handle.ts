/**
 * TaskHandle: the submitter's view of one structured task. Outcomes arrive through a one-shot watch on
 * the task's status node (never polling); cancel is a version-checked multi, so it races cleanly with
 * the worker's commit: exactly one of them wins.
 */
import {
  BadVersionError,
  InvalidArgumentError,
  NodeExistsError,
  NoNodeError,
  type WatchCallback,
  type ZooKeeperClient,
} from "../../client/index.js";
import { readTask, parseJson, type TaskState } from "../admin/inspect.js";
import { decodeOutcome, encodeOutcome, type TaskOutcome } from "../envelope.js";
import { TaskCancelledError, TaskFailedError, TaskNotFoundError } from "../errors.js";
import type { Layout } from "../layout.js";
import type { ReadBatcher } from "../read-batch.js";
import { OutcomeWait, SessionWaits } from "./handle-wait.js";
import { ProgressFollow, type ProgressListener } from "./handle-progress.js";
import { SILENT } from "../logger.js";
import { readTaskLog, type TaskLog } from "../worker/execution/task-log.js";

export { SessionWaits } from "./handle-wait.js";

export type { TaskState } from "../admin/inspect.js";

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
  /** Made with the first progress listener. */
  #progress: ProgressFollow | undefined;

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

  /** The task's state by the cluster reader's rules (admin/inspect.ts); TaskNotFoundError if it is gone. */
  async status(): Promise<TaskStatus> {
    const r = await readTask(this.client, this.layout, this.key, { progress: true });
    if (r === null) throw new TaskNotFoundError(this.id);
    const finished = r.outcome !== null && r.outcome.state !== "cancelled";
    const attempt = finished ? r.attempt : r.failures;
    return r.outcome === null
      ? { state: r.state, attempt, progress: r.progress }
      : { state: r.state, attempt, progress: r.progress, outcome: r.outcome };
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
   * Progress as handlers report it, pushed (a persistent watch on the task, no polling) until the task
   * ends or the last listener is removed. The listener gets the value and the TaskEvent it came in.
   */
  on(event: "progress", listener: ProgressListener): this {
    if (event !== "progress")
      throw new InvalidArgumentError("event", `expected "progress", got ${String(event)}`);
    this.#progress ??= new ProgressFollow(this.client, this.layout.root, this.id, SILENT);
    this.#progress.listeners.add(listener);
    return this;
  }

  off(event: "progress", listener: ProgressListener): this {
    const p = this.#progress;
    if (event !== "progress" || p === undefined) return this;
    p.listeners.delete(listener);
    if (p.listeners.size === 0) {
      this.#progress = undefined;
      void p.close();
    }
    return this;
  }

  /** The task's log lines (`ctx.log` in its handlers, every attempt), oldest first. */
  logs(): Promise<TaskLog> {
    return readTaskLog(this.client, this.layout, this.key);
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
  outcome(signal?: AbortSignal): Promise<TaskOutcome> {
    // A small state machine rather than an async loop: a waiting handle holds one object and the
    // watch's callback, not a suspended generator with its promises (many handles wait at once).
    return new Promise((resolve, reject) => {
      const w = new OutcomeWait(this, this.waits ?? new SessionWaits(this.client), resolve, reject);
      w.begin(signal);
    });
  }

  /** @internal For OutcomeWait: lists the task's children with a one-shot watch (fires when `status`
   * or `progress` appears); fails with NoNode if the task is gone. */
  listChildren(watch: () => void): Promise<string[]> {
    return this.client.getChildren(this.path, { watch });
  }

  /** @internal For OutcomeWait: the server's watch events carry data (PROTOCOL.md §10). */
  get eventsCarryData(): boolean {
    return this.client.eventsCarryData;
  }

  /** @internal For OutcomeWait: an exists watch on the status node; true if it exists already. */
  watchStatus(watch: WatchCallback): Promise<boolean> {
    return this.client.exists(this.statusPath, { watch }).then((s) => s !== null);
  }

  /** @internal For OutcomeWait: drops its watch on the status node (best effort); other waits' stay. */
  dropStatusWatch(watch: WatchCallback): void {
    this.client.removeWatcher(this.statusPath, watch).catch(() => undefined);
  }

  /** @internal For OutcomeWait: the outcome in a status node's data (told to the observer). */
  outcomeOf(data: Buffer | null): TaskOutcome {
    const outcome = decodeOutcome(data);
    this.observe?.(outcome, this);
    return outcome;
  }

  /** @internal For OutcomeWait: the stored outcome (told to the observer), or null when there is none. */
  async readOutcome(): Promise<TaskOutcome | null> {
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
