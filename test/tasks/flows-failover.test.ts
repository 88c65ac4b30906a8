/** Flows through failures: the master SIGKILLed mid-flow; a submitter cut off between the multis of a flow. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import {
  Master,
  Submitter,
  TaskCancelledError,
  Worker,
  type FlowNode,
  type TaskContext,
} from "../../src/tasks/index.js";
import { cleanup, client } from "./helpers.js";
import { startRole } from "./processes.js";

forEachBackend("tasks: flows through failures", (backend) => {
  for (const signal of ["SIGKILL", "SIGSTOP"] as const)
    test(`a 50-child flow whose parent sums its children survives a ${signal} of the active master`, async () => {
      const root = uniqueRoot(`flow-${signal}`);
      const zk = await client(backend());
      await zk.create(root, null);
      const m1 = await startRole("master", backend().connectString, root, "m1", 4, "quiet");
      await m1.waitFor((l) => "leader" in l, "m1 leading");
      const backup = new Master(await client(backend()), { root, id: "m2" });
      cleanup(() => backup.close());
      await backup.start();
      const runs: string[] = [];
      let done = 0;
      let onDone: (() => void) | null = null;
      const slow = async (ctx: TaskContext<number>): Promise<number> => {
        runs.push(ctx.id);
        await new Promise((r) => setTimeout(r, 20));
        return ctx.payload;
      };
      const sum = async (ctx: TaskContext): Promise<number> => {
        runs.push(ctx.id);
        const r = await ctx.childResults<number>();
        return Object.values(r).reduce((a, b) => a + b, 0);
      };
      const worker = new Worker(await client(backend()), { slow, sum }, { root, id: "w", concurrency: 4 });
      worker.on("completed", () => {
        if (++done === 10) onDone?.();
      });
      cleanup(() => worker.close());
      await worker.start();
      const tenDone = new Promise<void>((r) => (onDone = r));
      const flow = await new Submitter(zk, { root }).submitFlow({
        type: "sum",
        id: "sum50",
        children: Array.from({ length: 50 }, (_, i) => ({ type: "slow", payload: i + 1 })),
      });
      await tenDone;
      await m1.kill(signal);
      const doneAtKill = done;
      assert.ok(doneAtKill < 40, `stopped mid-flow (${doneAtKill} of 51 done)`);
      assert.ok((await backup.waitForLeadership()) > 1, "the backup led");
      // A paused master wakes up deposed: whatever it still tries is fenced out.
      if (signal === "SIGSTOP") m1.proc.kill("SIGCONT");
      assert.equal(await flow.root.result(), 1275);
      assert.equal(runs.length, 51, `each of the 51 tasks ran once (${runs.length} runs)`);
      assert.equal(runs[runs.length - 1], "sum50");
    });

  test("a submitter cut off between the multis of a flow leaves nothing that runs; a retry completes it", async () => {
    const root = uniqueRoot("flow-cut");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const runs: string[] = [];
    const num = (ctx: TaskContext<number>): number => (runs.push(ctx.id), ctx.payload);
    const sum = async (ctx: TaskContext): Promise<number> => {
      runs.push(ctx.id);
      return Object.values(await ctx.childResults<number>()).reduce((a, b) => a + b, 0);
    };
    // One at a time, in the master's order: flow tasks (older) would run before the marker.
    const worker = new Worker(zk, { num, sum }, { root, concurrency: 1, prefetch: 0 });
    cleanup(() => worker.close());
    await worker.start();
    const tree: FlowNode = {
      type: "sum",
      id: "cut",
      children: Array.from({ length: 1200 }, (_, i) => ({ type: "num", payload: i })),
    };
    // The submitter's client closes right after its first multi (500 of the 1,201 tasks) committed.
    const doomed = await client(backend());
    const transaction = doomed.transaction.bind(doomed);
    let commits = 0;
    doomed.transaction = () => {
      const tx = transaction();
      const commit = tx.commit.bind(tx);
      tx.commit = async () => {
        const r = await commit();
        if (++commits === 1) await doomed.close();
        return r;
      };
      return tx;
    };
    await assert.rejects(new Submitter(doomed, { root }).submitFlow(tree));
    assert.equal(commits, 1);
    const written = await new Submitter(zk, { root }).handle("cut.1").status();
    assert.equal(written.state, "waiting", "the first multi's tasks are there");
    const sub = new Submitter(zk, { root });
    const marker = await sub.submit("num", -1, { id: "marker" });
    assert.equal(await marker.result(), -1);
    assert.deepEqual(runs, ["marker"], "no task of the half-written flow ran");
    const again = await sub.submitFlow(tree);
    assert.equal(again.created, true);
    assert.equal(await again.root.result(), (1199 * 1200) / 2);
    assert.equal(runs.length, 1 + 1201, "every flow task ran once");
  });

  test("the held tasks of a flow never completed are cancelled after flowOrphanTimeout", async () => {
    const root = uniqueRoot("flow-orphan");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root, flowOrphanTimeout: 300 });
    cleanup(() => master.close());
    await master.start();
    const doomed = await client(backend());
    const transaction = doomed.transaction.bind(doomed);
    doomed.transaction = () => {
      const tx = transaction();
      const commit = tx.commit.bind(tx);
      tx.commit = async () => {
        const r = await commit();
        await doomed.close(); // after the first multi: 500 of the 601 tasks
        return r;
      };
      return tx;
    };
    const tree: FlowNode = {
      type: "sum",
      id: "orphan",
      children: Array.from({ length: 600 }, (_, i) => ({ type: "num", payload: i })),
    };
    await assert.rejects(new Submitter(doomed, { root }).submitFlow(tree));
    const sub = new Submitter(zk, { root });
    await assert.rejects(sub.handle("orphan.1").result(), TaskCancelledError);
    await assert.rejects(sub.handle("orphan.500").result(), TaskCancelledError);
    // Too late for a retry to complete it: the root is written and fails on its cancelled children.
    const again = await sub.submitFlow(tree);
    await assert.rejects(again.root.result(), /child orphan\.\d+ was cancelled/);
  });

  test("a new master reading a flow's children before its root does not take them for orphans", async () => {
    const root = uniqueRoot("flow-late-root");
    const zk = await client(backend());
    await zk.create(root, null);
    // Written while no master runs; the master then reads 201 tasks in any order (children may be held
    // until their root is read), each already past its 1 ms orphan timeout: none may be cancelled.
    const flow = await new Submitter(zk, { root }).submitFlow({
      type: "sum",
      id: "late",
      children: Array.from({ length: 200 }, (_, i) => ({ type: "num", payload: i })),
    });
    const master = new Master(zk, { root, flowOrphanTimeout: 1 });
    cleanup(() => master.close());
    await master.start();
    const num = (ctx: TaskContext<number>): number => ctx.payload;
    const sum = async (ctx: TaskContext): Promise<number> =>
      Object.values(await ctx.childResults<number>()).reduce((a, b) => a + b, 0);
    const worker = new Worker(zk, { num, sum }, { root, concurrency: 8 });
    cleanup(() => worker.close());
    await worker.start();
    assert.equal(await flow.root.result(), (199 * 200) / 2);
  });
});
