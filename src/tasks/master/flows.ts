/**
 * The master's side of flows: which flow tasks may run, and when a parent may. Everything here is
 * rebuilt from ZooKeeper each term (the tasks' `flow` links, the parents' `<task>/flow` lists and which
 * tasks have a `status`), and every decision is carried out by a fenced, version-checked write
 * (flow-writes.ts), so a failover mid-flow neither loses nor repeats one.
 *
 * - A flow task is *held* (not pending) until its parent is admitted; a root is admitted at once. The
 *   submitter writes the root last, so a flow whose write was cut short never runs.
 * - An admitted parent waits (`flow.waiting`: not even pending) until every child has
 *   finished; then it is released (the flag cleared), or failed when a "fail-parent" child failed or
 *   was cancelled (as soon as that is seen, without waiting for the others).
 * - A parent that ends without running (cancelled, failed) has its unfinished children cancelled, and
 *   so on down the tree; a held task whose parent has finished is cancelled too.
 * - Children of an unfinished parent are kept by retention (the parent reads their outcomes).
 * - A task held longer than `flowOrphanTimeout` after its submission (a flow cut short and not
 *   completed by a retry) is cancelled (flow-held.ts), and its held descendants with it.
 */
import type { ReadBatcher } from "../read-batch.js";
import { decodeOutcome, type Envelope } from "../envelope.js";
import { decodeFlowChildren, flowLinksOf, modeOf, type FlowChildren, type FlowLinks } from "../flow.js";
import { idOfKey, keyOfId } from "../layout.js";
import { NoNodeError } from "../../client/index.js";
import type { PendingTask } from "./pending-order.js";
import { cancelTask, failParent, releaseParents } from "./flow-writes.js";
import { HeldTasks, type Suspect } from "./flow-held.js";
import type { WriteContext } from "./writes.js";
import { mapLimit } from "../zk.js";

/** What the task reader asks about a pending task that belongs to a flow. */
export interface FlowGate {
  admit(task: PendingTask, flow: FlowLinks, env: Envelope): void;
}

interface ParentEntry {
  readonly key: string;
  /** Version of its latest reading: the release and fail writes are checked against it. */
  version: number;
  /** Its envelope at that version (the release rewrites it with `waiting` cleared). */
  env: Envelope;
  waiting: boolean;
  /** Its `<task>/flow` list; null until read. */
  list: FlowChildren | null;
  /** Children (keys) not seen finished yet; null until the list is read. */
  open: Set<string> | null;
  /** "fail-parent" children seen finished whose outcome has not been read yet. */
  unread: Set<string>;
  /** Why it fails, once a "fail-parent" child is known to have failed. */
  failure: string | null;
  /** The version a release or fail was last written for (not written twice). */
  decided: number;
  /** The parent itself has finished: its unfinished children are cancelled, then it is forgotten. */
  ended: boolean;
}

const CHUNK = 32;
/** Parents released per multi at most. */
const RELEASE_BATCH = 100;
/** Lists of up to this many children are read batched with other reads (see load). */
const SMALL_LIST = 64;

export class FlowTracker implements FlowGate {
  private readonly parents = new Map<string, ParentEntry>();
  /** child key → its parent's key, for admitted parents whose list has been read. */
  private readonly parentOf = new Map<string, string>();
  /** parent key → tasks waiting for that parent to be admitted. */
  private readonly held: HeldTasks;
  private readonly dirty = new Set<string>();
  private readonly cancels = new Set<string>();
  /** Held tasks past flowOrphanTimeout: cancelled once their parent is seen not to exist. */
  private suspects: Suspect[] = [];
  private working: Promise<void> | null = null;

  constructor(
    private readonly ctx: WriteContext,
    private readonly reads: ReadBatcher,
    /** Wakes the master's loop. */
    private readonly kick: () => void,
    /** Ends the term (a write that is neither done nor a lost race: fenced out, connection gone). */
    private readonly fail: (err: Error) => void,
    /** A held task this long (ms) after its submission is an orphan of a flow cut short: cancelled. */
    orphanTimeout: number,
  ) {
    this.held = new HeldTasks(orphanTimeout, (s) => {
      for (const x of s) this.suspects.push(x);
      this.kick();
    });
  }

