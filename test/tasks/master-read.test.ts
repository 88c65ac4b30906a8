/**
 * The master reads a task with one getData and asks for its child list only when the node's stat says
 * it has children (a `status`, or just a `progress`): a finished or cancelled task is never run, a task
 * with only a progress node still is — whether the master finds it at a rebuild or through its watch.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { NoNodeError, type ReadOpResult } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { Layout, Master, Submitter, Worker, type TaskContext } from "../../src/tasks/index.js";
import { encodeEnvelope } from "../../src/tasks/envelope.js";
import { readTask } from "../../src/tasks/master/state.js";
import { cleanup, client } from "./helpers.js";
import { startTcpProxy, type ProxiedFrame } from "../harness/tcp-proxy.js";
import { OpCode } from "../../src/protocol/index.js";

type Stat = Extract<ReadOpResult, { type: "getData" }>["stat"];

function stat(numChildren: number, version = 3): Stat {
  return {
    czxid: 7n,
    mzxid: 8n,
    ctime: 0,
    mtime: 0,
    version,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: 0,
    numChildren,
    pzxid: 7n,
  };
}

const envelope = encodeEnvelope({
  v: 1,
  type: "t",
  payload: null,
  options: { priority: 5, attempts: 2, backoff: null, timeout: null, labels: ["x"], delivery: "fenced" },
  run: { failures: 1, notBefore: 42, requeues: 0 },
  submittedAt: 0,
  n: 3,
});
const data = (numChildren: number): ReadOpResult => ({
  type: "getData",
  data: envelope,
  stat: stat(numChildren),
});
const list = (...children: string[]): ReadOpResult => ({ type: "getChildren", children });

test("readTask: no children → pending from the data alone; children → the list decides", () => {
  const r = readTask("b-01/t-a", data(0));
  assert.equal(r.kind, "pending");
  if (r.kind === "pending")
    assert.deepEqual(r.task, {
      key: "b-01/t-a",
      seq: 7n,
      n: 3,
      version: 3,
      type: "t",
      priority: 5,
      labels: ["x"],
      notBefore: 42,
      delivery: "fenced",
      attempt: 2,
      group: "",
    });
  assert.equal(readTask("b-01/t-a", data(1)).kind, "children");
  assert.equal(readTask("b-01/t-a", data(1), list("status")).kind, "finished");
  assert.equal(readTask("b-01/t-a", data(2), list("progress", "status")).kind, "finished");
  assert.equal(readTask("b-01/t-a", data(1), list("progress")).kind, "pending");
  assert.equal(readTask("b-01/t-a", undefined).kind, "gone");
  // The child list is read after the data: a node deleted in between has none (NoNode) → gone, not pending.
  const noNode: ReadOpResult = { type: "error", error: new NoNodeError({ path: "/tasks/b-01/t-a" }) };
  assert.equal(readTask("b-01/t-a", data(1), noNode).kind, "gone");
  const raw = readTask("task-0000000001", { type: "getData", data: Buffer.from("cmd"), stat: stat(0) });
  assert.equal(raw.kind === "pending" ? raw.task.type : "not pending", null);
  const bad = readTask("b-01/t-a", { type: "getData", data: Buffer.from("{oops"), stat: stat(0) });
  assert.equal(bad.kind, "bad");
});

forEachBackend("tasks: master reads", (backend) => {
  test("cancelled tasks never run; tasks with only a progress node do (rebuild and watch)", async () => {
    const root = uniqueRoot("mread");
    const zk = await client(backend());
    await zk.create(root, null);
    const layout = new Layout(root);
    const sub = new Submitter(zk, { root });
    const runs = new Map<string, number>();
    const note = (id: string): void => void runs.set(id, (runs.get(id) ?? 0) + 1);

    // Before any master: one plain, one with a progress node, one cancelled.
    const plain = await sub.submit("t", null, { id: "plain" });
    const prog = await sub.submit("t", null, { id: "prog" });
    await zk.create(layout.progress(prog.key), Buffer.from("1"));
    const gone = await sub.submit("t", null, { id: "cancelled" });
    assert.equal(await gone.cancel(), true);

    const master = new Master(zk, { root, id: "m1" });
    cleanup(() => master.close());
    await master.start();
    await master.waitForLeadership();
    // Paused: tasks submitted now are read through the watch and can be cancelled before any assignment.
    const later = await sub.submit("t", null, { id: "later-cancelled", delay: 300 });
    assert.equal(await later.cancel(), true);
    const later2 = await sub.submit("t", null, { id: "later-prog", delay: 300 });
    await zk.create(layout.progress(later2.key), Buffer.from("1"));

    const worker = new Worker(zk, { t: (ctx) => note(ctx.id) }, { root, id: "w1", concurrency: 4 });
    cleanup(() => worker.close());
    await worker.start();
    await Promise.all([plain.result(), prog.result(), later2.result()]);
    const last = await sub.submit("t", null, { id: "last" });
    await last.result();
    assert.deepEqual([...runs.entries()].sort(), [
      ["last", 1],
      ["later-prog", 1],
      ["plain", 1],
      ["prog", 1],
    ]);
    assert.equal((await gone.status()).state, "cancelled");
    assert.equal((await later.status()).state, "cancelled");
  });
});

/** The master connection's read requests (getData, multiRead) that name one of `ids`' task nodes. */
function taskReads(frames: readonly ProxiedFrame[], from: number, ids: readonly string[]): number {
  return frames.slice(from).filter((f) => {
    if (f.direction !== "c2s" || f.bytes.length < 12) return false;
    const op = f.bytes.readInt32BE(8);
    return (
      (op === OpCode.getData || op === OpCode.multiRead) && ids.some((id) => f.bytes.includes(`/t-${id}`))
    );
  }).length;
}

