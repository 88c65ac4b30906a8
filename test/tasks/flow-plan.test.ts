/** submitFlow's checks and layout of a tree, before anything is written (no server needed). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError, ZooKeeperClient } from "../../src/client/index.js";
import { planFlow, type FlowNode } from "../../src/tasks/submit/flow.js";
import { PayloadTooLargeError, Submitter } from "../../src/tasks/index.js";

test("children come before their parent, the root last; ids default to <root>.<pre-order n>", () => {
  const plan = planFlow({
    type: "p",
    id: "r",
    children: [
      { type: "c", children: [{ type: "g" }, { type: "g", id: "mine" }] },
      { type: "c", onFailure: "continue" },
    ],
  });
  assert.deepEqual(
    plan.map((n) => n.id),
    ["r.2", "mine", "r.1", "r.4", "r"],
  );
  const byId = new Map(plan.map((n) => [n.id, n]));
  assert.deepEqual(byId.get("r")?.links, { children: 2, waiting: true });
  assert.deepEqual(byId.get("r")?.children, { children: ["r.1", "r.4"], onFailure: { "r.4": "continue" } });
  assert.deepEqual(byId.get("r.1")?.links, { root: "r", parent: "r", children: 2, waiting: true });
  assert.deepEqual(byId.get("mine")?.links, { root: "r", parent: "r.1" });
  assert.equal(byId.get("mine")?.children, null);
  assert.equal(plan[plan.length - 1]?.id, "r", "the root is written last");
});

test("the same tree names the same tasks (a retry completes the same flow); a root without id gets a random one", () => {
  const tree: FlowNode = { type: "p", id: "same", children: [{ type: "c" }, { type: "c" }] };
  assert.deepEqual(
    planFlow(tree).map((n) => n.id),
    planFlow(tree).map((n) => n.id),
  );
  const a = planFlow({ type: "p", children: [{ type: "c" }] });
  const b = planFlow({ type: "p", children: [{ type: "c" }] });
  assert.notEqual(a[1]?.id, b[1]?.id);
  assert.equal(a[0]?.id, `${a[1]?.id}.1`);
});

test("bad trees are refused with the place named", () => {
  const bad = (tree: unknown, where: RegExp): void =>
    assert.throws(
      () => planFlow(tree as FlowNode),
      (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError, String(err));
        assert.match(err.message, where);
        return true;
      },
    );
  bad({ type: "p", children: [{ type: "c", onFailure: "maybe" }] }, /root\.children\[0\]\.onFailure/);
  bad({ type: "p", onFailure: "ignore" }, /root\.onFailure: .*child/);
  bad(
    {
      type: "p",
      children: [
        { type: "c", id: "x" },
        { type: "c", id: "x" },
      ],
    },
    /appears twice/,
  );
  bad({ type: "p", children: [{ type: "c", colour: "red" }] }, /root\.children\[0\]\.colour/);
  bad({ type: "p", children: "no" }, /root\.children: expected an array/);
  bad({ type: "p", id: "a", options: { id: "b" } }, /differs from options\.id/);
  bad({ type: "p", id: "x".repeat(127), children: [{ type: "c" }] }, /root\.children\[0\]\.id/);
  bad({ type: "p", children: [null] }, /root\.children\[0\]/);
});

test("a parent whose list of children is too large is refused before anything is written", async () => {
  // Never connected: a write would fail differently (and hang first).
  const sub = new Submitter(new ZooKeeperClient({ connectString: "127.0.0.1:1" }), { maxTaskBytes: 2000 });
  await assert.rejects(
    sub.submitFlow({ type: "p", id: "big", children: Array.from({ length: 200 }, () => ({ type: "c" })) }),
    PayloadTooLargeError,
  );
  await assert.rejects(
    sub.submitFlow({ type: "p", children: [{ type: 7 } as unknown as FlowNode] }),
    /root\.children\[0\]/,
  );
});
