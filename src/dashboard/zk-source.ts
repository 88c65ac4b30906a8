/**
 * ZkClusterSource: one persistent recursive watch on `<root>` marks what changed; changes are coalesced
 * and re-read (each re-read sets a record from ZooKeeper's current truth, so event order never matters).
 * A full read runs at start and after every reconnect (a persistent watch misses what changed while
 * disconnected). Every read has a deadline (`requestTimeout`), and a failed pass is followed by a full
 * read (refresher.ts), so no request can leave the view stale. No polling: the only other timer fires
 * when a delayed task becomes due.
 */
import {
  NoAuthError,
  type Logger,
  type PersistentWatch,
  type StateEvent,
  type ZooKeeperClient,
} from "../client/index.js";
import {
  assignmentOfPath,
  FINAL_STATES,
  Layout,
  listAssignments,
  listTaskKeys,
  SILENT,
} from "../tasks/index.js";
import { readTaskDetail } from "./detail.js";
import { classify, type Dirty } from "./dirty.js";
import { MetaState } from "./meta.js";
import { Refresher } from "./refresher.js";
import { TaskIndex } from "./task-index.js";
import type {
  ClusterEvent,
  ClusterSource,
  Overview,
  SessionState,
  TaskDetail,
  TaskPage,
  TaskQuery,
} from "./types.js";
import { boundedReader, eachLimit, readAssignment, readTaskEntry, type Reader } from "./zk-reads.js";

export interface ZkSourceOptions {
  client: ZooKeeperClient;
  /** Cluster root; default "/". */
  root?: string;
  logger?: Logger;
  /** How long changes are gathered before they are read (ms). Default 20. */
  coalesceMs?: number;
  /** Reads in flight during a full read. Default 128. */
  concurrency?: number;
  /**
   * Deadline of every read (ms); a pass with a read that timed out is followed by a full read.
   * Default 10000; 0 leaves it to the client's `requestTimeout`.
   */
  requestTimeout?: number;
}

export class ZkClusterSource implements ClusterSource {
  private readonly client: ZooKeeperClient;
  private readonly reads: Reader;
  private readonly layout: Layout;
  private readonly log: Logger;
  private readonly width: number;
  private index = new TaskIndex();
  private readonly meta: MetaState;
  private session: SessionState;
  private ready = false;
  private readonly delayed = new Map<string, number>();
  private readonly refresher: Refresher;
  private watch: PersistentWatch | null = null;
  private dueTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly changeListeners = new Set<() => void>();
  private readonly eventListeners = new Set<(e: ClusterEvent) => void>();
  private readonly onState = (e: StateEvent): void => {
    this.session = e.type;
    if (e.type === "reconnected") this.refresher.mark((d) => (d.full = true));
    this.notify();
  };

  constructor(opts: ZkSourceOptions) {
    this.client = opts.client;
    this.layout = new Layout(opts.root);
    this.log = opts.logger ?? SILENT;
    this.width = opts.concurrency ?? 128;
    this.reads = boundedReader(this.client, opts.requestTimeout ?? 10_000);
    this.session = this.client.state;
    this.meta = new MetaState(this.reads, this.layout, (e) => this.emit(e));
    this.refresher = new Refresher({
      coalesceMs: opts.coalesceMs ?? 20,
      apply: (d) => this.apply(d),
      passed: () => this.notify(),
      log: this.log,
    });
  }

