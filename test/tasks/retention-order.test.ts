/**
 * Retention reads finished tasks oldest first and stops at the first one it keeps; tasks a rebuild
 * finds out of order are re-sorted once, so the oldest still go first.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { toRetain } from "../../src/tasks/master/round.js";
import { ClusterState } from "../../src/tasks/master/state.js";

const forever = { maxAge: Infinity, maxCount: Infinity };

test("maxCount drops the oldest, even when they were found out of order", () => {
  const s = new ClusterState();
  for (const [key, at] of [
    ["c", 30],
    ["a", 10],
    ["d", 40],
    ["b", 20],
    ["e", 50],
  ] as const)
    s.finish(key, at);
  assert.deepEqual(toRetain(s, { ...forever, maxCount: 2 }, 100).drop, ["a", "b", "c"]);
  assert.deepEqual(toRetain(s, forever, 100), { drop: [], nextAt: Infinity });
});

test("maxAge drops what is past the cutoff and wakes when the next one falls due", () => {
  const s = new ClusterState();
  for (const [key, at] of [
    ["a", 10],
    ["b", 20],
    ["c", 30],
  ] as const)
    s.finish(key, at);
  assert.deepEqual(toRetain(s, { maxAge: 15, maxCount: Infinity }, 36), { drop: ["a", "b"], nextAt: 45 });
  s.forget("a");
  s.forget("b");
  s.finish("d", 25); // older than c: re-sorted before the next read
  assert.deepEqual(toRetain(s, { maxAge: 15, maxCount: Infinity }, 41), { drop: ["d"], nextAt: 45 });
});
