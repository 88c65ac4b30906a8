/**
 * Reads asked for in the same event-loop turn go to the server as one multiRead: one request (and one
 * reply frame, one promise settled per caller) instead of one per task. Each caller gets exactly what
 * it would have got alone — a multiRead answers every op on its own — and when a batch fails as a whole
 * (a lost connection, a reply too large for one frame), each caller's ops are sent again by themselves.
 *
 * A reply must fit in one frame (jute.maxbuffer, 1 MB by default; Apache's server sends a larger one,
 * which the client skips, failing that request alone). Data sizes are unknown until read, so a batch holds as many
 * ops as fit a byte budget at the largest size this batcher has seen so far (never forgotten: one big
 * payload makes it careful for good), starting from a guess that keeps the first batch small. A batch
 * can still overflow when a payload far larger than any before arrives with it: the batch then fails
 * with MarshallingError (the embedded server's answer; on Apache ZooKeeper the client's, for a reply
 * over its frame limit, with the connection kept) and the ops are sent one by one.
 */
import type { ReadOp, ReadOpResult, ZooKeeperClient } from "../client/index.js";

/** Ops per multiRead at most. */
const MAX_OPS = 128;
/** Reply bytes a batch is sized for: a quarter of the default frame limit. */
const BUDGET = 256 * 1024;
/** Assumed size of one op's answer before any has been seen. */
const FIRST_GUESS = 16 * 1024;
/** Per-op reply overhead: error code, stat, lengths. */
const OVERHEAD = 128;

/**
 * How many read ops (at most `cap`, at least 1) fit one reply's byte budget when answers are as large as
 * `largest` (bytes; null before any answer was seen: a guess that keeps the first batch small).
 */
export function opsThatFit(largest: number | null, cap: number): number {
  const perOp = (largest ?? FIRST_GUESS) + OVERHEAD;
  return Math.max(1, Math.min(cap, Math.floor(BUDGET / perOp)));
}

interface Waiting {
  readonly ops: readonly ReadOp[];
  resolve(r: ReadOpResult[]): void;
  reject(err: unknown): void;
}

export class ReadBatcher {
  private queue: Waiting[] = [];
  private scheduled = false;
  /** Largest answer seen so far (bytes); null before the first. */
  private largest: number | null = null;

  constructor(private readonly client: ZooKeeperClient) {}

  read(ops: readonly ReadOp[]): Promise<ReadOpResult[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    const maxOps = opsThatFit(this.largest, MAX_OPS);
    let batch: Waiting[] = [];
    let size = 0;
    for (const w of all) {
      if (batch.length > 0 && size + w.ops.length > maxOps) {
        this.send(batch);
        batch = [];
        size = 0;
      }
      batch.push(w);
      size += w.ops.length;
    }
    if (batch.length > 0) this.send(batch);
  }

  private send(batch: Waiting[]): void {
    const only = batch.length === 1 ? batch[0] : undefined;
    if (only !== undefined) {
      this.client.multiRead(only.ops).then(
        (r) => {
          this.learn(r);
          only.resolve(r);
        },
        (err: unknown) => only.reject(err),
      );
      return;
    }
    this.client.multiRead(batch.flatMap((w) => w.ops)).then(
      (results) => {
        this.learn(results);
        let at = 0;
        for (const w of batch) {
          w.resolve(results.slice(at, at + w.ops.length));
          at += w.ops.length;
        }
      },
      () => {
        // Nothing tells which op made the batch fail: each asks again on its own, as it would have.
        for (const w of batch) this.send([w]);
      },
    );
  }

  private learn(results: readonly ReadOpResult[]): void {
    this.largest ??= 0;
    for (const r of results) {
      const n =
        r.type === "getData"
          ? r.stat.dataLength
          : r.type === "getChildren"
            ? r.children.reduce((s, c) => s + c.length + 4, 0)
            : 0;
      if (n > this.largest) this.largest = n;
    }
  }
}
