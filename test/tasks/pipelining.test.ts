/**
 * How a worker keeps its pipeline full, on both servers.
 * ReadBatcher: reads asked for in one turn share a multiRead, each caller gets what it would have got
 * alone (per-op errors included), and a batch whose reply is too large for one frame falls back to one
 * request per caller (Apache sends the big reply and the client drops the connection; the embedded
 * server answers MARSHALLINGERROR).
 * Execution: the concurrency slot is given back when the handler settles, not when its commit is answered.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { NoNodeError, type ReadOp, type ZooKeeperClient } from "../../src/client/index.js";
import { ReadBatcher } from "../../src/tasks/read-batch.js";
import { Execution, type ExecutionEnv } from "../../src/tasks/worker/execution/execution.js";
import { commitFenced } from "../../src/tasks/worker/execution/commit.js";
import { Layout } from "../../src/tasks/layout.js";
import { client } from "./helpers.js";

/** Records the op count of every multiRead the client sends. */
function counting(zk: ZooKeeperClient): number[] {
  const sent: number[] = [];
  const real = zk.multiRead.bind(zk);
  zk.multiRead = (ops, opts) => (sent.push(ops.length), real(ops, opts));
  return sent;
}

forEachBackend("tasks: read batcher", (backend) => {
  test("reads of one turn share a multiRead; each caller gets its own results and errors", async () => {
    const root = uniqueRoot("reads");
    const zk = await client(backend());
    await zk.create(root, null);
    for (let i = 0; i < 10; i++) await zk.create(`${root}/n${i}`, `v${i}`);
    const sent = counting(zk);
    const reads = new ReadBatcher(zk);
    // Before it has seen an answer, a batch is sized for 16 KB each (15 ops); then for what it saw.
    await reads.read([{ type: "getData", path: `${root}/n0` }]);
    assert.deepEqual(sent.splice(0), [1]);
    const got = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        reads.read([
          { type: "getData", path: `${root}/n${i}` },
          { type: "getChildren", path: root },
        ]),
      ),
    );
    assert.deepEqual(sent, [24]);
    for (let i = 0; i < 12; i++) {
      const [data, children] = got[i] ?? [];
      if (i < 10) assert.equal(data?.type === "getData" && data.data?.toString(), `v${i}`);
      else assert.ok(data?.type === "error" && data.error instanceof NoNodeError, `n${i} is missing`);
      assert.equal(children?.type === "getChildren" && children.children.length, 10);
    }
  });

  test("a batch too large for one reply frame is answered op by op, and later batches stay small", async () => {
    const root = uniqueRoot("reads-big");
    const zk = await client(backend());
    await zk.create(root, null);
    const big = Buffer.alloc(400 * 1024, 0x62);
    for (let i = 0; i < 3; i++) await zk.create(`${root}/big${i}`, big);
    const sent = counting(zk);
    const reads = new ReadBatcher(zk);
    const ops = (i: number): ReadOp[] => [{ type: "getData", path: `${root}/big${i}` }];
    const first = await Promise.all([0, 1, 2].map((i) => reads.read(ops(i))));
    // 3 × 400 KB > the 1 MB frame limit: the batch fails, each read is sent again alone.
    assert.deepEqual(sent, [3, 1, 1, 1]);
    for (const [r] of first) assert.ok(r?.type === "getData" && r.data?.equals(big));
    sent.length = 0;
    const again = await Promise.all([0, 1, 2].map((i) => reads.read(ops(i))));
    assert.deepEqual(sent, [1, 1, 1], "it has seen 400 KB answers: one op per batch");
    for (const [r] of again) assert.ok(r?.type === "getData" && r.data?.equals(big));
  });
});

forEachBackend("tasks: execution slot", (backend) => {
  test("the handler's slot is given back when it settles, before its commit is answered", async () => {
    const root = uniqueRoot("slot");
    const zk = await client(backend());
    const layout = new Layout(root);
    for (const p of [root, layout.tasks, layout.assign, layout.assignDir("w")]) await zk.create(p, null);
    await zk.create(layout.task("task-0000000001"), "cmd");
    const assignPath = layout.assignment("w", "task-0000000001");
    await zk.create(assignPath, JSON.stringify({ token: 0 }));
    const order: string[] = [];
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const env: ExecutionEnv = {
      client: zk,
      layout,
      workerId: "w",
      handlers: new Map(),
      raw: () => (order.push("handler"), "done"),
      hooks: { started: () => undefined, committed: () => undefined, rejected: () => undefined },
      unsafeDisableFencing: false,
      committer: {
        commit: async (t, plan) => {
          order.push("commit sent");
          // Without the slot given back first this would wait for good; the order check then fails.
          await Promise.race([gate, new Promise((r) => setTimeout(r, 2000))]);
          return commitFenced(env, t, plan);
        },
      },
    };
    const ex = new Execution(env, "task-0000000001", assignPath, () => {
      order.push("slot free");
      open();
    });
    const r = await ex.run();
    assert.equal(r.result, "done");
    assert.deepEqual(order, ["handler", "slot free", "commit sent"]);
    assert.equal((await zk.getData(layout.status("task-0000000001"))).data?.toString(), "done");
    assert.equal(await zk.exists(assignPath), null);
  });
});
