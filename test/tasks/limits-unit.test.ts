/** Limits and fair groups without a server: parsing, the start window, and the master's fair round. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/client/index.js";
import { parseLimits, parseRateText, parseWindow as parseDuration } from "../../src/tasks/limits.js";
import { StartWindow } from "../../src/tasks/start-window.js";
import { ClusterState, type PendingTask } from "../../src/tasks/master/state.js";
import { pickTasks } from "../../src/tasks/master/round.js";
import type { LimitGate } from "../../src/tasks/master/limits.js";
import { leastLoaded } from "../../src/tasks/master/scheduler.js";
import { parseSubmitOptions } from "../../src/tasks/submit/options.js";

let seq = 0;
function task(key: string, group: string, type = "t", priority = 0, notBefore = 0): PendingTask {
  seq++;
  return {
    key,
    seq: BigInt(seq),
    n: 0,
    priority,
    type,
    labels: [],
    notBefore,
    delivery: "at-least-once",
    version: 0,
    attempt: 1,
    group,
  };
}

function cluster(capacity: number, types = ["t", "u"]): ClusterState {
  const s = new ClusterState();
  s.workers.set("w", {
    id: "w",
    info: { capacity, concurrency: capacity, labels: [], types, raw: false, host: "h", pid: 1 },
    assigned: new Set(),
  });
  return s;
}

/** Runs a round and marks its picks assigned, as the term does. */
function round(s: ClusterState, now = 0, gate: LimitGate | null = null): string[] {
  const { picks } = pickTasks(s, leastLoaded, now, gate);
  for (const p of picks) s.assign(p.task.key, p.worker, p.task);
  return picks.map((p) => p.task.key);
}

test("durations and rates: the accepted forms and precise errors", () => {
  assert.equal(parseDuration("d", "500ms"), 500);
  assert.equal(parseDuration("d", "1s"), 1000);
  assert.equal(parseDuration("d", "5m"), 300_000);
  assert.equal(parseDuration("d", "1h"), 3_600_000);
  assert.equal(parseDuration("d", "1.5s"), 1500);
  assert.deepEqual(parseRateText("rate", "20/1s"), { limit: 20, per: 1000 });
  for (const bad of ["1", "8d", "-1s", "0ms", "s", "1 s x"])
    assert.throws(() => parseDuration("d", bad), InvalidArgumentError, bad);
  for (const bad of ["20", "0/1s", "x/1s", "20/", "1.5/1s", "20/1y"])
    assert.throws(() => parseRateText("rate", bad), /rate/, bad);
  assert.throws(() => parseLimits({}), /at least one/);
  assert.throws(() => parseLimits({ rat: "1/1s" }), /unknown limit/);
  assert.throws(() => parseLimits({ concurrency: 0 }), /concurrency.*1 to/);
  assert.throws(() => parseLimits({ concurrency: 2.5 }), /concurrency/);
  assert.throws(() => parseLimits({ rate: { limit: 5 } }), /rate.per/);
  assert.deepEqual(parseLimits({ rate: "20/1s", groupConcurrency: 2 }), {
    rate: { limit: 20, per: 1000 },
    groupConcurrency: 2,
  });
});

test("a task's group is validated like a label (no '/': it names a znode)", () => {
  assert.equal(parseSubmitOptions({ group: "tenant-1" }).options.group, "tenant-1");
  assert.equal(parseSubmitOptions({}).options.group, undefined);
  for (const bad of ["", "a/b", "x".repeat(65), "sp ace", ".", ".."])
    assert.throws(() => parseSubmitOptions({ group: bad }), /group/, bad);
});

