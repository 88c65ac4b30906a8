/** SlotGate: a worker's handler slots, handed over first come, first served. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SlotGate } from "../../src/tasks/worker/slot-gate.js";

test("slots are taken at once up to the size, then waiters are served in order as slots free", () => {
  const gate = new SlotGate(2);
  const order: string[] = [];
  const log = (x: string) => (): void => void order.push(x);
  assert.equal(gate.take(log("a")), true);
  assert.equal(gate.take(log("b")), true);
  assert.equal(gate.take(log("c")), false);
  assert.equal(gate.take(log("d")), false);
  assert.deepEqual(order, [], "a slot taken at once does not call back");
  gate.give();
  assert.deepEqual(order, ["c"]);
  assert.equal(gate.busy, 2, "handed over, not freed");
  gate.give();
  assert.deepEqual(order, ["c", "d"]);
  gate.give();
  gate.give();
  assert.equal(gate.busy, 0);
  assert.equal(gate.take(log("e")), true);
});

test("a waiter that no longer wants its slot gives it back: the next waiter gets it", () => {
  const gate = new SlotGate(1);
  const got: string[] = [];
  gate.take(() => got.push("first"));
  gate.take(() => gate.give()); // stopped while it waited
  gate.take(() => got.push("third"));
  gate.give();
  assert.deepEqual(got, ["third"]);
  assert.equal(gate.busy, 1);
});

test("waiters are served highest priority first, first come first served among equals", () => {
  const gate = new SlotGate(1);
  const order: string[] = [];
  const log = (x: string) => (): void => void order.push(x);
  assert.equal(gate.take(log("running"), 0), true);
  gate.take(log("low-1"), 0);
  gate.take(log("low-2"), 0);
  gate.take(log("high"), 10);
  gate.take(log("mid-1"), 5);
  gate.take(log("mid-2"), 5);
  gate.give();
  gate.give();
  assert.deepEqual(order, ["high", "mid-1"]);
  gate.take(log("top"), 20); // arrives after two were served: still ahead of the rest
  for (let i = 0; i < 4; i++) gate.give();
  assert.deepEqual(order, ["high", "mid-1", "top", "mid-2", "low-1", "low-2"]);
});
