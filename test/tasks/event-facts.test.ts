/**
 * A follower's facts (tasks/admin/event-facts.ts) when its read comes after the change it was told of:
 * an assignment that a fast worker already committed (deleted) is still an `active` event.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NoNodeError, type ReadOp, type ReadOpResult, type Stat } from "../../src/client/index.js";
import { applyFact, readFacts } from "../../src/tasks/admin/event-facts.js";
import type { KnownTask } from "../../src/tasks/admin/event-types.js";
import { Layout, keyOfId } from "../../src/tasks/layout.js";
import { prepareTask } from "../../src/tasks/submit/prepare.js";

const layout = new Layout("/r");
const key = keyOfId("fast-1");
const stat = { ctime: 1, mtime: 1, version: 0 } as unknown as Stat;
// A real envelope, as a submitter writes it.
const prepared = prepareTask(layout, 1 << 20, { type: "flaky", options: { id: "fast-1" } });
const envelope = Buffer.from(prepared.data);

/** Reads answered from `nodes` (path → data); a missing path is NoNode, as a deleted node reads. */
function reads(nodes: Record<string, Buffer>): (ops: readonly ReadOp[]) => Promise<ReadOpResult[]> {
  return async (ops) =>
    ops.map((op): ReadOpResult => {
      const data = nodes[op.path];
      return data === undefined
        ? { type: "error", error: new NoNodeError() }
        : { type: "getData", data, stat };
    });
}

/** The follower's facts for a NodeCreated of the task's assignment to w1. */
function assignedToW1(
  read: ReturnType<typeof reads>,
  known: Map<string, KnownTask>,
): ReturnType<typeof readFacts> {
  return readFacts(read, layout, known, { kind: "assignment", key, worker: "w1" }, "NodeCreated", new Set());
}

test("an assignment deleted before the follower read it is still active, on the named worker, with the task's type", async () => {
  for (const knownBefore of [false, true]) {
    const known = new Map<string, KnownTask>();
    if (knownBefore) known.set(key, { type: "flaky", failures: 1, requeues: 0, final: false });
    const read = reads({ [layout.task(key)]: envelope }); // the task node outlives its assignment
    const facts = await assignedToW1(read, known);
    assert.equal(facts.length, 1, `one fact (task known before: ${knownBefore})`);
    const e = applyFact(known, facts[0]!);
    assert.equal(e?.event, "active");
    assert.equal(e?.event === "active" ? e.worker : undefined, "w1");
    assert.equal(e?.type, "flaky");
  }
});

test("an assignment still there is read: its attempt and time are in the event", async () => {
  const known = new Map<string, KnownTask>();
  const a = Buffer.from(JSON.stringify({ task: key, token: 3, attempt: 2, at: 1234 }));
  const read = reads({ [layout.task(key)]: envelope, [layout.assignment("w1", key)]: a });
  const facts = await assignedToW1(read, known);
  const e = applyFact(known, facts[0]!);
  assert.equal(e?.event, "active");
  assert.equal(e?.attempt, 2);
  assert.equal(e?.at, 1234);
});
