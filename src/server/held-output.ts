/**
 * A connection's output waiting for the txn log (the durability gate, see output-batch.ts): chunks in
 * production order, each tagged with the zxid it may depend on and the number of replies it holds.
 */
interface HeldChunk {
  readonly bytes: Buffer;
  readonly replies: number;
  /** Released once the log is durable up to this zxid. */
  readonly zxid: number;
}

export class HeldOutput {
  private chunks: HeldChunk[] = [];
  /** Replies inside held chunks (counted as outstanding requests). */
  replies = 0;

  get empty(): boolean {
    return this.chunks.length === 0;
  }

  push(bytes: Buffer, replies: number, zxid: number): void {
    this.chunks.push({ bytes, replies, zxid });
    this.replies += replies;
  }

  /** Remove and return, concatenated, the leading chunks durable at `durableZxid` (null if none). */
  take(durableZxid: number): Buffer | null {
    let n = 0;
    while (n < this.chunks.length && (this.chunks[n]?.zxid ?? Infinity) <= durableZxid) n++;
    if (n === 0) return null;
    const ready = this.chunks.splice(0, n);
    for (const c of ready) this.replies -= c.replies;
    return ready.length === 1 && ready[0] !== undefined
      ? ready[0].bytes
      : Buffer.concat(ready.map((c) => c.bytes));
  }

  clear(): void {
    this.chunks = [];
    this.replies = 0;
  }
}
