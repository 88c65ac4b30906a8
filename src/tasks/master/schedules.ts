/**
 * The active master fires schedules (see schedule-slots.ts for which slots fire). Started and stopped
 * with the term; it rebuilds its picture from `<root>/schedules` alone and follows it through one
 * persistent recursive watch. Each firing is one fenced multi:
 *
 *   check(epoch) · check(candidate) · check(schedule, version) · create(task <id>@<slot>)… · setData(state, version)
 *
 * so a deposed master fires nothing, a pause or an edit that committed first stops the firing, and the
 * progress moves with the tasks it describes. A task node that exists already (NodeExists) means that
 * slot has fired: it is counted as fired and never created twice.
 */
import { isRetriable, NodeExistsError, type PersistentWatch, type WatchEvent } from "../../client/index.js";
import { FENCE_OPS } from "../../recipes/index.js";
import { encodeEnvelope } from "../envelope.js";
import { bucketOf, keyOfId } from "../layout.js";
import { bestEffort, type Logger } from "../logger.js";
import {
  decodeProgress,
  decodeSchedule,
  firingId,
  type ScheduleNode,
  type ScheduleProgress,
} from "../schedule-spec.js";
import { planFirings } from "../schedule-slots.js";
import { ensurePath, mapLimit, watchRecursive } from "../zk.js";
import { fencedTx, ensureFenced, type WriteContext } from "./writes.js";

/** Creates per multi, and bytes of task data per multi. */
const CHUNK_OPS = 100;
const CHUNK_BYTES = 512 * 1024;
/** Longest sleep (timers take 32-bit ms; an hourly re-check costs nothing). */
const MAX_SLEEP = 3_600_000;
const RETRY_MS = 200;

export interface FirerOptions {
  /** The clock (ms since the epoch); Date.now outside tests. */
  now: () => number;
  logger: Logger;
  /** A write was refused by the fence: the term is over. */
  onFenced: (err: Error) => void;
  /** Counted firings and misses (for whoever watches the master). */
  onFired?: (schedule: string, slots: readonly number[], missed: number) => void;
}

interface Firing {
  slot: number;
  path: string;
  data: Buffer;
}

interface Entry {
  node: ScheduleNode;
  version: number;
  progress: ScheduleProgress;
  stateVersion: number;
}

export class ScheduleFirer {
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private readonly buckets = new Set<string>();
  private watch: PersistentWatch | null = null;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | null = null;
  private poked = false;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  /** Slots up to here came before this term could fire them: they are missed. */
  private watchFrom = 0;

  constructor(
    private readonly ctx: WriteContext,
    private readonly opts: FirerOptions,
  ) {}

  async start(): Promise<void> {
    const { client, layout } = this.ctx;
    this.watchFrom = this.opts.now();
    await ensureFenced(this.ctx, layout.schedules);
    this.watch = await watchRecursive(client, layout.schedules, this.onEvent, this.opts.logger);
    for (const id of await client.getChildren(layout.schedules)) this.dirty.add(id);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.kick();
    if (this.watch !== null && this.watch !== undefined)
      await bestEffort(this.opts.logger, "removing the schedules watch", this.watch.close());
    await this.loop;
  }

  private readonly onEvent = (e: WatchEvent): void => {
    const rest = e.path.slice(this.ctx.layout.schedules.length + 1);
    // Only the schedule nodes themselves: state nodes are ours, and we know what we wrote.
    if (rest === "" || rest.includes("/")) return;
    this.dirty.add(rest);
    this.kick();
  };

  private kick = (): void => {
    this.poked = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  };

  private get live(): boolean {
    return !this.stopped && !this.ctx.term.signal.aborted;
  }

