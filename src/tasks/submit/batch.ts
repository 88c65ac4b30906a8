/** How submitMany and submitFlows split their creates into multis. */

/** Multi requests are kept below this many bytes of task data and this many tasks. */
const BATCH_BYTES = 512 * 1024;
const BATCH_OPS = 500;

/** Consecutive runs of `items` (order kept) within the byte and count budgets. */
export function* batches<T extends { bytes: number }>(items: readonly T[]): Generator<T[]> {
  let cur: T[] = [];
  let bytes = 0;
  for (const p of items) {
    if (cur.length > 0 && (cur.length >= BATCH_OPS || bytes + p.bytes > BATCH_BYTES)) {
      yield cur;
      cur = [];
      bytes = 0;
    }
    cur.push(p);
    bytes += p.bytes;
  }
  if (cur.length > 0) yield cur;
}
