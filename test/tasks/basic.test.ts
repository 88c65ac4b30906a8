/** End to end on both servers: a task runs and its result reaches the submitter; 1,000 tasks over 3 workers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../harness/backends.js";
import { TaskFailedError, type TaskContext } from "../../src/tasks/index.js";
import { startTaskCluster } from "./helpers.js";

forEachBackend("tasks: end to end", (backend) => {
  test("a submitted task runs and its result reaches the submitter", async () => {
    const { sub } = await startTaskCluster(backend(), {
      label: "e2e",
      master: { id: "m1" },
      handlers: { add: (ctx: TaskContext<{ a: number; b: number }>) => ctx.payload.a + ctx.payload.b },
      worker: { id: "w1" },
    });
    const h = await sub.submit("add", { a: 2, b: 3 });
    assert.equal(await h.result(), 5);
    assert.equal((await h.status()).state, "done");
  });

  test("a handler that throws fails the task; the worker keeps going", async () => {
    const { sub } = await startTaskCluster(backend(), {
      label: "throws",
      handlers: {
        boom: () => {
          throw new Error("kaput");
        },
        ok: () => "fine",
      },
      worker: { concurrency: 2 },
    });
    const bad = await sub.submit("boom", null);
    await assert.rejects(
      bad.result(),
      (e: unknown) => e instanceof TaskFailedError && /kaput/.test(e.reason),
    );
    assert.equal(await (await sub.submit("ok")).result(), "fine");
  });

  test("1,000 tasks across 3 workers all complete", async () => {
    const cluster = await startTaskCluster(backend(), { label: "thousand" });
    const ran = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      await cluster.addWorker(
        {
          sq: (ctx: TaskContext<number>) => (
            ran.set(ctx.workerId, (ran.get(ctx.workerId) ?? 0) + 1),
            ctx.payload * ctx.payload
          ),
        },
        { id: `w${i}`, concurrency: 16 },
      );
    }
    const sub = cluster.sub;
    const t0 = performance.now();
    const handles = await sub.submitMany(
      Array.from({ length: 1000 }, (_, i) => ({ type: "sq", payload: i })),
    );
    const results = await Promise.all(handles.map((h) => h.result()));
    const ms = performance.now() - t0;
    assert.deepEqual(
      results,
      Array.from({ length: 1000 }, (_, i) => i * i),
    );
    assert.equal(
      [...ran.values()].reduce((a, b) => a + b, 0),
      1000,
    );
    assert.equal(ran.size, 3, `every worker ran some: ${JSON.stringify([...ran])}`);
    console.log(
      `[${backend().name}] 1000 tasks over 3 workers: ${Math.round(ms)} ms (${Math.round(1000 / (ms / 1000))} tasks/s)`,
    );
  });
});