  /** Stops the orphan timer (the term is over). */
  close(): void {
    this.held.close();
  }

  admit(task: PendingTask, flow: FlowLinks, env: Envelope): void {
    const { state } = this.ctx;
    const parent = flow.parent === undefined ? null : safeKey(flow.parent);
    const pe = parent === null ? undefined : this.parents.get(parent);
    if (parent !== null && (pe === undefined || pe.ended)) {
      // A parent that has finished (an ended entry has too) will never wait for it: cancelled.
      if (state.finished.has(parent)) this.cancels.add(task.key);
      else this.held.hold(parent, { task, flow, env });
      return;
    }
    const isParent = flow.children !== undefined && flow.children > 0;
    if (isParent) this.register(task, flow, env);
    // A parent waiting for its children is not pending at all (no round walks past it); the release
    // rewrites it, and its reading then comes back here ready.
    if (!isParent || flow.waiting !== true) state.addPending(task);
    for (const held of this.held.take(task.key) ?? [])
      if (!state.finished.has(held.task.key) && !state.assigned.has(held.task.key))
        this.admit(held.task, held.flow, held.env);
  }

  private register(task: PendingTask, flow: FlowLinks, env: Envelope): void {
    let e = this.parents.get(task.key);
    if (e === undefined) {
      e = {
        key: task.key,
        version: task.version,
        env,
        waiting: true,
        list: null,
        open: null,
        unread: new Set(),
        failure: null,
        decided: -1,
        ended: false,
      };
      this.parents.set(task.key, e);
    }
    e.version = task.version;
    e.env = env;
    e.waiting = flow.waiting === true;
    this.dirty.add(task.key);
  }

  /** A task was seen finished (ClusterState.onFinish): its parent may be ready, its children orphaned. */
  finished(key: string): void {
    const p = this.parentOf.get(key);
    const pe = p === undefined ? undefined : this.parents.get(p);
    if (pe?.open?.delete(key) === true) {
      if (pe.list !== null && modeOf(pe.list, idOfKey(key)) === "fail-parent") pe.unread.add(key);
      if (pe.waiting) this.dirty.add(pe.key);
    }
    const e = this.parents.get(key);
    if (e !== undefined && !e.ended) {
      e.ended = true;
      this.dirty.add(key);
    }
    for (const held of this.held.take(key) ?? []) this.cancels.add(held.task.key);
  }

  /** Retention must keep this finished task: its parent has not finished (and reads its outcome). */
  holds(key: string): boolean {
    return this.parentOf.has(key);
  }