test("a start window counts starts in (now - per, now] and never counts a start earlier than it was", () => {
  const w = new StartWindow();
  w.add(1000, 3, 1000);
  w.add(1500, 2, 1000);
  assert.equal(w.count(1999, 1000), 5);
  assert.equal(w.count(2000, 1000), 2); // the starts at 1000 left at 2000
  assert.equal(w.freeAt(2000, { limit: 2, per: 1000 }), 2500);
  assert.equal(w.freeAt(2000, { limit: 3, per: 1000 }), 2000);
  // Crowded starts share an entry stamped with the latest of them (1/64 of the window).
  const c = new StartWindow();
  for (let t = 0; t < 1000; t++) c.add(10_000 + t, 1, 1000);
  const encoded = c.encode(10_999, 1000);
  assert.ok(encoded.split("],[").length <= 65, encoded);
  // As a new master reads it: every real start still inside the window is counted (time only moves on).
  const copy = StartWindow.decode(Buffer.from(encoded));
  for (let now = 10_999; now < 12_100; now += 13) {
    const real = Math.max(0, Math.min(1000, 10_999 - (now - 1000)));
    const counted = copy.count(now, 1000);
    assert.ok(counted >= real, `at ${now}: ${counted} < ${real}`);
    assert.ok(
      counted <= real + 16,
      `at ${now}: ${counted} ≫ ${real} (rounding is at most 1/64 of the window)`,
    );
  }
});

test("groups are served round-robin: a burst in one group delays another's task by one turn", () => {
  const s = cluster(4);
  for (let i = 0; i < 1000; i++) s.addPending(task(`a${i}`, "A"));
  assert.deepEqual(round(s), ["a0", "a1", "a2", "a3"]);
  s.addPending(task("b0", "B"));
  s.addPending(task("b1", "B"));
  for (const k of ["a0", "a1", "a2", "a3"]) s.finish(k, 0);
  assert.deepEqual(round(s), ["a4", "b0", "a5", "b1"]);
  for (const k of ["a4", "b0", "a5", "b1"]) s.finish(k, 0);
  assert.deepEqual(round(s), ["a6", "a7", "a8", "a9"]);
});

test("priority orders tasks inside a group; the default group is a group like the others", () => {
  const s = cluster(6);
  s.addPending(task("x0", ""));
  s.addPending(task("x1", ""));
  s.addPending(task("a-low", "A", "t", 0));
  s.addPending(task("a-high", "A", "t", 5));
  s.addPending(task("x2", ""));
  assert.deepEqual(round(s), ["x0", "a-high", "x1", "a-low", "x2"]);
});

test("a group whose tasks cannot start does not block the others (delayed, no worker, over a limit)", () => {
  const s = cluster(3, ["t"]);
  s.addPending(task("late", "A", "t", 0, 10_000));
  s.addPending(task("nobody", "B", "x"));
  s.addPending(task("limited", "C", "u"));
  s.addPending(task("ok1", "D"));
  s.addPending(task("ok2", "D"));
  const blockU: LimitGate = { wait: (type) => (type === "u" ? 5000 : 0), record: () => undefined };
  const { picks, nextWake } = pickTasks(s, leastLoaded, 0, blockU);
  assert.deepEqual(
    picks.map((p) => p.task.key),
    ["ok1", "ok2"],
  );
  assert.equal(nextWake, 5000);
});

test("1,000 groups: a round takes each group's best task once before any group's second", () => {
  const s = cluster(1000);
  for (let i = 0; i < 20_000; i++) s.addPending(task(`k${i}`, `g${i % 1000}`, "t", i % 7));
  const best = new Map<string, number>();
  for (const t of s.pending.values()) best.set(t.group, Math.max(best.get(t.group) ?? -1, t.priority));
  const picked = round(s);
  assert.equal(picked.length, 1000);
  const index = (k: string): number => Number(k.slice(1));
  assert.equal(new Set(picked.map((k) => index(k) % 1000)).size, 1000, "one task per group");
  // Each is its group's highest priority.
  for (const k of picked) {
    const i = index(k);
    assert.equal(i % 7, best.get(`g${i % 1000}`), `${k} is the best of g${i % 1000}`);
  }
});
