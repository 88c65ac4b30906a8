/**
 * Worker: an ephemeral member of <root>/workers advertising capacity, labels and task types; runs what
 * the master puts under <root>/assign/<id>. Handlers run under an AbortSignal; a handler that throws or
 * hangs fails its task, never the worker. Stale results (token no longer current) are dropped and counted.
 */
import type { StateEvent, ZooKeeperClient } from "../../client/index.js";
import { CommitBatcher } from "./execution/commit-batch.js";
import { ReadBatcher } from "../read-batch.js";
import { LifecycleError } from "../errors.js";
import { TypedEvents } from "../events.js";
import {
  CANCEL_WATCH_DELAY,
  Execution,
  type AnyHandler,
  type ExecutionEnv,
  type ExecutionReport,
} from "./execution/execution.js";
import { DelayedCalls } from "./execution/stop.js";
import { idOfKey, keyOfAssignName, Layout } from "../layout.js";
import { shellHandler } from "./raw.js";
import { SlotGate } from "./slot-gate.js";
import { AutoPrefetch } from "./prefetch.js";
import { AssignmentFeed } from "./assignments.js";
import { account, type WorkerEvents, type WorkerStats } from "./events.js";
import { registerWorker, workerInfo } from "./registration.js";
import { parseWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from "./options.js";
import { checkHandlers, loadHandlers, type HandlerSetup, type HandlerSource } from "./handlers.js";
import type { SandboxPool } from "./sandbox/pool.js";
import { ensurePath, errorText } from "../zk.js";

/** Ms after which an execution that failed (other than as stale) is run again from a listing. */
const RETRY_LISTING = 1000;

/**
 * The data of the worker's persistent `<root>/assign/<id>` folder: its concurrency, which outlives its
 * ephemeral /workers node (master/workers.ts `folderConcurrency` reads it back).
 */
function assignFolderData(concurrency: number): string {
  return JSON.stringify({ concurrency });
}

export type { WorkerEvents, WorkerStats } from "./events.js";

export class Worker extends TypedEvents<WorkerEvents> {
  readonly id: string;
  private readonly opts: ResolvedWorkerOptions;
  private readonly layout: Layout;
  private readonly handlers: Map<string, AnyHandler>;
  private readonly env: ExecutionEnv;
  private readonly running = new Map<string, Execution>();
  /** Executions reading, waiting for a slot (SlotGate) or running their handler: ≤ concurrency + 2 × prefetch. */
  private active = 0;
  private relistTimer: NodeJS.Timeout | undefined;
  private readonly queued: string[] = [];
  private readonly waiting = new Set<string>(); // the names in `queued`
  /** Names (re)created while an execution under the same name was still finishing: queued after it. */
  private readonly again = new Set<string>();
  /** Assignment data that came with its NodeCreated event, until its execution begins (or it is gone). */
  private readonly carried = new Map<string, Buffer>();
  private readonly counts = { completed: 0, failed: 0, retried: 0, stale: 0 };
  private readonly slots: SlotGate;
  private readonly stopping = new AbortController();
  private phase: "latent" | "started" | "closing" | "closed" = "latent";
  private idle: (() => void) | null = null;
  private readonly onState = (e: StateEvent): void => this.stateChanged(e);
  private readonly feed: AssignmentFeed;
  private readonly setup: HandlerSetup;
  private pool: SandboxPool | null = null;
  private readonly auto: AutoPrefetch | null; // null: prefetch fixed at opts.prefetch

  /**
   * `handlers`: `{ <type>: (ctx) => result }`, or the path / file: URL of a module exporting it
   * (required for `isolation` "thread" and "process"; loaded by start()).
   */
  constructor(
    private readonly client: ZooKeeperClient,
    handlers: HandlerSource,
    options: WorkerOptions = {},
  ) {
    const opts = parseWorkerOptions(options);
    super(opts.logger);
    this.setup = checkHandlers(handlers, opts.isolation);
    this.opts = opts;
    this.id = opts.id;
    this.layout = new Layout(opts.root);
    this.handlers = this.setup.map;
    this.env = {
      client,
      layout: this.layout,
      workerId: this.id,
      handlers: this.handlers,
      raw: opts.raw ?? (opts.rawShell ? shellHandler : null),
      hooks: {
        wants: (event) => this.listens(event),
        started: (e) => this.emit("started", e),
        committed: (e) => this.emit("committed", e),
        rejected: (e) => this.emit("rejected", e),
      },
      unsafeDisableFencing: opts.unsafeDisableFencing,
      logger: opts.logger,
      workerJson: JSON.stringify(this.id),
    };
    this.env.cancelWatches = new DelayedCalls(CANCEL_WATCH_DELAY, (ex) => ex.watchCancel());
    this.env.committer = new CommitBatcher(this.env);
    this.env.reader = new ReadBatcher(client);
    const { concurrency: c, prefetch } = opts;
    const auto = opts.prefetchAuto
      ? new AutoPrefetch(c, prefetch, (p) => this.advertise(c + p), opts.logger)
      : null;
    this.auto = auto;
    this.slots = new SlotGate(c, auto === null ? null : (ms, b) => auto.held(ms, b));
    this.env.slots = this.slots;
    this.feed = new AssignmentFeed(client, this.layout.assignDir(this.id), opts.logger, {
      added: (name, data) => this.added(name, data),
      removed: (name) => this.removed(name),
      listed: (names) => this.listed(names),
      failed: (err) => this.emit("error", err instanceof Error ? err : new Error(errorText(err))),
    });
  }

  get stats(): WorkerStats {
    return { ...this.counts, running: this.running.size, waiting: this.slots.waiting };
  }

  /** The task types it runs (a handler module's: known once start() has loaded it). */
  get types(): string[] {
    return [...this.handlers.keys()];
  }

  /** Registers in /workers and starts taking assignments. */
  async start(): Promise<void> {
    if (this.phase !== "latent") throw new LifecycleError("worker", "start", this.phase);
    this.phase = "started";
    const { layout, client } = this;
    this.pool = await loadHandlers(this.setup, this.opts.concurrency, this.opts.logger);
    await ensurePath(client, layout.workers);
    await ensurePath(client, layout.assignDir(this.id));
    // Before we can be given anything: a master that never saw our /workers node (we died before or
    // with the previous master) charges our loss to this many assignments (master/workers.ts).
    await client.setData(layout.assignDir(this.id), assignFolderData(this.opts.concurrency));
    const capacity = this.opts.concurrency + (this.auto?.current ?? this.opts.prefetch);
    await registerWorker(client, layout.worker(this.id), this.info(capacity), this.stopping.signal);
    client.on("state", this.onState);
    await this.feed.start();
  }

  private info(capacity: number): string {
    return workerInfo(this.opts, this.types, capacity);
  }

  private async advertise(capacity: number): Promise<void> {
    if (this.phase === "started") await this.client.setData(this.layout.worker(this.id), this.info(capacity));
  }

  private added(name: string, data?: Buffer | null): void {
    if (data !== undefined && data !== null) this.carried.set(name, data);
    if (this.waiting.has(name)) return;
    if (this.running.has(name)) {
      // A new assignment under the name of one still finishing (a retry handed straight back to us),
      // or the same one seen again by a listing: looked at once the execution ends.
      this.again.add(name);
      return;
    }
    this.waiting.add(name);
    this.queued.push(name);
    this.pump();
  }

  private removed(name: string): void {
    // Our own commit deletes it too (its event comes before the commit's reply): stopping a finished
    // handler changes nothing; a running one was revoked. A queued one finds it gone and skips.
    this.again.delete(name);
    this.carried.delete(name);
    this.running.get(name)?.stop("revoked");
  }

  private listed(names: ReadonlySet<string>): void {
    for (const [name, ex] of this.running) if (!names.has(name)) ex.stop("revoked");
    for (const name of this.carried.keys()) if (!names.has(name)) this.carried.delete(name);
    for (const name of this.again) if (!names.has(name)) this.again.delete(name);
    for (const name of [...names].sort()) this.added(name);
  }

  private pump(): void {
    // Up to `prefetch` more than the capacity it advertises: the master's priority overflow (master/overflow.ts).
    const cap = this.opts.concurrency + 2 * this.opts.prefetch;
    for (let i = 0; i < this.queued.length && this.active < cap;) {
      const name = this.queued[i] as string;
      // An earlier execution under the same name is still finishing: this one waits its turn.
      if (this.running.has(name)) {
        i++;
        continue;
      }
      this.queued.splice(i, 1);
      this.waiting.delete(name);
      // Counted until its handler settles (its commit goes on without counting).
      let held = true;
      this.active++;
      const free = (): void => {
        if (!held) return;
        held = false;
        this.active--;
        if (this.phase === "started" || this.phase === "closing") this.pump();
      };
      const carried = this.carried.get(name);
      this.carried.delete(name);
      const ex = new Execution(
        this.env,
        keyOfAssignName(name),
        `${this.layout.assignDir(this.id)}/${name}`,
        free,
        carried,
      );
      this.running.set(name, ex);
      if (this.phase === "closing") ex.stop("shutdown");
      void this.execute(name, ex, free);
    }
  }

  private async execute(name: string, ex: Execution, free?: () => void): Promise<void> {
    try {
      this.account(ex, await ex.run());
    } catch (err) {
      // The assignment is still ours (the master takes back only a dead worker's): it is run again when
      // the folder is next listed — after a reconnect, or RETRY_LISTING ms from now.
      this.opts.logger.warn({ err, task: idOfKey(ex.key) }, "tasks: worker could not finish an execution");
      if (!this.closed) {
        this.relistSoon();
        this.emit("error", err instanceof Error ? err : new Error(errorText(err)));
      }
    } finally {
      this.running.delete(name);
      free?.();
      if (this.again.delete(name) && !this.closed) this.added(name);
      if (this.running.size === 0) this.idle?.();
      if (this.phase === "started" || this.phase === "closing") this.pump();
    }
  }

  private account(ex: Execution, r: ExecutionReport): void {
    const emit = <K extends keyof WorkerEvents>(e: K, ...a: WorkerEvents[K]): void => this.emit(e, ...a);
    account(this.counts, emit, (e) => this.listens(e), idOfKey(ex.key), ex.token, r);
  }

  private stateChanged(e: StateEvent): void {
    if (e.type === "reconnected") this.feed.relist();
    if (e.type !== "lost") return;
    // Without a session nothing we run can be committed, and the master has already reassigned it.
    for (const ex of this.running.values()) ex.stop("session-lost");
    this.finishClose();
    this.emit("lost");
  }

  /** Graceful shutdown: advertise capacity 0 (the master stops assigning), hand back queued assignments, let
   * running handlers finish for `shutdownTimeout` ms, abort the rest (handed back, or failed "outcome unknown"
   * for started at-most-once tasks), then leave /workers. The client stays open (it is yours). */
  async close(): Promise<void> {
    if (this.phase === "closed" || this.phase === "closing") return;
    if (this.phase === "latent") {
      this.phase = "closed";
      return;
    }
    this.phase = "closing";
    this.auto?.close();
    try {
      await this.client.setData(this.layout.worker(this.id), this.info(0));
    } catch (err) {
      this.opts.logger.debug({ err }, "tasks: could not advertise draining");
    }
    // Assignments not yet running a handler (queued, reading, waiting for a slot) go back at once.
    for (const ex of this.running.values()) if (!ex.slot.had) ex.stop("shutdown");
    const handBack = this.queued.splice(0);
    this.waiting.clear();
    for (const name of handBack) {
      const ex = new Execution(this.env, keyOfAssignName(name), `${this.layout.assignDir(this.id)}/${name}`);
      ex.stop("shutdown");
      this.running.set(name, ex);
      void this.execute(name, ex);
    }
    if (this.running.size > 0) {
      const drained = new Promise<void>((r) => (this.idle = r));
      const t = setTimeout(() => {
        for (const ex of this.running.values()) ex.stop("shutdown");
      }, this.opts.shutdownTimeout);
      await drained;
      clearTimeout(t);
    }
    try {
      await this.client.delete(this.layout.worker(this.id));
    } catch (err) {
      this.opts.logger.debug({ err }, "tasks: could not leave /workers");
    }
    this.finishClose();
  }

  private get closed(): boolean {
    return this.phase === "closed";
  }

  /** One listing of the assignment folder RETRY_LISTING ms from now (however many executions failed). */
  private relistSoon(): void {
    if (this.relistTimer !== undefined) return;
    this.relistTimer = setTimeout(() => {
      this.relistTimer = undefined;
      if (!this.closed) this.feed.relist();
    }, RETRY_LISTING);
  }

  private finishClose(): void {
    clearTimeout(this.relistTimer);
    this.phase = "closed";
    this.feed.close();
    this.stopping.abort();
    this.client.off("state", this.onState);
    this.pool?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
