/**
 * One term of the active master: rebuild the whole picture from ZooKeeper (never from a predecessor),
 * then keep it current through one-shot watches and assign. One loop does everything, so no two steps
 * of a term interleave; watches only mark what must be read again and wake the loop.
 */
import { NoNodeError, type ZooKeeperClient } from "../client/index.js";
import type { LeaderElection, LeadershipTerm } from "../recipes/index.js";
import { BUCKET_PREFIX, RAW_PREFIX, keyOfAssignName, type Layout } from "./layout.js";
import type { ResolvedMasterOptions } from "./master-options.js";
import { ClusterState, readTask } from "./master-state.js";
import {
  claimMasterNode,
  commitAssignments,
  ensureFenced,
  failTask,
  recoverAssignment,
  removeFinished,
  type Pick,
  type TermHooks,
  type WriteContext,
} from "./master-writes.js";
import { decodeWorkerInfo } from "./worker-options.js";
import { mapLimit } from "./zk.js";

const READ_WIDTH = 256;

export class MasterTerm {
  readonly state = new ClusterState();
  private readonly ctx: WriteContext;
  private readonly refresh = new Set<string>();
  private readonly dirtyAssign = new Set<string>();
  private readonly dirtyWorkerData = new Set<string>();
  private readonly dirtyBuckets = new Set<string>();
  private readonly dead = new Set<string>();
  private readonly bucketNames = new Map<string, Set<string>>();
  private rawNames = new Set<string>();
  private dirtyWorkers = true;
  private dirtyAssignRoot = true;
  private dirtyRoot = true;
  private dirtyPaused = true;
  private paused = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private retainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly layout: Layout,
    election: LeaderElection,
    private readonly term: LeadershipTerm,
    private readonly opts: ResolvedMasterOptions,
    private readonly hooks: TermHooks,
  ) {
    this.ctx = {
      client,
      layout,
      election,
      term,
      state: this.state,
      refresh: this.refresh,
      hooks,
      unsafe: opts.unsafeDisableEpochFence,
    };
  }

  private get live(): boolean {
    return !this.term.signal.aborted;
  }

  private kick = (): void => {
    const w = this.wake;
    this.wake = null;
    w?.();
  };

  private mark<T>(set: Set<T>, v: T): () => void {
    return () => {
      set.add(v);
      this.kick();
    };
  }

  async run(): Promise<void> {
    this.term.signal.addEventListener("abort", this.kick, { once: true });
    await claimMasterNode(this.ctx, this.opts.id);
    for (const p of [this.layout.tasks, this.layout.workers, this.layout.assign])
      await ensureFenced(this.ctx, p);
    try {
      while (this.live) {
        await this.readChanges();
        if (!this.live) break;
        const n = await this.assignRound();
        await this.retain();
        if (n === 0 && !this.hasWork()) await this.sleep();
      }
    } finally {
      clearTimeout(this.timer);
      clearTimeout(this.retainTimer);
    }
  }

  private hasWork(): boolean {
    return (
      this.dirtyWorkers ||
      this.dirtyAssignRoot ||
      this.dirtyRoot ||
      this.dirtyPaused ||
      this.refresh.size +
        this.dirtyAssign.size +
        this.dirtyWorkerData.size +
        this.dirtyBuckets.size +
        this.dead.size >
        0
    );
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (!this.live) resolve();
    });
  }

  /** Order matters on the first pass: workers, then assignments, then tasks (so assigned ones aren't pending). */
  private async readChanges(): Promise<void> {
    const { client, layout } = this;
    if (this.dirtyPaused) {
      this.dirtyPaused = false;
      this.paused =
        (await client.exists(layout.paused, { watch: () => ((this.dirtyPaused = true), this.kick()) })) !==
        null;
    }
    if (this.dirtyWorkers) await this.readWorkers();
    for (const w of take(this.dirtyWorkerData)) await this.readWorkerInfo(w);
    if (this.dirtyAssignRoot) {
      this.dirtyAssignRoot = false;
      for (const dir of await client.getChildren(layout.assign)) {
        if (this.state.workers.has(dir)) this.dirtyAssign.add(dir);
        else this.dead.add(dir);
      }
    }
    for (const w of take(this.dead)) await this.recoverWorker(w);
    for (const w of take(this.dirtyAssign)) await this.readAssignments(w);
    if (this.dirtyRoot) await this.readRoot();
    for (const b of take(this.dirtyBuckets)) await this.readBucket(b);
    if (this.refresh.size > 0) await this.readTasks(take(this.refresh));
  }

  private async readWorkers(): Promise<void> {
    this.dirtyWorkers = false;
    const names = new Set(
      await this.client.getChildren(this.layout.workers, {
        watch: () => ((this.dirtyWorkers = true), this.kick()),
      }),
    );
    for (const id of this.state.workers.keys()) if (!names.has(id)) this.dead.add(id);
    for (const id of names) if (!this.state.workers.has(id)) await this.readWorkerInfo(id);
  }

  private async readWorkerInfo(id: string): Promise<void> {
    try {
      const { data } = await this.client.getData(this.layout.worker(id), {
        watch: this.mark(this.dirtyWorkerData, id),
      });
      const entry = this.state.workers.get(id);
      if (entry !== undefined) entry.info = decodeWorkerInfo(data);
      else {
        this.state.workers.set(id, { id, info: decodeWorkerInfo(data), assigned: new Set() });
        // The seed's master makes /assign/<worker> when a worker appears.
        await ensureFenced(this.ctx, this.layout.assignDir(id));
        this.dirtyAssign.add(id);
      }
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      if (this.state.workers.has(id)) this.dead.add(id);
    }
  }

  private async recoverWorker(id: string): Promise<void> {
    let names: string[];
    try {
      names = await this.client.getChildren(this.layout.assignDir(id));
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      names = [];
    }
    const keys = new Set([...names.map(keyOfAssignName), ...(this.state.workers.get(id)?.assigned ?? [])]);
    this.state.workers.delete(id);
    await mapLimit([...keys], 32, (key) => recoverAssignment(this.ctx, id, key));
    if (keys.size > 0) this.hooks.recovered(id, keys.size);
  }

  private async readAssignments(id: string): Promise<void> {
    const entry = this.state.workers.get(id);
    if (entry === undefined) return;
    let names: string[];
    try {
      names = await this.client.getChildren(this.layout.assignDir(id), {
        watch: this.mark(this.dirtyAssign, id),
      });
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      await ensureFenced(this.ctx, this.layout.assignDir(id));
      this.dirtyAssign.add(id);
      return;
    }
    const keys = new Set(names.map(keyOfAssignName));
    for (const key of keys) if (!entry.assigned.has(key)) this.state.assign(key, id);
    // Gone without us: finished, retried, handed back or cancelled. The task node says which.
    for (const key of [...entry.assigned]) {
      if (keys.has(key)) continue;
      this.state.unassign(key);
      this.refresh.add(key);
    }
  }

  private async readRoot(): Promise<void> {
    this.dirtyRoot = false;
    const names = await this.client.getChildren(this.layout.tasks, {
      watch: () => ((this.dirtyRoot = true), this.kick()),
    });
    const raw = new Set<string>();
    for (const name of names) {
      if (name.startsWith(BUCKET_PREFIX)) {
        if (!this.bucketNames.has(name)) {
          this.bucketNames.set(name, new Set());
          this.dirtyBuckets.add(name);
        }
      } else if (name.startsWith(RAW_PREFIX)) {
        raw.add(name);
        if (!this.state.knows(name)) this.refresh.add(name);
      }
    }
    for (const name of this.rawNames) if (!raw.has(name)) this.state.forget(name);
    this.rawNames = raw;
  }

  private async readBucket(bucket: string): Promise<void> {
    const names = new Set(
      await this.client.getChildren(this.layout.bucket(bucket), {
        watch: this.mark(this.dirtyBuckets, bucket),
      }),
    );
    const known = this.bucketNames.get(bucket) ?? new Set<string>();
    for (const name of names)
      if (!known.has(name) && !this.state.knows(`${bucket}/${name}`)) this.refresh.add(`${bucket}/${name}`);
    for (const name of known) if (!names.has(name)) this.state.forget(`${bucket}/${name}`);
    this.bucketNames.set(bucket, names);
  }

  private async readTasks(keys: string[]): Promise<void> {
    const readings = await mapLimit(keys, READ_WIDTH, async (key) => {
      const [t, s] = await this.client.multiRead([
        { type: "getData", path: this.layout.task(key) },
        { type: "getData", path: this.layout.status(key) },
      ]);
      return { key, r: readTask(key, t, s) };
    });
    for (const { key, r } of readings) {
      if (this.state.assigned.has(key)) continue;
      if (r.kind === "gone") this.state.forget(key);
      else if (r.kind === "finished") this.state.finish(key, r.at);
      else if (r.kind === "pending") this.state.addPending(r.task);
      else await failTask(this.ctx, key, r.version, r.reason).catch(() => this.refresh.add(key));
    }
  }

  private async assignRound(): Promise<number> {
    const { state } = this;
    clearTimeout(this.timer);
    // A pause made after this pass read the flag has already been notified (ZooKeeper delivers the watch
    // event before any later read's reply), so a pending re-read means: do not assign on stale knowledge.
    if (this.paused || this.dirtyPaused || state.pending.size === 0) return 0;
    let free = state.freeCapacity();
    if (free === 0) return 0;
    const views = state.workerViews();
    const byId = new Map(views.map((v) => [v.id, v as { load: number }]));
    const now = Date.now();
    let nextWake = Infinity;
    const picks: Pick[] = [];
    for (const task of state.ordered()) {
      if (free === 0) break;
      if (!state.pending.has(task.key)) continue;
      if (task.notBefore > now) {
        nextWake = Math.min(nextWake, task.notBefore);
        continue;
      }
      const id = this.opts.scheduler.pick(task, views);
      const view = id === null ? undefined : byId.get(id);
      if (id === null || view === undefined) continue;
      view.load++;
      free--;
      picks.push({ task, worker: id });
    }
    if (nextWake !== Infinity) this.timer = setTimeout(this.kick, Math.max(1, nextWake - now));
    let done = 0;
    for (let i = 0; i < picks.length; i += this.opts.batchSize)
      done += await commitAssignments(this.ctx, picks.slice(i, i + this.opts.batchSize));
    return done;
  }

  private async retain(): Promise<void> {
    const { maxAge, maxCount } = this.opts.retention;
    if (maxAge === Infinity && maxCount === Infinity) return;
    const finished = [...this.state.finished.entries()].sort((a, b) => a[1] - b[1]);
    const cutoff = Date.now() - maxAge;
    const excess = finished.length - maxCount;
    const drop = finished.filter(([, at], i) => i < excess || at <= cutoff).map(([k]) => k);
    for (let i = 0; i < drop.length; i += 100) await removeFinished(this.ctx, drop.slice(i, i + 100));
    const oldest = finished.find(([k]) => this.state.finished.has(k));
    clearTimeout(this.retainTimer);
    if (maxAge !== Infinity && oldest !== undefined)
      this.retainTimer = setTimeout(this.kick, Math.max(1, oldest[1] + maxAge - Date.now()));
  }
}

function take<T>(set: Set<T>): T[] {
  const items = [...set];
  set.clear();
  return items;
}
