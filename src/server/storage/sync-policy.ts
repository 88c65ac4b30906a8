/**
 * Where the txn log's fdatasync runs. On the event loop itself when syncs are fast: the thread pool's
 * hand-off costs two wake-ups per batch (loop → pool thread, pool thread → loop), which on a small VM
 * was ~0.4 ms of a one-task round trip (three synced writes) and no throughput (bench/latency.ts,
 * bench/tasks.ts; docs/SERVER.md "Group commit"). A sync that takes longer than INLINE_MAX_MS (a slow
 * or busy disk) would stall every session's reads and pings for as long, so after one the syncs go to
 * the thread pool for POOL_BATCHES batches, and then one is tried on the loop again.
 */

/** The longest an fdatasync may take on the event loop before syncs move to the thread pool. */
export const INLINE_MAX_MS = 2;
/** Batches synced in the thread pool after a slow inline sync, before the next inline try. */
export const POOL_BATCHES = 1000;

export class SyncPolicy {
  private poolLeft = 0;

  /** Sync this batch on the event loop? (Counts a thread-pool batch when not.) */
  inline(): boolean {
    if (this.poolLeft === 0) return true;
    this.poolLeft--;
    return false;
  }

  /** An inline sync took `ms`. */
  tookInline(ms: number): void {
    if (ms > INLINE_MAX_MS) this.poolLeft = POOL_BATCHES;
  }
}
