/**
 * The master's pending order (ClusterState.orderedPending): priority first, then submission order,
 * kept up to date in steps (a heap and the walked prefix) instead of a full sort per added task.
 * Checked against a full sort after random adds, re-readings, assignments and partial walks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterState, type PendingTask } from "../../src/tasks/master/state.js";
import { comparePending } from "../../src/tasks/master/pending-order.js";

let made = 0;
function task(key: string, seq: number, priority = 0, n = 0, notBefore = 0): PendingTask {
  made++;
  return {
    key,
    seq: BigInt(seq),
    n,
    priority,
    type: null,
    labels: [],
    notBefore,
    delivery: "at-least-once",
    version: made,
    attempt: 1,
    group: "",
  };
}

const reference = (s: ClusterState): string[] =>
  [...s.pending.values()].sort(comparePending).map((t) => t.key);
const walk = (s: ClusterState, limit = Infinity): string[] => {
  const out: string[] = [];
  for (const t of s.orderedPending()) {
    if (out.length >= limit) break;
    out.push(t.key);
  }
  return out;
};

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("priority first, then czxid, then position in its multi", () => {
  const s = new ClusterState();
  s.addPending(task("c", 20, 0, 1));
  s.addPending(task("a", 10));
  s.addPending(task("b", 20, 0, 0));
  s.addPending(task("urgent", 30, 5));
  assert.deepEqual(walk(s), ["urgent", "a", "b", "c"]);
  // Added after a walk: a later task goes behind, an older or more urgent one before what was walked.
  s.addPending(task("d", 40));
  s.addPending(task("old", 5));
  s.addPending(task("urgent2", 50, 9));
  assert.deepEqual(walk(s), ["urgent2", "urgent", "old", "a", "b", "c", "d"]);
});

test("assigned, forgotten and re-read tasks: skipped or moved, never yielded twice", () => {
  const s = new ClusterState();
  for (let i = 0; i < 10; i++) s.addPending(task(`t${i}`, i));
  assert.deepEqual(walk(s, 3), ["t0", "t1", "t2"]);
  s.assign("t0", "w");
  s.assign("t2", "w");
  s.forget("t5");
  s.addPending(task("t7", 7, 3)); // re-read with a higher priority: the old reading is dead
  s.addPending(task("t3", 3)); // re-read, same place
  assert.deepEqual(walk(s), reference(s));
  assert.deepEqual(walk(s), ["t7", "t1", "t3", "t4", "t6", "t8", "t9"]);
  s.unassign("t0");
  s.addPending(task("t0", 0)); // a retry: a new reading of an old task
  assert.deepEqual(walk(s, 2), ["t7", "t0"]);
});

test("random adds, assignments, re-readings and partial walks agree with a full sort", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = rng(seed);
    const s = new ClusterState();
    let next = 0;
    for (let step = 0; step < 400; step++) {
      const op = r();
      if (op < 0.35) {
        // A burst of new tasks, some with a priority, some from one multi (same czxid).
        const seq = next++;
        const count = 1 + Math.floor(r() * (r() < 0.1 ? 3000 : 20));
        for (let i = 0; i < count; i++) s.addPending(task(`k${seq}.${i}`, seq, r() < 0.2 ? 1 : 0, i));
      } else if (op < 0.55) {
        // Re-readings of existing pending tasks (a retry's version bump): new objects, maybe new priority.
        for (const t of [...s.pending.values()].filter(() => r() < 0.05))
          s.addPending({
            ...t,
            priority: r() < 0.5 ? t.priority : Math.floor(r() * 3),
            version: t.version + 1,
          });
      } else if (op < 0.85) {
        // A round: walk a prefix, assign some of it.
        const ref = reference(s);
        const limit = Math.floor(r() * 50);
        const got = walk(s, limit);
        assert.deepEqual(got, ref.slice(0, limit), `seed ${seed} step ${step}`);
        for (const key of got) if (r() < 0.7) s.assign(key, "w");
      } else {
        for (const t of [...s.pending.values()].filter(() => r() < 0.02)) s.forget(t.key);
      }
    }
    assert.deepEqual(walk(s), reference(s), `seed ${seed}: full walk`);
  }
});

test("a first round over a large backlog reads only what it takes", () => {
  const s = new ClusterState();
  for (let i = 0; i < 200_000; i++) s.addPending(task(`t${i}`, (i * 7919) % 200_000));
  const first = walk(s, 5);
  assert.deepEqual(first, reference(s).slice(0, 5));
  for (const key of first) s.assign(key, "w");
  assert.deepEqual(walk(s, 3), reference(s).slice(0, 3));
});
