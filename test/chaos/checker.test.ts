/** The chaos checker on synthetic histories: clean ones pass; each broken one fails the right invariant. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { check, percentile, type FinalRead, type Invariant } from "./checker.js";
import type { Delivery, HistoryEvent } from "./history.js";

type E = HistoryEvent;
let clock = 1000;
const at = (): number => (clock += 10);

function task(id: string, delivery: Delivery, worker = "w1.1", token = 0, epoch = 1): E[] {
  return [
    { t: at(), p: "s1.1", ev: "submit", id, delivery },
    { t: at(), p: "s1.1", ev: "acked", id, delivery, created: true },
    { t: at(), p: "m1.1", ev: "assigned", id, worker, token, epoch },
    { t: at(), p: worker, ev: "started", id, worker, token, attempt: 1 },
    { t: at(), p: worker, ev: "committed", id, worker, token, state: "done" },
    { t: at(), p: "s1.1", ev: "observed", id, state: "done", result: { worker, token } },
  ];
}

const term = (master: string, epoch: number): E => ({ t: at(), p: master, ev: "term", master, epoch });
const done = (
  worker: string,
  token: number,
): { status: { state: string; result: { worker: string; token: number } } } => ({
  status: { state: "done", result: { worker, token } },
});

function base(): { events: E[]; final: FinalRead } {
  clock = 1000;
  const events = [
    term("m1.1", 1),
    ...task("a", "at-least-once"),
    ...task("b", "at-most-once", "w2.1"),
    ...task("c", "fenced", "w3.1"),
  ];
  return {
    events,
    final: { tasks: { a: done("w1.1", 0), b: done("w2.1", 0), c: done("w3.1", 0) }, epoch: 1 },
  };
}

const invariants = (events: E[], final: FinalRead): Invariant[] =>
  [...new Set(check(events, final).violations.map((v) => v.invariant))].sort();

test("a clean history passes, with its figures", () => {
  const { events, final } = base();
  const r = check(events, final);
  assert.deepEqual(r.violations, []);
  assert.equal(r.ok, true);
  assert.equal(r.figures.acked, 3);
  assert.equal(r.figures.executions, 3);
  assert.equal(r.figures.committed, 3);
  assert.equal(r.figures.lost, 0);
  assert.deepEqual(r.figures.byDelivery, { "at-least-once": 1, "at-most-once": 1, fenced: 1 });
});

test("an at-least-once re-run after a worker loss is fine: the later token commits", () => {
  const { events, final } = base();
  events.push(
    ...task("d", "at-least-once", "w1.1", 0).slice(0, 4), // started on w1.1, which then dies
    { t: at(), p: "chaos", ev: "fault", kind: "worker-kill", target: "w1.1", phase: "inject" },
    { t: at(), p: "m1.1", ev: "assigned", id: "d", worker: "w2.1", token: 1, epoch: 1 },
    { t: at(), p: "w2.1", ev: "started", id: "d", worker: "w2.1", token: 1, attempt: 1 },
    { t: at(), p: "w2.1", ev: "committed", id: "d", worker: "w2.1", token: 1, state: "done" },
  );
  final.tasks["d"] = done("w2.1", 1);
  const r = check(events, final);
  assert.deepEqual(r.violations, []);
  assert.equal(r.figures.rerunTasks, 1);
  assert.equal(r.figures.recovery["worker-kill"]?.samples.length, 1);
});

test("an acknowledged task missing from ZooKeeper is lost", () => {
  const { events, final } = base();
  delete final.tasks["a"];
  assert.ok(invariants(events, final).includes("lost"));
});

test("a task without an outcome at the end is not terminal; an unacknowledged intent is not required", () => {
  const { events, final } = base();
  final.tasks["a"] = { status: null };
  assert.ok(invariants(events, final).includes("terminal"));
  const clean = base();
  clean.events.push({ t: at(), p: "s1.1", ev: "submit", id: "never-acked", delivery: "fenced" });
  assert.deepEqual(invariants(clean.events, clean.final), []);
});

test("an at-most-once task started twice fails", () => {
  const { events, final } = base();
  events.push({ t: at(), p: "w4.1", ev: "started", id: "b", worker: "w4.1", token: 0, attempt: 1 });
  assert.deepEqual(invariants(events, final), ["at-most-once"]);
});

test("two committed results for one task fail one-result; a fenced task done without a commit fails", () => {
  const { events, final } = base();
  events.push({ t: at(), p: "w4.1", ev: "committed", id: "c", worker: "w4.1", token: 0, state: "done" });
  assert.ok(invariants(events, final).includes("one-result"));
  const silent = base();
  silent.final.tasks["c"] = { status: { state: "done", result: null } };
  silent.events = silent.events.filter((e) => !(e.ev === "committed" && e.id === "c"));
  assert.ok(invariants(silent.events, silent.final).includes("one-result"));
});

test("a commit logged before a SIGKILL lost the log line is still counted once (stored status)", () => {
  const { events, final } = base();
  const noLog = events.filter((e) => !(e.ev === "committed" && e.id === "a"));
  assert.deepEqual(invariants(noLog, final), []);
});

test("a zombie's late result (older token) committed fails stale-result", () => {
  const { events, final } = base();
  events.push(
    { t: at(), p: "m1.1", ev: "assigned", id: "c", worker: "w1.1", token: 1, epoch: 1 },
    { t: at(), p: "w1.1", ev: "started", id: "c", worker: "w1.1", token: 1, attempt: 1 },
  );
  // w3.1's commit at token 0 is what is stored, although token 1 was issued after it.
  assert.ok(invariants(events, final).includes("stale-result"));
});

test("a deposed master's write: two assignments of one token under different epochs, or a shared epoch", () => {
  const { events, final } = base();
  events.push(term("m2.1", 2), {
    t: at(),
    p: "m2.1",
    ev: "assigned",
    id: "a",
    worker: "w4.1",
    token: 0,
    epoch: 2,
  });
  final.epoch = 2;
  assert.ok(invariants(events, final).includes("deposed-master"));
  const shared = base();
  shared.events.push(term("m2.1", 1));
  assert.deepEqual(invariants(shared.events, shared.final), ["deposed-master"]);
  const beyond = base();
  beyond.final.epoch = 0;
  assert.deepEqual(invariants(beyond.events, beyond.final), ["deposed-master"]);
});

test("what the submitter observed must equal what is stored", () => {
  const { events, final } = base();
  events.push({
    t: at(),
    p: "s1.1",
    ev: "observed",
    id: "a",
    state: "done",
    result: { worker: "w9.1", token: 0 },
  });
  assert.deepEqual(invariants(events, final), ["observed"]);
  const state = base();
  state.final.tasks["b"] = { status: { state: "failed", reason: "outcome unknown" } };
  state.events = state.events.filter((e) => !(e.ev === "committed" && e.id === "b"));
  assert.deepEqual(invariants(state.events, state.final), ["observed"]);
});

test("a failed at-most-once task (outcome unknown) with no worker commit passes", () => {
  const { events, final } = base();
  const ev = events.filter((e) => !(e.ev === "committed" || e.ev === "observed") || e.id !== "b");
  ev.push({ t: at(), p: "s1.1", ev: "observed", id: "b", state: "failed", reason: "outcome unknown" });
  final.tasks["b"] = { status: { state: "failed", reason: "outcome unknown" } };
  assert.deepEqual(invariants(ev, final), []);
});

test("recovery times: master faults until a newer term, server faults until the next commit", () => {
  const { events, final } = base();
  events.push({ t: 5000, p: "chaos", ev: "fault", kind: "master-kill", target: "m1.1", phase: "inject" });
  events.push({ t: 6500, p: "m2.1", ev: "term", master: "m2.1", epoch: 2 });
  events.push({ t: 7000, p: "chaos", ev: "fault", kind: "server-kill", target: "server", phase: "inject" });
  events.push({ t: 7900, p: "w1.1", ev: "committed", id: "a", worker: "w1.1", token: 0, state: "done" });
  final.epoch = 2;
  const r = check(events, final).figures.recovery;
  assert.deepEqual(r["master-kill"], { samples: [1500], unrecovered: 0 });
  assert.deepEqual(r["server-kill"], { samples: [900], unrecovered: 0 });
  assert.equal(percentile([1, 2, 3, 4, 100], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 100], 99), 100);
});

test("a worker's own final failure (at-most-once retried after a lost commit) matches a stored failure", () => {
  const { events, final } = base();
  const ev = events.filter((e) => !(e.ev === "committed" || e.ev === "observed") || e.id !== "b");
  ev.push({ t: at(), p: "w2.1", ev: "committed", id: "b", worker: "w2.1", token: 0, state: "failed" });
  final.tasks["b"] = { status: { state: "failed", reason: "outcome unknown: an earlier execution started" } };
  assert.deepEqual(invariants(ev, final), []);
  final.tasks["b"] = done("w2.1", 0);
  assert.deepEqual(invariants(ev, final), ["one-result"]);
});