  private async run(): Promise<void> {
    while (this.live) {
      this.poked = false;
      try {
        await this.pass();
      } catch (err) {
        if (!this.live) return;
        if ((err as { opIndex?: number }).opIndex !== undefined || !isRetriable(err)) {
          this.opts.onFenced(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        // No answer: a multi may have landed. Read every schedule again before deciding anything.
        this.opts.logger.debug({ err }, "tasks: schedule pass failed; retrying");
        for (const id of this.entries.keys()) this.dirty.add(id);
        this.sleepUntil(this.opts.now() + RETRY_MS);
      }
      if (!this.poked && this.live) await new Promise<void>((r) => (this.wake = r));
    }
  }

  private sleepUntil(at: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.kick, Math.min(MAX_SLEEP, Math.max(1, at - this.opts.now())));
  }

  /** Reads what changed, fires what is due, and sets the timer for the earliest next slot. */
  private async pass(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    try {
      await mapLimit(ids, 16, (id) => this.read(id));
    } catch (err) {
      for (const id of ids) this.dirty.add(id);
      throw err;
    }
    let earliest = Infinity;
    for (const [id, entry] of this.entries) {
      if (!this.live) return;
      const now = this.opts.now();
      const plan = planFirings(entry.node, entry.progress, now, this.watchFrom);
      if (plan.progress !== entry.progress) await this.fire(id, entry, plan.fire, plan.progress);
      if (this.dirty.has(id)) continue;
      if (plan.next !== null) earliest = Math.min(earliest, plan.next);
    }
    if (this.dirty.size > 0) this.poked = true;
    else if (earliest !== Infinity) this.sleepUntil(earliest);
  }

  private async read(id: string): Promise<void> {
    const { client, layout } = this.ctx;
    const [s, st] = await client.multiRead([
      { type: "getData", path: layout.schedule(id) },
      { type: "getData", path: layout.scheduleState(id) },
    ]);
    const node = s?.type === "getData" ? decodeSchedule(s.data) : null;
    if (s?.type !== "getData" || node === null || st?.type !== "getData") {
      if (s?.type === "getData" && node === null)
        this.opts.logger.warn({ id }, "tasks: not a schedule node; ignored");
      this.entries.delete(id);
      return;
    }
    this.entries.set(id, {
      node,
      version: s.stat.version,
      progress: decodeProgress(st.data),
      stateVersion: st.stat.version,
    });
  }

  /** Writes the plan in chunks; each chunk creates its tasks and moves the progress in one multi. */
  private async fire(id: string, entry: Entry, slots: number[], target: ScheduleProgress): Promise<void> {
    let todo = slots;
    let missed = target.missed - entry.progress.missed;
    do {
      const chunk = this.chunkOf(id, entry.node, todo);
      const last = chunk.length === todo.length ? target.last : (chunk[chunk.length - 1]?.slot ?? null);
      const next: ScheduleProgress = {
        last,
        fired: entry.progress.fired + chunk.length,
        missed: entry.progress.missed + missed,
      };
      for (const c of chunk) await this.ensureBucket(c.slot, id);
      const made = await this.commit(id, entry, chunk, next);
      if (made === null) return;
      entry.progress = next;
      this.opts.onFired?.(id, made, missed);
      missed = 0;
      todo = todo.slice(chunk.length);
    } while (todo.length > 0 && this.live);
  }

  private chunkOf(id: string, node: ScheduleNode, slots: readonly number[]): Firing[] {
    const { task } = node;
    const chunk: Firing[] = [];
    let bytes = 0;
    for (const slot of slots) {
      if (chunk.length >= CHUNK_OPS) break;
      const data = encodeEnvelope({
        v: 1,
        type: task.type,
        payload: task.payload,
        options: task.options,
        run: { failures: 0, notBefore: task.delay > 0 ? slot + task.delay : 0, requeues: 0 },
        submittedAt: this.opts.now(),
        n: chunk.length,
      });
      // Under jute.maxbuffer with room to spare: a large payload fires alone.
      if (chunk.length > 0 && bytes + data.length > CHUNK_BYTES) break;
      bytes += data.length;
      chunk.push({ slot, path: this.ctx.layout.task(keyOfId(firingId(id, slot))), data });
    }
    return chunk;
  }

  /**
   * One multi for a chunk; the slots it created, or null when the schedule changed under it (then it is
   * read again). A slot whose task exists has fired already: it is left out and the rest sent again.
   */
  private async commit(
    id: string,
    entry: Entry,
    chunk: Firing[],
    next: ScheduleProgress,
  ): Promise<number[] | null> {
    const { layout } = this.ctx;
    let todo = chunk;
    for (;;) {
      const tx = fencedTx(this.ctx).check(layout.schedule(id), entry.version);
      for (const c of todo) tx.create(c.path, c.data);
      tx.setData(layout.scheduleState(id), JSON.stringify(next), entry.stateVersion);
      try {
        const results = await tx.commit();
        const set = results[results.length - 1];
        entry.stateVersion = set?.type === "setData" ? set.stat.version : entry.stateVersion + 1;
        return todo.map((c) => c.slot);
      } catch (err) {
        const at = (err as { opIndex?: number }).opIndex;
        if (at === undefined || at < FENCE_OPS) throw err; // fenced out, or no answer: see run()
        const c = todo[at - FENCE_OPS - 1];
        if (c !== undefined && err instanceof NodeExistsError) {
          this.opts.logger.debug({ id, slot: c.slot }, "tasks: schedule slot fired already");
          todo = todo.filter((x) => x !== c);
          continue;
        }
        // The schedule was paused, edited or removed (or a bucket vanished): read again, then decide.
        if (c !== undefined) this.buckets.clear();
        this.dirty.add(id);
        return null;
      }
    }
  }

  private async ensureBucket(slot: number, id: string): Promise<void> {
    const b = bucketOf(firingId(id, slot));
    if (this.buckets.has(b)) return;
    await ensurePath(this.ctx.client, this.ctx.layout.bucket(b));
    this.buckets.add(b);
  }
}
