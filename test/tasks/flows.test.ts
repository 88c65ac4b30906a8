/** Flows: a parent runs after its children and reads their results; onFailure modes; cancel cascades. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import {
  Master,
  Submitter,
  TaskCancelledError,
  TaskFailedError,
  Worker,
  type AnyHandler,
  type FlowNode,
  type MasterOptions,
  type TaskContext,
} from "../../src/tasks/index.js";
import { cleanup, client } from "./helpers.js";
import { watchPromise } from "../../src/tasks/zk.js";
import { keyOfId } from "../../src/tasks/layout.js";

/** Children return their payload; the parent returns their sum (and what failed). */
export const flowHandlers: Record<string, AnyHandler> = {
  num: (ctx: TaskContext<number>) => ctx.payload,
  slow: async (ctx: TaskContext<{ ms: number; n: number }>) => {
    await new Promise((r) => setTimeout(r, ctx.payload.ms));
    return ctx.payload.n;
  },
  boom: (ctx: TaskContext<string>) => {
    throw new Error(ctx.payload);
  },
  sum: async (ctx) => {
    const results = await ctx.childResults<number>();
    return Object.values(results).reduce((a, b) => a + b, 0);
  },
  report: async (ctx) => ({ results: await ctx.childResults(), failures: await ctx.childFailures() }),
  hang: (ctx) =>
    new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve("aborted"), { once: true })),
};

forEachBackend("tasks: flows", (backend) => {
  async function cluster(
    label: string,
    mopts: MasterOptions = {},
  ): Promise<{ zk: ZooKeeperClient; root: string; sub: Submitter; runs: string[] }> {
    const root = uniqueRoot(label);
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root, ...mopts });
    cleanup(() => master.close());
    await master.start();
    const runs: string[] = [];
    const worker = new Worker(zk, flowHandlers, { root, concurrency: 8 });
    worker.on("started", (e) => runs.push(e.id));
    cleanup(() => worker.close());
    await worker.start();
    return { zk, root, sub: new Submitter(zk, { root }), runs };
  }

  test("a parent runs only after all its children, and sums their results", async () => {
    const { sub, runs } = await cluster("sum");
    const tree: FlowNode = {
      type: "sum",
      id: "total",
      children: Array.from({ length: 50 }, (_, i) => ({ type: "num", payload: i + 1 })),
    };
    const flow = await sub.submitFlow(tree);
    assert.equal(flow.ids.length, 51);
    assert.equal(flow.ids[0], "total");
    assert.equal(await flow.root.result(), (50 * 51) / 2);
    assert.equal(runs[runs.length - 1], "total", "the parent ran last");
    assert.equal(runs.length, 51, "each node ran once");
  });

  test("submitFlows writes several flows in shared multis; each root gets its own children's sum", async () => {
    const { sub } = await cluster("many");
    const trees: FlowNode[] = [1, 2, 3].map((k) => ({
      type: "sum",
      id: `many-${k}`,
      children: Array.from({ length: 4 }, () => ({ type: "num", payload: k })),
    }));
    const flows = await sub.submitFlows(trees);
    assert.deepEqual(await Promise.all(flows.map((f) => f.root.result())), [4, 8, 12]);
    await assert.rejects(sub.submitFlows([trees[0] as FlowNode, trees[0] as FlowNode]), /two of the flows/);
  });

  test("nested: grandchildren first, each parent with its own children's results", async () => {
    const { sub } = await cluster("nested");
    const flow = await sub.submitFlow({
      type: "sum",
      children: [
        {
          type: "sum",
          children: [
            { type: "num", payload: 1 },
            { type: "num", payload: 2 },
          ],
        },
        { type: "sum", children: [{ type: "num", payload: 10 }] },
        { type: "num", payload: 100 },
      ],
    });
    assert.equal(await flow.root.result(), 113);
  });

  test('onFailure "ignore" and "continue": the parent runs; an ignored failure is left out', async () => {
    const { sub } = await cluster("modes");
    const flow = await sub.submitFlow({
      type: "report",
      id: "modes",
      children: [
        { type: "num", payload: 7, id: "ok" },
        { type: "boom", payload: "ignored", id: "ign", onFailure: "ignore" },
        { type: "boom", payload: "seen", id: "cont", onFailure: "continue" },
      ],
    });
    assert.deepEqual(await flow.root.result(), { results: { ok: 7 }, failures: { cont: "seen" } });
  });

  test('onFailure "fail-parent": the parent fails at once and its unfinished children are cancelled', async () => {
    const { sub, runs } = await cluster("failparent");
    const flow = await sub.submitFlow({
      type: "sum",
      id: "fp",
      children: [
        { type: "hang", id: "fp-hang" },
        { type: "sum", id: "fp-mid", children: [{ type: "boom", payload: "deep", id: "fp-deep" }] },
      ],
    });
    await assert.rejects(flow.root.result(), (err: unknown) => {
      assert.ok(err instanceof TaskFailedError);
      assert.match(err.message, /child fp-mid failed: child fp-deep failed: deep/);
      return true;
    });
    // The hanging sibling was running: cancelled (its signal aborted, its late result refused).
    const hang = sub.handle("fp-hang");
    await assert.rejects(hang.result(), TaskCancelledError);
    assert.ok(!runs.includes("fp"), "the failed parent never ran");
  });

  test("cancelling a parent cancels its unfinished children, down the tree", async () => {
    const { sub, runs } = await cluster("cancel");
    // "wait" has no handler anywhere: these children stay pending.
    const flow = await sub.submitFlow({
      type: "sum",
      id: "cx",
      children: [
        { type: "num", payload: 1, id: "cx-done" },
        { type: "sum", id: "cx-mid", children: [{ type: "wait", id: "cx-leaf" }] },
        { type: "wait", id: "cx-wait" },
      ],
    });
    assert.equal(await sub.handle("cx-done").result(), 1);
    assert.equal(await flow.root.cancel(), true);
    for (const id of ["cx-mid", "cx-leaf", "cx-wait"])
      await assert.rejects(sub.handle(id).result(), TaskCancelledError, id);
    assert.equal((await sub.handle("cx-done").status()).state, "done", "a finished child stays done");
    assert.ok(!runs.includes("cx") && !runs.includes("cx-mid"));
  });

  test("retention keeps the children of an unfinished parent, then removes them like any task", async () => {
    const { zk, root, sub } = await cluster("retain", { retention: { maxAge: 1000 } });
    const flow = await sub.submitFlow({
      type: "sum",
      id: "kept",
      children: [
        ...Array.from({ length: 10 }, (_, i) => ({ type: "num", payload: i })),
        // Finishes after the fast ones are past the 1 s retention: they must still be there.
        { type: "slow", payload: { ms: 1500, n: 100 } },
      ],
    });
    assert.equal(await flow.root.result(), 145);
    // Once the parent has finished, the children go (wait for the first one's deletion).
    const path = `${root}/tasks/${keyOfId("kept.1")}`;
    for (;;) {
      const { watch, fired } = watchPromise();
      if ((await zk.exists(path, { watch })) === null) break;
      await fired;
    }
  });
});
