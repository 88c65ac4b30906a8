/** Priority overflow (master/overflow.ts) without a server: when a pending task outranks a prefetching
 * worker's queued assignments, it goes to that worker beyond its capacity — and only then. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterState, type PendingTask } from "../../src/tasks/master/state.js";
import { pickTasks } from "../../src/tasks/master/round.js";
import { leastLoaded } from "../../src/tasks/master/scheduler.js";

let seq = 0;
function task(key: string, priority = 0): PendingTask {
  return {
    key,
    seq: BigInt(++seq),
    n: 0,
    priority,
    type: "t",
    labels: [],
    notBefore: 0,
    delivery: "at-least-once",
    version: 0,
    attempt: 1,
    group: "",
  };
}

/** A worker of `concurrency` with `prefetch`, holding assignments of the given priorities. */
function cluster(concurrency: number, prefetch: number, held: number[], id = "w"): ClusterState {
  const s = new ClusterState();
  addWorker(s, id, concurrency, prefetch, held);
  return s;
}

function addWorker(s: ClusterState, id: string, concurrency: number, prefetch: number, held: number[]): void {
  const info = { capacity: concurrency + prefetch, concurrency, labels: [], types: ["t"], raw: false };
  s.workers.set(id, { id, info: { ...info, host: "h", pid: 1 }, assigned: new Set() });
  held.forEach((p, i) => s.assign(`${id}-held-${i}`, id, task(`${id}-held-${i}`, p)));
}

const keys = (s: ClusterState): string[] =>
  pickTasks(s, leastLoaded, Date.now()).picks.map((p) => `${p.task.key}→${p.worker}`);

test("a full worker gets a pending task that outranks its queued assignments, beyond its capacity", () => {
  const s = cluster(1, 2, [0, 0, 0]);
  s.addPending(task("same", 0));
  s.addPending(task("high", 10));
  assert.deepEqual(keys(s), ["high→w"], "the equal-priority one waits for capacity");
});

test("no overflow when nothing is outranked, or only what may be running", () => {
  assert.deepEqual(keys(withPending(cluster(1, 2, [0, 0, 0]), 0)), []);
  // Holds one low (maybe running) and two higher: a mid task would only pass the running one.
  assert.deepEqual(keys(withPending(cluster(1, 2, [0, 9, 9]), 5)), []);
  // No prefetch: nothing is queued at the worker, so nothing to jump ahead of.
  assert.deepEqual(keys(withPending(cluster(3, 0, [0, 0, 0]), 5)), []);
});

test("at most `prefetch` beyond capacity, highest first, and each one still has to outrank", () => {
  const s = cluster(1, 2, [0, 0, 0]);
  for (const [k, p] of [
    ["a", 5],
    ["b", 7],
    ["c", 6],
  ] as const)
    s.addPending(task(k, p));
  assert.deepEqual(keys(s), ["b→w", "c→w"]);
  // After those two are held (priorities 0,0,0,7,6): a third has no room.
  s.assign("b", "w", task("b", 7));
  s.assign("c", "w", task("c", 6));
  assert.deepEqual(keys(s), []);
});

test("the overflow goes to a worker whose queue it outranks; free capacity is used first", () => {
  const s = cluster(1, 2, [9, 9, 9], "busy-high");
  addWorker(s, "busy-low", 1, 2, [0, 0, 0]);
  s.addPending(task("x", 5));
  assert.deepEqual(keys(s), ["x→busy-low"]);
  addWorker(s, "idle", 1, 2, []);
  assert.deepEqual(keys(s), ["x→idle"]);
});

function withPending(s: ClusterState, priority: number): ClusterState {
  s.addPending(task(`p${priority}`, priority));
  return s;
}
