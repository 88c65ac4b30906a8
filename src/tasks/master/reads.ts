/**
 * The master's reads of tasks: a chunk of keys per read request (getData of each), applied as its reply
 * arrives, so a task costs one read op and no promise of its own. A task whose node has children (a
 * `status`, or only a `progress`) or that cannot be decoded goes on by itself (finishReading). Chunks go through the term's ReadBatcher, which shares requests between the
 * chunks of one event-loop turn.
 */
import type { ReadOpResult, ZooKeeperClient } from "../../client/index.js";
import type { Layout } from "../layout.js";
import type { ResolvedMasterOptions } from "./options.js";
import { readTask, statusTime, type ClusterState, type TaskReading } from "./state.js";
import { failTask, type WriteContext } from "./writes.js";
import { opsThatFit, type ReadBatcher } from "../read-batch.js";
import type { TaskRetention } from "./task-retention.js";
import type { FlowGate } from "./flows.js";

/** Chunks read at once (each up to MAX_CHUNK keys): up to 256 task reads in flight. */
const LANES = 16;
const MAX_CHUNK = 16;
/** Task data up to this size that came with its event rides in the assignment (WriteContext.fresh). */
const FRESH_LIMIT = 4 * 1024;

export class TaskReader {
  /** Largest data length seen in a task read so far (bytes). */
  private largest: number | null = null;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly layout: Layout,
    private readonly reads: ReadBatcher,
    private readonly state: ClusterState,
    private readonly ctx: WriteContext,
    private readonly retention: ResolvedMasterOptions["retention"],
    /** Told the data of each task read pending or finished (per-task retention policies). */
    private readonly perTask: TaskRetention | undefined = undefined,
    /** Decides when a pending task of a flow may be assigned (else: pending at once). */
    private readonly flows: FlowGate | null = null,
  ) {}

  private addPending(r: Extract<TaskReading, { kind: "pending" }>): void {
    if (r.flow === null || r.env === null || this.flows === null) this.state.addPending(r.task);
    else this.flows.admit(r.task, r.flow, r.env);
  }

  /**
   * Reads `keys` (those not assigned or finished by now) and applies each reading as it arrives. With
   * `defer`, the readings that need a second read (a node with children: finished tasks, mostly) are
   * handed to it instead of awaited — a new master's first pass waits only for every task's first read.
   */
  async read(keys: readonly string[], defer?: (rest: Promise<void>) => void): Promise<void> {
    const { state } = this;
    const todo = keys.filter((k) => !state.assigned.has(k) && !state.finished.has(k));
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < todo.length) {
        const chunk = todo.slice(next, (next += this.chunkSize()));
        let results: ReadOpResult[];
        try {
          results = await this.reads.read(
            chunk.map((key) => ({ type: "getData", path: this.layout.task(key) })),
          );
        } catch (err) {
          // A reply too large for one frame (payloads far larger than any seen before): each key by
          // itself, which the batcher sends again op by op if their batch fails too.
          if (chunk.length === 1) throw err;
          await Promise.all(chunk.map((key) => this.readAlone(key)));
          continue;
        }
        const slow = this.applyAll(chunk, results);
        // Together, as one request (a new master's first pass finds mostly finished tasks, each needing
        // its child list: one by one they were most of a failover's rebuild).
        if (slow !== null) {
          const rest = this.finish(slow);
          if (defer === undefined) await rest;
          else defer(rest);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LANES, Math.ceil(todo.length / MAX_CHUNK)) }, lane));
  }

  /**
   * Applies readings that came with watch events (master/events.ts) as if just read: the same steps as
   * a read's reply, without the request. Returns the second reads some need (nodes with children), or
   * null when all applied at once; with `defer`, hands those to it and returns null.
   */
  applyKnown(
    known: ReadonlyMap<string, ReadOpResult>,
    defer?: (rest: Promise<void>) => void,
  ): Promise<void> | null {
    const { state } = this;
    const keys: string[] = [];
    const results: ReadOpResult[] = [];
    for (const [key, r] of known) {
      if (state.assigned.has(key) || state.finished.has(key)) continue;
      keys.push(key);
      results.push(r);
    }
    const slow = this.applyAll(keys, results, true);
    if (slow === null) return null;
    const rest = this.finish(slow);
    if (defer === undefined) return rest;
    defer(rest);
    return null;
  }

  /**
   * Applies the reading of each key (`results[i]` is `keys[i]`'s); returns those that need more. With
   * `fresh` (readings that came with events), a small pending task's data is kept for this pass's
   * assignment (WriteContext.fresh).
   */
  private applyAll(
    keys: readonly string[],
    results: readonly (ReadOpResult | undefined)[],
    fresh = false,
  ): Slow[] | null {
    let slow: Slow[] | null = null;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const t = results[i];
      if (t?.type === "getData") this.learn(t.stat.dataLength);
      const r = readTask(key, t);
      if (r.kind === "pending" && t?.type === "getData") {
        this.perTask?.notePending(key, t.data);
        if (fresh && t.data !== null && t.data.length <= FRESH_LIMIT) this.ctx.fresh.set(key, t.data);
      }
      if (!this.applyNow(key, r)) (slow ??= []).push([key, r, t]);
    }
    return slow;
  }

  private async readAlone(key: string): Promise<void> {
    const results = await this.reads.read([{ type: "getData", path: this.layout.task(key) }]);
    const slow = this.applyAll([key], results);
    if (slow !== null) await this.finish(slow);
  }

  /** Sized like a ReadBatcher batch (the same budget, at the largest answer this reader has seen). The
   * batcher sees every answer this reader sees, so a chunk is never larger than the batches it makes. */
  private chunkSize(): number {
    return opsThatFit(this.largest, MAX_CHUNK);
  }

  private learn(bytes: number): void {
    if (this.largest === null || bytes > this.largest) this.largest = bytes;
  }

  /** Applies a pending or gone reading at once (true); anything else needs readOne (false). */
  private applyNow(key: string, r: TaskReading): boolean {
    const { state } = this;
    if (r.kind === "pending") {
      if (!state.assigned.has(key) && !state.finished.has(key)) this.addPending(r);
      return true;
    }
    if (r.kind === "gone") {
      if (!state.assigned.has(key)) state.forget(key);
      return true;
    }
    return false;
  }

  /**
   * Readings that need more: the child lists of the nodes with children, in one read (their data, the
   * first read's: a finished task's is not read twice), then each one applied — with the status time
   * first when retention by age needs it, and an undecodable task failed.
   */
  private async finish(slow: readonly Slow[]): Promise<void> {
    const listed = slow.filter(([, r]) => r.kind === "children");
    const lists =
      listed.length === 0
        ? []
        : await this.reads.read(
            listed.map(([key]) => ({ type: "getChildren", path: this.layout.task(key) })),
          );
    const waits: Promise<void>[] = [];
    let j = 0;
    for (const [key, first, t] of slow) {
      let r = first;
      if (r.kind === "children") {
        r = readTask(key, t, lists[j++]);
        if (t?.type === "getData")
          if (r.kind === "pending") this.perTask?.notePending(key, t.data);
          else if (r.kind === "finished") this.perTask?.noteFinished(key, t.data);
      }
      if (r.kind === "finished" && this.retention.maxAge !== Infinity) {
        const finished = r;
        waits.push(
          statusTime(this.client, this.layout, key, this.retention).then((at) =>
            this.apply(key, finished, at),
          ),
        );
      } else {
        const failing = this.apply(key, r, Date.now());
        if (failing !== undefined) waits.push(failing);
      }
    }
    await Promise.all(waits);
  }

  /** Applies a final reading (`at`: when a finished task finished); a failing write for an undecodable one. */
  private apply(key: string, r: TaskReading, at: number): Promise<void> | undefined {
    const { state } = this;
    if (state.assigned.has(key) || (state.finished.has(key) && r.kind !== "gone")) return undefined;
    if (r.kind === "gone") state.forget(key);
    else if (r.kind === "finished") state.finish(key, at);
    else if (r.kind === "pending") this.addPending(r);
    else if (r.kind === "bad")
      return failTask(this.ctx, key, r.version, r.reason).catch(() => void this.ctx.refresh.add(key));
    else this.ctx.refresh.add(key); // no child list came back (cannot happen): read it again
    return undefined;
  }
}

/** A first reading that needs more (see TaskReader.finish), with the first read's answer. */
type Slow = readonly [key: string, reading: TaskReading, data: ReadOpResult | undefined];
