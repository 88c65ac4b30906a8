/** A 10,000-child flow: its write spans many multis and buckets; every reply stays under jute.maxbuffer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { BUCKETS, Master, Submitter, Worker, type TaskContext } from "../../src/tasks/index.js";
import { cleanup, client } from "./helpers.js";

const N = 10_000;

forEachBackend("tasks: a 10,000-child flow", (backend) => {
  test("completes, the parent reading every child's result (Apache: 1 MB jute.maxbuffer)", async () => {
    const root = uniqueRoot("flow-10k");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(await client(backend()), { root });
    cleanup(() => master.close());
    await master.start();
    const num = (ctx: TaskContext<number>): number => ctx.payload;
    const sum = async (ctx: TaskContext): Promise<number> => {
      const r = await ctx.childResults<number>();
      assert.equal(Object.keys(r).length, N);
      return Object.values(r).reduce((a, b) => a + b, 0);
    };
    const worker = new Worker(await client(backend()), { num, sum }, { root, concurrency: 32 });
    cleanup(() => worker.close());
    await worker.start();
    const t0 = performance.now();
    const flow = await new Submitter(zk, { root }).submitFlow({
      type: "sum",
      id: "big",
      children: Array.from({ length: N }, (_, i) => ({ type: "num", payload: i })),
    });
    const written = performance.now();
    assert.equal(flow.ids.length, N + 1);
    assert.equal(await flow.root.result(), ((N - 1) * N) / 2);
    const buckets = (await zk.getChildren(`${root}/tasks`)).filter((b) => b.startsWith("b-"));
    assert.equal(buckets.length, BUCKETS, "the flow spread over every bucket");
    console.log(
      `[${backend().name}] ${N}-child flow: written in ${Math.round(written - t0)} ms, done in ${Math.round(performance.now() - t0)} ms`,
    );
  });
});
