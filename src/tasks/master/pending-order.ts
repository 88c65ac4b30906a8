/**
 * The master's pending tasks in scheduling order, kept up to date in small steps (issue #10): a heap of
 * the tasks not yet handed out and the ordered run of those that were, never a full sort per addition.
 */
import type { Delivery } from "../envelope.js";
import type { TaskView } from "./scheduler.js";

export interface PendingTask extends TaskView {
  /** czxid of the task node: submission order across buckets. */
  readonly seq: bigint;
  /** Position within the multi that created it (same czxid). */
  readonly n: number;
  readonly notBefore: number;
  readonly delivery: Delivery;
  /** The task node's version when read: the fencing token the assignment will carry. */
  readonly version: number;
  readonly attempt: number;
  /** Fair-queueing group ("" for the default group). */
  readonly group: string;
}

/** Scheduling order: priority (high first), then submission order (czxid, then position in its multi). */
export function comparePending(a: PendingTask, b: PendingTask): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return a.n - b.n;
}

/**
 * The pending tasks in scheduling order without sorting them all: the entries a walk has handed out
 * so far (`walked`, in order) and a min-heap of the rest, every heap entry ordered after every walked
 * one. A walk goes through `walked`, then pops the heap only as far as its consumer reads, so the
 * first round over 1M freshly loaded tasks costs one O(n) heapify plus O(k·log n) for the k it reads
 * (a full sort of 1M tasks on every addition blocked the master's event loop for 6–8 s, issue #10). Tasks added since the
 * last walk are merged in then: into the heap, or, when they sort before the last walked entry (a
 * retry of an old task, a higher priority), merged into `walked` as one sorted batch.
 *
 * Entries are never removed when their task is: `live(t)` (the task is still pending as this very
 * reading) is checked as they are walked; dead ones are dropped from the front of `walked` and from
 * the heap as they come up, and both are compacted when dead entries outnumber live ones.
 */
export class PendingOrder {
  private walked: PendingTask[] = [];
  /** Entries of `walked` before this index are dead. */
  private head = 0;
  private readonly heap = new PendingHeap();
  private fresh: PendingTask[] = [];

  constructor(private readonly live: (t: PendingTask) => boolean) {}

  add(t: PendingTask): void {
    this.fresh.push(t);
  }

  /** Live entries in order; `size` (how many tasks are pending) only decides when to compact. */
  *walk(size: number): Generator<PendingTask> {
    this.settle(size);
    const walked = this.walked;
    while (this.head < walked.length && !this.live(walked[this.head] as PendingTask)) this.head++;
    for (let i = this.head; i < walked.length; i++) {
      const t = walked[i] as PendingTask;
      if (this.live(t)) yield t;
    }
    for (;;) {
      const t = this.heap.pop();
      if (t === undefined) return;
      if (!this.live(t)) continue;
      // Appended before it is handed out: a consumer that stops here leaves the order complete.
      walked.push(t);
      yield t;
    }
  }

  /** Brings the fresh entries in, and compacts when dead entries dominate. */
  private settle(size: number): void {
    const slack = 2 * size + 1024;
    if (this.walked.length - this.head > slack) {
      this.walked = this.walked.slice(this.head).filter(this.live);
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.walked.length) {
      this.walked = this.walked.slice(this.head);
      this.head = 0;
    }
    if (this.fresh.length === 0 && this.heap.length <= slack) return;
    const fresh = this.fresh;
    this.fresh = [];
    const last = this.walked[this.walked.length - 1];
    const early: PendingTask[] = [];
    const late: PendingTask[] = [];
    for (const t of fresh) (last !== undefined && comparePending(t, last) < 0 ? early : late).push(t);
    if (early.length > 0) this.mergeWalked(early);
    if (this.heap.length + late.length > slack) this.heap.rebuild(late, this.live);
    else if (late.length > this.heap.length >> 3) this.heap.rebuild(late, null);
    else for (const t of late) this.heap.push(t);
  }

  /** Merges `early` (unsorted; each before the last walked entry) into `walked`, dropping dead ones. */
  private mergeWalked(early: PendingTask[]): void {
    early.sort(comparePending);
    const old = this.walked;
    const out: PendingTask[] = [];
    let i = this.head;
    let j = 0;
    while (i < old.length || j < early.length) {
      const a = old[i];
      const b = early[j];
      let t: PendingTask;
      if (b === undefined || (a !== undefined && comparePending(a, b) <= 0)) {
        t = a as PendingTask;
        i++;
      } else {
        t = b;
        j++;
      }
      if (this.live(t)) out.push(t);
    }
    this.walked = out;
    this.head = 0;
  }
}