forEachBackend("tasks: reads of new tasks by the master and the worker", (backend) => {
  for (const eventData of [true, false]) {
    test(`events with data ${eventData ? "asked for" : "off"}: a task is read only when an event carried no data`, async () => {
      const root = uniqueRoot("mevent");
      const zk = await client(backend());
      await zk.create(root, null);
      const [mproxy, wproxy] = await Promise.all([
        startTcpProxy(backend().port),
        startTcpProxy(backend().port),
      ]);
      cleanup(() => mproxy.close());
      cleanup(() => wproxy.close());
      const mzk = await client(mproxy, { eventData });
      const wzk = await client(wproxy, { eventData });
      const master = new Master(mzk, { root, id: "m1" });
      cleanup(() => master.close());
      await master.start();
      await master.waitForLeadership();
      const worker = new Worker(
        wzk,
        { t: (ctx: TaskContext<number>) => ctx.payload * 2 },
        { root, id: "w1" },
      );
      cleanup(() => worker.close());
      await worker.start();
      const sub = new Submitter(zk, { root });
      // One task first: the term has loaded (a task created while it lists the buckets is read, rightly).
      assert.equal(await (await sub.submit("t", 0, { id: "warm" })).result(), 0);
      const [mfrom, wfrom] = [mproxy.frames.length, wproxy.frames.length];
      const ids = ["ev-1", "ev-2", "ev-3", "ev-4", "ev-5"];
      for (const [i, id] of ids.entries())
        assert.equal(await (await sub.submit("t", i, { id })).result(), i * 2);
      const masterReads = taskReads(mproxy.frames, mfrom, ids);
      const workerReads = taskReads(wproxy.frames, wfrom, ids);
      if (backend().name === "embedded" && eventData) {
        assert.equal(masterReads, 0, "the master took each task's reading from its event");
        assert.equal(workerReads, 0, "the worker ran each task from its assignment's event");
      } else {
        assert.ok(masterReads >= ids.length, `the master read each task (saw ${masterReads} reads)`);
        assert.ok(workerReads >= ids.length, `the worker read each task (saw ${workerReads} reads)`);
      }
    });
  }
});

forEachBackend("tasks: master reads of large tasks", (backend) => {
  test("a backlog of tasks far larger than the first guess is read and run", async () => {
    const root = uniqueRoot("mbig");
    const zk = await client(backend());
    const mzk = await client(backend());
    const wzk = await client(backend());
    await zk.create(root, null);
    const sub = new Submitter(zk, { root });
    const big = "x".repeat(200_000);
    const handles = [];
    for (let i = 0; i < 12; i++) handles.push(await sub.submit("t", big, { id: `big-${i}` }));
    const master = new Master(mzk, { root, id: "m1" });
    cleanup(() => master.close());
    await master.start();
    const worker = new Worker(
      wzk,
      { t: (ctx: TaskContext<string>) => ctx.payload.length },
      { root, id: "w1" },
    );
    cleanup(() => worker.close());
    await worker.start();
    for (const h of handles) assert.equal(await h.result(), big.length);
  });
});
