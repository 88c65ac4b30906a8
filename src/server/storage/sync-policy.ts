/**
 * Where the txn log's fdatasync runs. On the event loop itself when syncs are fast: the thread pool's
 * hand-off costs two wake-ups per batch (loop → pool thread, pool thread → loop), which on a small VM
 * was ~0.4 ms of a one-task round trip (three synced writes) and no throughput (bench/latency.ts,
 * bench/tasks.ts; docs/SERVER.md "Group commit"). A slow disk would stall every session's reads and
 * pings on the loop, so the choice follows a moving average of sync times (inline and pooled alike):
 * over INLINE_MAX_MS the syncs go to the thread pool, under half of it they come back.
 *
 * An average, not the last sync: one sync in a few thousand takes 2–6 ms on this VM's disk even when
 * the median is 0.2 ms. When a single such outlier sent the next 1,000 batches to the pool, the
 * server synced in the pool most of the time (11 outliers in 15,000 syncs: 11,000 pooled) and a
 * one-task round trip paid the hand-off three times.
 */

/** Above this average sync time (ms) the syncs move to the thread pool. */
export const INLINE_MAX_MS = 2;
/** Below this average they come back to the loop (hysteresis: no flapping around one value). */
export const INLINE_BACK_MS = INLINE_MAX_MS / 2;
/** Weight of the newest sync in the average: an outlier of 5 ms moves an average of 0.2 ms by ~0.6 ms. */
export const WEIGHT = 1 / 8;

export class SyncPolicy {
  private avg = 0;
  private pooled = false;

  /** Sync the next batch on the event loop? */
  inline(): boolean {
    return !this.pooled;
  }

  /** A sync (inline or pooled, as `inline()` said) took `ms`. */
  took(ms: number): void {
    this.avg += (ms - this.avg) * WEIGHT;
    if (!this.pooled && this.avg > INLINE_MAX_MS) this.pooled = true;
    else if (this.pooled && this.avg < INLINE_BACK_MS) this.pooled = false;
  }

  /** The moving average, ms (for tests and stats). */
  get average(): number {
    return this.avg;
  }
}
