/**
 * One term of the active master: rebuild the whole picture from ZooKeeper (never from a predecessor),
 * then keep it current and assign. Changes to tasks arrive through one persistent recursive watch on
 * `<root>/tasks` (see master-events.ts), registered before the initial load, so no bucket is listed
 * twice; workers and the pause flag through one-shot watches. One loop reads and writes, so no two
 * steps of a term interleave; watch events only update the picture and wake the loop.
 */
import type { PersistentWatch, ReadOpResult, Transaction, ZooKeeperClient } from "../../client/index.js";
import type { LeaderElection, LeadershipTerm } from "../../recipes/index.js";
import { BUCKET_PREFIX, RAW_PREFIX, type Layout } from "../layout.js";
import { applyTaskEvent } from "./events.js";
import type { ResolvedMasterOptions } from "./options.js";
import { pickTasks, toRetain } from "./round.js";
import { ClusterState } from "./state.js";
import { TaskReader } from "./reads.js";
import {
  claimMasterNode,
  commitAssignments,
  ensureFenced,
  removeFinished,
  type Pick,
  type TermHooks,
  type WriteContext,
} from "./writes.js";
import { TermWorkers, take } from "./workers.js";
import { TermLimits } from "./limits.js";
import { ScheduleFirer } from "./schedules.js";
import { ReadBatcher } from "../read-batch.js";
import { bestEffort } from "../logger.js";
import { TaskRetention } from "./task-retention.js";
import { FlowTracker } from "./flows.js";
import { mapLimit, watchRecursive } from "../zk.js";

const COMMIT_WIDTH = 4;
const NO_PICKS: Pick[] = [];