  async start(): Promise<void> {
    this.client.on("state", this.onState);
    this.session = this.client.state;
    // A root this identity may not read is a mistake to report now (wrong --sasl-user, a creator ACL),
    // not a failing read to retry for ever: NoAuth is not retriable.
    await this.client.getChildren(this.layout.root).catch((err: unknown) => {
      if (err instanceof NoAuthError) throw err;
    });
    // Watch first, then read: a change during the read is marked dirty and read again afterwards.
    this.watch = await this.client.addWatch(this.layout.root, { recursive: true });
    void this.pump(this.watch);
    this.refresher.dirty.full = true;
    await this.refresher.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.dueTimer);
    const passes = this.refresher.close();
    this.client.off("state", this.onState);
    // Closing after the session ended cannot remove the server-side watch; that is fine, it went with the session.
    await this.watch
      ?.close()
      .catch((err: unknown) => this.log.debug({ err }, "dashboard: removing the watch failed"));
    await passes;
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onEvent(listener: (e: ClusterEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  overview(): Overview {
    const running = this.index.runningByWorker();
    const counts = this.index.stateCounts();
    const master = this.meta.currentMaster();
    return {
      root: this.layout.root,
      session: this.session,
      ready: this.ready,
      master,
      backups: this.meta.election.candidates.filter((c) => c !== master?.id),
      paused: this.meta.paused,
      workers: [...this.meta.workers.values()]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((w) => {
          const tasks = running.get(w.id) ?? [];
          return { ...w, running: tasks.length, tasks: tasks.slice(0, 20) };
        }),
      counts,
      total: this.index.size,
      failures: this.index.failures(),
      failovers: this.meta.failovers,
    };
  }

  tasks(query: TaskQuery): TaskPage {
    return this.index.page(query);
  }

  task(key: string): Promise<TaskDetail | null> {
    return readTaskDetail(this.reads, this.layout, this.index, key);
  }

  private async pump(watch: PersistentWatch): Promise<void> {
    try {
      for await (const ev of watch) {
        if (this.closed) return;
        if (classify(this.layout.root, ev.path, ev.type, this.refresher.dirty)) this.refresher.schedule();
      }
    } catch (err) {
      if (!this.closed) this.log.warn({ err }, "dashboard: the cluster watch failed");
      return;
    }
    // The iterator ends only when the session ends or the watch is removed: say so instead of going stale.
    if (!this.closed) this.log.warn("dashboard: the cluster watch ended; the view no longer updates");
  }

  private async apply(d: Dirty): Promise<void> {
    if (d.full) return this.fullRead();
    const c = this.reads;
    const l = this.layout;
    await this.meta.apply(d);
    const tasks = new Set(d.tasks);
    for (const w of d.assignDirs)
      if ((await c.exists(l.assignDir(w))) === null)
        for (const k of this.index.deleteWorkerAssignments(w)) tasks.add(k);
    const started: string[] = [];
    await eachLimit([...d.assigns], this.width, async (rel) => {
      const r = await readAssignment(c, l, assignmentOfPath(rel));
      tasks.add(r.key);
      if (r.assignment === null) return this.index.deleteAssignment(r.key, r.worker);
      const before = this.index.assignment(r.key);
      this.index.setAssignment(r.assignment);
      if (before === undefined || before.ctime !== r.assignment.ctime) started.push(r.key);
    });
    const prevStarted = new Map(started.map((k) => [k, this.index.get(k)?.startedAt ?? null]));
    await eachLimit([...tasks], this.width, (k) => this.refreshTask(k, true));
    for (const [key, before] of prevStarted) {
      const e = this.index.get(key);
      const a = this.index.assignment(key);
      if (e === undefined || a === undefined) continue;
      const waitMs = Math.max(0, a.ctime - e.submittedAt);
      this.emit({ type: "assigned", key, worker: a.worker, waitMs, reassigned: before !== null });
    }
    this.armDue();
  }

  private async refreshTask(key: string, live: boolean): Promise<void> {
    const before = this.index.get(key)?.state;
    const got = await readTaskEntry(this.reads, this.layout, this.index, key);
    if (got === null) {
      this.index.delete(key);
      this.delayed.delete(key);
      return;
    }
    const e = got.entry;
    this.index.set(e);
    if (e.state === "delayed") this.delayed.set(key, got.notBefore);
    else this.delayed.delete(key);
    if (live && FINAL_STATES.has(e.state) && (before === undefined || !FINAL_STATES.has(before))) {
      const runMs =
        e.startedAt !== null && e.finishedAt !== null ? Math.max(0, e.finishedAt - e.startedAt) : null;
      const turnaroundMs = Math.max(0, (e.finishedAt ?? e.submittedAt) - e.submittedAt);
      this.emit({
        type: "finished",
        key,
        state: e.state as "done" | "failed" | "cancelled",
        reason: e.state === "failed" ? e.reason : "",
        runMs,
        turnaroundMs,
      });
    }
  }

  private async fullRead(): Promise<void> {
    const c = this.reads;
    const l = this.layout;
    await this.meta.readAll(this.ready);
    const fresh = new TaskIndex();
    const prev = this.index;
    this.index = fresh;
    try {
      const assigns = await listAssignments(c, l);
      await eachLimit(assigns, this.width, async (ref) => {
        const r = await readAssignment(c, l, ref);
        if (r.assignment !== null) fresh.setAssignment(r.assignment);
      });
      this.delayed.clear();
      const keys = await listTaskKeys(c, l);
      await eachLimit(keys, this.width, (k) => this.refreshTask(k, false));
    } catch (err) {
      this.index = prev;
      throw err;
    }
    this.ready = true;
    this.armDue();
  }

  /** One timer for the earliest delayed task: when it is due, its state is read again. */
  private armDue(): void {
    clearTimeout(this.dueTimer);
    let next = Infinity;
    for (const t of this.delayed.values()) next = Math.min(next, t);
    if (next === Infinity || this.closed) return;
    this.dueTimer = setTimeout(
      () => {
        const now = Date.now();
        this.refresher.mark((d) => {
          for (const [k, t] of this.delayed) if (t <= now) d.tasks.add(k);
        });
      },
      Math.max(0, next - Date.now()) + 5,
    );
    this.dueTimer.unref();
  }

  private emit(e: ClusterEvent): void {
    for (const l of this.eventListeners) this.call(() => l(e));
  }

  private notify(): void {
    for (const l of this.changeListeners) this.call(l);
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, "dashboard: a listener threw");
    }
  }
}
