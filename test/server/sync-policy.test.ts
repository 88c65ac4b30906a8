/** Where the txn log syncs (storage/sync-policy.ts): on the loop while the moving average of sync times
 * is low; in the thread pool once it passes INLINE_MAX_MS; back on the loop under INLINE_BACK_MS. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { INLINE_BACK_MS, INLINE_MAX_MS, SyncPolicy } from "../../src/server/storage/sync-policy.js";

const feed = (p: SyncPolicy, ms: number, n: number): void => {
  for (let i = 0; i < n; i++) p.took(ms);
};

test("fast syncs stay on the loop, and a lone outlier among them does not move them", () => {
  const p = new SyncPolicy();
  feed(p, 0.2, 100);
  assert.equal(p.inline(), true);
  // Seen here: one sync in a few thousand takes 2–6 ms (a single such outlier used to send 1,000 batches to the pool).
  p.took(6);
  assert.equal(p.inline(), true, "one 6 ms sync");
  feed(p, 0.2, 20);
  p.took(12);
  assert.equal(p.inline(), true, "a 16 MiB flush's 12 ms, alone");
});

test("a slow disk moves the syncs to the pool within a few syncs, and they stay there while it is slow", () => {
  const p = new SyncPolicy();
  feed(p, 0.2, 100);
  let n = 0;
  while (p.inline()) {
    p.took(8); // a disk whose syncs take 8 ms
    n++;
    assert.ok(n <= 3, `still inline after ${n} syncs of 8 ms`);
  }
  feed(p, 8, 1000);
  assert.equal(p.inline(), false);
  // Between the two limits nothing changes (no flapping).
  feed(p, (INLINE_MAX_MS + INLINE_BACK_MS) / 2, 200);
  assert.equal(p.inline(), false, "average between the limits: stays in the pool");
  feed(p, 0.3, 200);
  assert.equal(p.inline(), true, "fast again: back on the loop");
  feed(p, (INLINE_MAX_MS + INLINE_BACK_MS) / 2, 200);
  assert.equal(p.inline(), true, "average between the limits: stays on the loop");
  assert.ok(p.average > INLINE_BACK_MS && p.average < INLINE_MAX_MS);
});