export class MasterTerm {
  readonly state = new ClusterState();
  private readonly tasks: TaskReader;
  private readonly workers: TermWorkers;
  private readonly limits: TermLimits;
  /** The time of the last pick: the start time its assignments carry. */
  private pickedAt = 0;
  private readonly ctx: WriteContext;
  private readonly refresh = new Set<string>();
  /** Tasks whose reading came with their watch event (master/events.ts), to apply without a read. */
  private known = new Map<string, ReadOpResult>();
  private readonly watches: PersistentWatch[] = [];
  private dirtyPaused = true;
  private paused = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private retainTimer: NodeJS.Timeout | undefined;
  /** Assignment multis in flight: the loop goes on while they commit (their picks count as assigned). */
  private readonly commits = new Set<Promise<void>>();
  /** Background task reads in flight (see readInBackground). */
  private readonly reading = new Set<Promise<void>>();
  private failure: Error | null = null;
  /** Whether retention removes anything at all (else no pass looks at finished tasks). */
  private readonly retaining: boolean;
  /** removeOnComplete / removeOnFail of the tasks that carry them. */
  private readonly perTask: TaskRetention;
  /** Flows: which flow tasks may run, and when their parents may (master/flows.ts). */
  private readonly flows: FlowTracker;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly layout: Layout,
    election: LeaderElection,
    private readonly term: LeadershipTerm,
    private readonly opts: ResolvedMasterOptions,
    hooks: TermHooks,
  ) {
    this.ctx = {
      client,
      layout,
      election,
      term,
      state: this.state,
      refresh: this.refresh,
      fresh: new Map(),
      hooks,
      unsafe: opts.unsafeDisableEpochFence,
    };
    this.workers = new TermWorkers(this.ctx, this.kick);
    this.limits = new TermLimits(this.ctx, this.kick, opts.logger);
    this.retaining = opts.retention.maxAge !== Infinity || opts.retention.maxCount !== Infinity;
    this.perTask = new TaskRetention(client, layout);
    const reads = new ReadBatcher(client);
    this.flows = new FlowTracker(
      this.ctx,
      reads,
      this.kick,
      (err) => (this.failure ??= err),
      opts.flowOrphanTimeout,
    );
    this.state.onFinish = (key) => this.flows.finished(key);
    this.tasks = new TaskReader(
      client,
      layout,
      reads,
      this.state,
      this.ctx,
      opts.retention,
      this.perTask,
      this.flows,
    );
  }

  private get live(): boolean {
    return !this.term.signal.aborted;
  }

  /** Set by every wake-up; a pass that begins clears it, so a kick during a pass is never lost. */
  private poked = false;

  private kick = (): void => {
    this.poked = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  };

  async run(): Promise<void> {
    this.term.signal.addEventListener("abort", this.kick, { once: true });
    // Schedules fire beside the assignment loop; a fenced-out firing ends the term like any other write.
    const schedules = new ScheduleFirer(this.ctx, {
      now: Date.now,
      logger: this.opts.logger,
      onFenced: (err) => ((this.failure ??= err), this.kick()),
    });
    try {
      await claimMasterNode(this.ctx, this.opts.id);
      for (const p of [this.layout.tasks, this.layout.workers, this.layout.assign])
        await ensureFenced(this.ctx, p);
      this.watches.push(
        await watchRecursive(
          this.client,
          this.layout.tasks,
          (e) => {
            if (applyTaskEvent(this.state, this.refresh, this.known, this.layout.tasks, e)) this.kick();
            this.perTask.event(this.layout.tasks, e);
          },
          this.opts.logger,
        ),
      );
      await this.load();
      await this.limits.start();
      // Tasks assigned before this term were not read: their policies are read when they finish.
      this.perTask.adopt(this.state.assigned.keys());
      await schedules.start();
      // Every task read once before the first assignment (priority order over the backlog; reads.ts).
      await this.readChanges(true);
      while (this.live) {
        this.poked = false;
        // Coalesce: let every event already received be applied before this pass reads and assigns.
        await new Promise((r) => setImmediate(r));
        if (this.failure !== null) throw this.failure;
        // Most passes have nothing but tasks to read (in the background) and assign: no await for the rest.
        if (this.dirtyPaused || this.workers.dirty || this.limits.dirty) await this.readChanges();
        else this.readInBackground();
        this.flows.run();
        if (!this.live) break;
        const picks = this.pick();
        if (picks.length > 0) await this.sendAll(picks);
        this.ctx.fresh.clear();
        if (this.retaining || this.perTask.active) await this.retain();
        if (picks.length === 0 && !this.hasWork()) await this.sleep();
      }
      await Promise.all([...this.commits, ...this.reading, this.flows.idle()]);
    } finally {
      await schedules.stop();
      clearTimeout(this.timer);
      clearTimeout(this.retainTimer);
      this.limits.close();
      this.flows.close();
      for (const w of this.watches) void bestEffort(this.opts.logger, "removing a master watch", w.close());
      // Settled (they never reject) before a next term of the same leadership rebuilds its picture, so
      // that rebuild sees every assignment and start record this one made.
      await Promise.all(this.commits);
    }
  }

  private hasWork(): boolean {
    return (
      this.poked ||
      this.dirtyPaused ||
      this.workers.dirty ||
      this.limits.dirty ||
      this.refresh.size > 0 ||
      this.known.size > 0
    );
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (!this.live) resolve();
    });
  }

  /** The initial picture, in order: workers, their assignments (and dead ones'), then every task. */
  private async load(): Promise<void> {
    const { client, layout } = this;
    await this.workers.load();
    const raw: string[] = [];
    const buckets: string[] = [];
    for (const name of await client.getChildren(layout.tasks)) {
      if (name.startsWith(BUCKET_PREFIX)) buckets.push(name);
      else if (name.startsWith(RAW_PREFIX)) raw.push(name);
    }
    for (const name of raw) if (!this.state.knows(name)) this.refresh.add(name);
    await mapLimit(buckets, 8, async (b) => {
      for (const name of await client.getChildren(layout.bucket(b)))
        if (!this.state.knows(`${b}/${name}`)) this.refresh.add(`${b}/${name}`);
    });
  }

  private async readChanges(waitForTasks = false): Promise<void> {
    const { client, layout } = this;
    if (this.dirtyPaused) {
      this.dirtyPaused = false;
      this.paused =
        (await client.exists(layout.paused, { watch: () => ((this.dirtyPaused = true), this.kick()) })) !==
        null;
    }
    await this.workers.refresh();
    if (this.limits.dirty) {
      await this.limits.refresh();
      await this.limits.prepare();
      await this.limits.sweep(Date.now());
    }
    if (waitForTasks) {
      const known = this.takeKnown();
      if (known !== null) void this.tasks.applyKnown(known, (rest) => this.track(rest));
      await this.tasks.read(take(this.refresh), (rest) => this.track(rest));
    } else this.readInBackground();
  }

  /** The readings that came with events, less the keys to read again anyway (a later refresh wins). */
  private takeKnown(): Map<string, ReadOpResult> | null {
    const known = this.known;
    if (known.size === 0) return null;
    for (const key of this.refresh) known.delete(key);
    this.known = new Map();
    return known;
  }

  /**
   * New and changed tasks are read while the loop goes on assigning what it already knows: a burst of
   * submissions must not stall the workers (20,000 new tasks take the master about a second to read).
   * Readings apply as they arrive; the assignment multi's version check catches any made stale since.
   */
  private readInBackground(): void {
    const known = this.takeKnown();
    if (known !== null) {
      const rest = this.tasks.applyKnown(known);
      if (rest !== null) this.track(rest);
    }
    if (this.refresh.size === 0) return;
    const keys = take(this.refresh);
    this.track(
      this.tasks.read(keys).catch((err: unknown) => {
        for (const k of keys) this.refresh.add(k);
        throw err;
      }),
    );
  }

  /** A read beside the loop: a failure ends the term; its end wakes the loop. */
  private track(p: Promise<void>): void {
    const tracked: Promise<void> = p
      .catch((err: unknown) => void (this.failure ??= err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.reading.delete(tracked);
        this.kick();
      });
    this.reading.add(tracked);
  }

  /** What this pass assigns (nothing while paused). */
  private pick(): Pick[] {
    const { state } = this;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // A pause made after this pass read the flag has already been notified (ZooKeeper delivers the watch
    // event before any later read's reply), so a pending re-read means: do not assign on stale knowledge.
    if (this.paused || this.dirtyPaused || state.pending.size === 0) return NO_PICKS;
    this.pickedAt = Date.now();
    const { picks, nextWake } = pickTasks(state, this.opts.scheduler, this.pickedAt, this.limits.gate());
    if (nextWake !== Infinity) this.timer = setTimeout(this.kick, Math.max(1, nextWake - Date.now()));
    return picks;
  }

  private async sendAll(picks: Pick[]): Promise<void> {
    const size = this.opts.batchSize;
    for (let i = 0; i < picks.length; i += size) {
      while (this.commits.size >= COMMIT_WIDTH) await Promise.race(this.commits);
      this.send(picks.length <= size ? picks : picks.slice(i, i + size));
    }
  }

  /** Sends one assignment multi; its picks count as assigned at once, and are taken back if it fails. */
  private send(picks: Pick[]): void {
    for (const { task, worker } of picks) this.state.assign(task.key, worker, task);
    const at = this.pickedAt;
    const limits = this.limits;
    const extra =
      limits.configs.size === 0
        ? undefined
        : (tx: Transaction, todo: readonly Pick[]) => limits.persist(tx, todo, at);
    const p: Promise<void> = commitAssignments(this.ctx, picks, at, extra)
      .then(() => undefined)
      .catch((err: unknown) => {
        for (const { task } of picks) this.state.unassign(task.key);
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.commits.delete(p);
        this.kick();
      });
    this.commits.add(p);
  }

  private async retain(): Promise<void> {
    await this.perTask.settle();
    const { drop: due, nextAt } = toRetain(this.state, this.opts.retention, Date.now(), this.perTask);
    const drop = due.filter((key) => !this.flows.holds(key));
    for (let i = 0; i < drop.length; i += 100) await removeFinished(this.ctx, drop.slice(i, i + 100));
    clearTimeout(this.retainTimer);
    if (nextAt !== Infinity) this.retainTimer = setTimeout(this.kick, Math.max(1, nextAt - Date.now()));
  }
}