  /** Starts the work marked so far in the background, unless some is running (it then goes on). */
  run(): void {
    if (this.working !== null || !this.hasWork()) return;
    const p: Promise<void> = this.work()
      .catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.working = null;
        this.kick();
      });
    this.working = p;
  }

  idle(): Promise<void> {
    return this.working ?? Promise.resolve();
  }

  private async work(): Promise<void> {
    while (!this.ctx.term.signal.aborted && this.hasWork()) {
      await this.checkSuspects();
      const entries: ParentEntry[] = [];
      for (const k of this.dirty) {
        const e = this.parents.get(k);
        if (e !== undefined) entries.push(e);
      }
      this.dirty.clear();
      await mapLimit(
        entries.filter((e) => e.list === null),
        16,
        (e) => this.load(e),
      );
      for (const e of entries) if (e.ended) this.forget(e);
      const live = entries.filter((e) => !e.ended && e.waiting && e.decided !== e.version);
      await this.readOutcomes(live.filter((e) => e.failure === null && e.unread.size > 0));
      await this.decide(live);
      const cancels = [...this.cancels];
      this.cancels.clear();
      await mapLimit(cancels, 16, (k) => cancelTask(this.ctx, k));
    }
  }

  private hasWork(): boolean {
    return this.dirty.size + this.cancels.size + this.suspects.length > 0;
  }

  /** Suspected orphans whose parent's node does not exist are cancelled; the others stay held. */
  private async checkSuspects(): Promise<void> {
    if (this.suspects.length === 0) return;
    const suspects = this.suspects;
    this.suspects = [];
    const parents = [...new Set(suspects.map((s) => s.parent))];
    const exists = await mapLimit(parents, 16, (p) => this.ctx.client.exists(this.ctx.layout.task(p)));
    const gone = new Set(parents.filter((_, i) => exists[i] === null));
    for (const s of suspects)
      if (gone.has(s.parent) && this.held.remove(s.parent, s.key)) this.cancels.add(s.key);
  }

  /** Reads `<task>/flow` and works out which children are still open. */
  private async load(e: ParentEntry): Promise<void> {
    const path = this.ctx.layout.flow(e.key);
    let list: FlowChildren | null = null;
    if ((flowLinksOf(e.env.flow)?.children ?? 0) <= SMALL_LIST) {
      // Small lists share a multiRead with the term's other reads; a large one is read alone, so the
      // batcher does not size every later batch of the term for it.
      const [r] = await this.reads.read([{ type: "getData", path }]);
      if (r?.type === "getData") list = decodeFlowChildren(r.data);
      else if (r?.type === "error" && !(r.error instanceof NoNodeError)) throw r.error;
    } else {
      try {
        list = decodeFlowChildren((await this.ctx.client.getData(path)).data);
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
    }
    if (list === null) e.failure = "its list of children (<task>/flow) is missing or unreadable";
    e.list = list ?? { children: [], onFailure: {} };
    const open = new Set<string>();
    for (const id of e.list.children) {
      const k = keyOfId(id);
      this.parentOf.set(k, e.key);
      if (!this.ctx.state.finished.has(k)) open.add(k);
      else if (modeOf(e.list, id) === "fail-parent") e.unread.add(k);
    }
    e.open = open;
  }

  /** Reads the outcomes of finished "fail-parent" children; a failed or cancelled one fails the parent. */
  private async readOutcomes(entries: ParentEntry[]): Promise<void> {
    const jobs: [ParentEntry, string[]][] = [];
    for (const e of entries) {
      const keys = [...e.unread];
      for (let i = 0; i < keys.length; i += CHUNK) jobs.push([e, keys.slice(i, i + CHUNK)]);
    }
    await mapLimit(jobs, 8, async ([e, keys]) => {
      const results = await this.reads.read(
        keys.map((k) => ({ type: "getData", path: this.ctx.layout.status(k) }) as const),
      );
      keys.forEach((k, i) => {
        const r = results[i];
        if (r?.type !== "getData") return; // gone meanwhile (retention cannot: we hold it)
        e.unread.delete(k);
        const o = decodeOutcome(r.data);
        if (o.state === "failed") e.failure ??= `child ${idOfKey(k)} failed: ${o.reason}`;
        else if (o.state === "cancelled") e.failure ??= `child ${idOfKey(k)} was cancelled`;
      });
    });
  }

  /** Fails the parents a "fail-parent" child failed; releases, in shared multis, those now ready. */
  private async decide(entries: ParentEntry[]): Promise<void> {
    const failing = entries.filter((e) => e.failure !== null);
    const ready = entries.filter(
      (e) => e.failure === null && e.open !== null && e.open.size === 0 && e.unread.size === 0,
    );
    for (const e of [...failing, ...ready]) e.decided = e.version;
    await mapLimit(failing, 16, (e) => failParent(this.ctx, e.key, e.version, e.failure ?? ""));
    const batches: ParentEntry[][] = [];
    for (let i = 0; i < ready.length; i += RELEASE_BATCH) batches.push(ready.slice(i, i + RELEASE_BATCH));
    await mapLimit(batches, 4, (b) => releaseParents(this.ctx, b));
  }

  /** A parent finished: cancel what of it has not, and stop holding its children. */
  private forget(e: ParentEntry): void {
    this.parents.delete(e.key);
    for (const k of e.open ?? []) this.cancels.add(k);
    for (const id of e.list?.children ?? []) {
      const k = keyOfId(id);
      if (this.parentOf.get(k) === e.key) this.parentOf.delete(k);
    }
  }
}

function safeKey(id: string): string | null {
  try {
    return keyOfId(id);
  } catch {
    return null;
  }
}