/**
 * A 4-ary min-heap of pending tasks in scheduling order. Each entry's sort key is copied into a
 * Float64Array (-priority, czxid, position in its multi), so comparisons read one contiguous array
 * instead of two task objects and their BigInts scattered over a large heap: heapifying 1M freshly
 * read tasks by their objects took 1.8 s of cache misses on a loaded 2-core machine.
 */
class PendingHeap {
  private tasks: PendingTask[] = [];
  /** 3 numbers per entry: -priority, Number(seq) (exact below 2^53), n. */
  private keys = new Float64Array(3 * 1024);

  get length(): number {
    return this.tasks.length;
  }

  /** Rebuilds the heap from its entries that pass `keep` (all when null) plus `more`, in O(n). */
  rebuild(more: readonly PendingTask[], keep: ((t: PendingTask) => boolean) | null): void {
    const all = keep === null ? this.tasks : this.tasks.filter(keep);
    for (const t of more) all.push(t);
    this.tasks = all;
    this.reserve(all.length);
    for (let i = 0; i < all.length; i++) this.setKey(i, all[i] as PendingTask);
    for (let i = (all.length - 2) >> 2; i >= 0; i--) this.down(i);
  }

  push(t: PendingTask): void {
    const h = this.tasks;
    const k = this.keys;
    this.reserve(h.length + 1);
    const p = -t.priority;
    const s = Number(t.seq);
    const n = t.n;
    let i = h.length;
    h.push(t);
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const at = 3 * parent;
      if (
        before(
          k[at] as number,
          k[at + 1] as number,
          k[at + 2] as number,
          h[parent] as PendingTask,
          p,
          s,
          n,
          t,
        )
      )
        break;
      this.move(parent, i);
      i = parent;
    }
    this.place(i, t, p, s, n);
  }

  pop(): PendingTask | undefined {
    const h = this.tasks;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    const at = 3 * h.length;
    const k = this.keys;
    this.place(0, last, k[at] as number, k[at + 1] as number, k[at + 2] as number);
    this.down(0);
    return top;
  }

  private down(from: number): void {
    const h = this.tasks;
    const k = this.keys;
    const len = h.length;
    const t = h[from] as PendingTask;
    const p = k[3 * from] as number;
    const s = k[3 * from + 1] as number;
    const n = k[3 * from + 2] as number;
    let i = from;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= len) break;
      // The smallest of up to 4 children (their keys are contiguous: fewer cache misses than 2-ary).
      let c = first;
      const end = Math.min(first + 4, len);
      for (let j = first + 1; j < end; j++) {
        const a = 3 * c;
        const b = 3 * j;
        if (
          !before(
            k[a] as number,
            k[a + 1] as number,
            k[a + 2] as number,
            h[c] as PendingTask,
            k[b] as number,
            k[b + 1] as number,
            k[b + 2] as number,
            h[j] as PendingTask,
          )
        )
          c = j;
      }
      const at = 3 * c;
      if (before(p, s, n, t, k[at] as number, k[at + 1] as number, k[at + 2] as number, h[c] as PendingTask))
        break;
      this.move(c, i);
      i = c;
    }
    this.place(i, t, p, s, n);
  }

  private move(from: number, to: number): void {
    const k = this.keys;
    const a = 3 * from;
    const b = 3 * to;
    this.tasks[to] = this.tasks[from] as PendingTask;
    k[b] = k[a] as number;
    k[b + 1] = k[a + 1] as number;
    k[b + 2] = k[a + 2] as number;
  }

  private place(i: number, t: PendingTask, p: number, s: number, n: number): void {
    this.tasks[i] = t;
    const k = this.keys;
    k[3 * i] = p;
    k[3 * i + 1] = s;
    k[3 * i + 2] = n;
  }

  private setKey(i: number, t: PendingTask): void {
    this.place(i, t, -t.priority, Number(t.seq), t.n);
  }

  private reserve(entries: number): void {
    if (3 * entries <= this.keys.length) return;
    const bigger = new Float64Array(Math.max(3 * entries, 2 * this.keys.length));
    bigger.set(this.keys.subarray(0, 3 * this.tasks.length));
    this.keys = bigger;
  }
}

/** Whether entry 1 comes no later than entry 2 (keys as in PendingHeap; the tasks break ties of
 * czxids too large for a double). */
function before(
  p1: number,
  s1: number,
  n1: number,
  t1: PendingTask,
  p2: number,
  s2: number,
  n2: number,
  t2: PendingTask,
): boolean {
  if (p1 !== p2) return p1 < p2;
  if (s1 !== s2) return s1 < s2;
  if (s1 > Number.MAX_SAFE_INTEGER && t1.seq !== t2.seq) return t1.seq < t2.seq;
  return n1 <= n2;
}
