/** Where the txn log syncs (storage/sync-policy.ts): on the loop while syncs are fast; after a slow one,
 * POOL_BATCHES batches in the thread pool, then one more try on the loop. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { INLINE_MAX_MS, POOL_BATCHES, SyncPolicy } from "../../src/server/storage/sync-policy.js";

test("fast syncs stay on the loop; a slow one sends POOL_BATCHES to the pool, then one is tried inline", () => {
  const p = new SyncPolicy();
  for (let i = 0; i < 10; i++) {
    assert.equal(p.inline(), true);
    p.tookInline(INLINE_MAX_MS / 10);
  }
  assert.equal(p.inline(), true);
  p.tookInline(INLINE_MAX_MS * 5);
  for (let i = 0; i < POOL_BATCHES; i++) assert.equal(p.inline(), false, `batch ${i} after the slow sync`);
  assert.equal(p.inline(), true, "tried on the loop again");
  p.tookInline(INLINE_MAX_MS * 5);
  assert.equal(p.inline(), false, "still slow: back to the pool");
});
