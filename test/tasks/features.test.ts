/** Retries with backoff, timeout, priority, delay, cancel, dedup, labels, retention, pause, input checks. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../src/client/index.js";
import { forEachBackend } from "../harness/backends.js";
import {
  PayloadTooLargeError,
  Submitter,
  TaskCancelledError,
  TaskFailedError,
  TaskNotFoundError,
  pauseAssignment,
  resumeAssignment,
  type AnyHandler,
  type MasterOptions,
  type WorkerOptions,
} from "../../src/tasks/index.js";
import { startTaskCluster, type TaskCluster } from "./helpers.js";

forEachBackend("tasks: features", (backend) => {
  const cluster = (
    label: string,
    handlers: Record<string, AnyHandler>,
    worker: WorkerOptions = {},
    master: MasterOptions = {},
    startWorker = true,
  ): Promise<TaskCluster> => startTaskCluster(backend(), { label, handlers, worker, master, startWorker });

  test("retries with exponential backoff until an attempt succeeds", async () => {
    const times: number[] = [];
    const { sub } = await cluster("retry", {
      flaky: (ctx) => {
        times.push(Date.now());
        if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} fails`);
        return ctx.attempt;
      },
    });
    const h = await sub.submit("flaky", null, { attempts: 3, backoff: { type: "exponential", delay: 100 } });
    assert.equal(await h.result(), 3);
    const [a, b, c] = times as [number, number, number];
    assert.ok(b - a >= 95 && c - b >= 195, `pauses ${b - a} and ${c - b} ms`);
  });

  test("attempts exhausted: failed with the last reason (dead letter)", async () => {
    const { sub } = await cluster("dead", { no: () => Promise.reject(new Error("always")) });
    const h = await sub.submit("no", null, { attempts: 2, backoff: 10 });
    await assert.rejects(
      h.result(),
      (e: unknown) => e instanceof TaskFailedError && e.attempts === 2 && e.reason === "always",
    );
    assert.equal((await h.status()).state, "failed");
  });

  test("timeout: a hung handler's attempt fails and the worker keeps working", async () => {
    let aborted = false;
    const { sub } = await cluster(
      "timeout",
      {
        hang: (ctx) => {
          ctx.signal.addEventListener("abort", () => (aborted = true));
          return new Promise(() => undefined);
        },
        ok: () => "ok",
      },
      { concurrency: 1 },
    );
    const h = await sub.submit("hang", null, { timeout: 200 });
    await assert.rejects(
      h.result(),
      (e: unknown) => e instanceof TaskFailedError && /timeout/.test(e.reason),
    );
    assert.ok(aborted);
    assert.equal(await (await sub.submit("ok")).result(), "ok");
  });

  test("priority: higher first, then submission order; delay: not before its time", async () => {
    const order: string[] = [];
    const { sub, worker } = await cluster(
      "prio",
      { t: (ctx) => void order.push(ctx.id) },
      { concurrency: 1 },
      {},
      false,
    );
    const t0 = Date.now();
    const hs = await sub.submitMany([
      { type: "t", options: { id: "low-1" } },
      { type: "t", options: { id: "high", priority: 10 } },
      { type: "t", options: { id: "low-2" } },
      { type: "t", options: { id: "mid", priority: 5 } },
      { type: "t", options: { id: "late", priority: -1, delay: 400 } },
    ]);
    await worker.start();
    await Promise.all(hs.map((h) => h.result()));
    assert.deepEqual(order, ["high", "mid", "low-1", "low-2", "late"]);
    const late = await hs[4]?.status();
    assert.ok(
      late?.outcome?.state === "done" && late.outcome.at - t0 >= 400,
      "delayed task ran after its delay",
    );
  });

  test("cancel: a waiting task never runs; a running one is aborted and its result rejected as stale", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    let sawAbort = false;
    const { sub, worker } = await cluster(
      "cancel",
      {
        block: async (ctx) => {
          started.push(ctx.id);
          ctx.signal.addEventListener("abort", () => (sawAbort = true));
          await gate;
          return "late";
        },
      },
      { concurrency: 1 },
    );
    const running = await sub.submit("block", null, { id: "running" });
    const waiting = await sub.submit("block", null, { id: "waiting" });
    while (started.length === 0) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await waiting.cancel(), true);
    assert.equal(await running.cancel(), true);
    await assert.rejects(running.result(), TaskCancelledError);
    await assert.rejects(waiting.result(), TaskCancelledError);
    // The worker watches a running task's status once its handler has run CANCEL_WATCH_DELAY ms.
    for (let i = 0; i < 500 && !sawAbort; i++) await new Promise((r) => setTimeout(r, 10));
    release();
    assert.equal(await running.cancel(), false, "already finished");
    assert.ok(sawAbort);
    assert.deepEqual(started, ["running"]);
    assert.equal(worker.stats.completed, 0);
  });

  test("dedup: the same id submitted twice is one task", async () => {
    let runs = 0;
    const { sub } = await cluster("dedup", { once: () => ++runs });
    const a = await sub.submit("once", 1, { id: "order-42" });
    const b = await sub.submit("once", 2, { id: "order-42" });
    const [c] = await sub.submitMany([{ type: "once", payload: 3, options: { id: "order-42" } }]);
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(c?.created, false);
    assert.equal(await b.result(), 1);
    assert.equal(runs, 1);
  });

  test("labels: a task goes only to a worker with all its labels", async () => {
    const { sub, addWorker } = await cluster("labels", { where: (ctx) => ctx.workerId }, { id: "plain" });
    await addWorker({ where: (ctx) => ctx.workerId }, { id: "gpu", labels: ["gpu", "eu"] }, { shared: true });
    const hs = await sub.submitMany(
      Array.from({ length: 6 }, () => ({ type: "where", options: { labels: ["gpu"] } })),
    );
    assert.deepEqual(await Promise.all(hs.map((h) => h.result())), Array(6).fill("gpu"));
  });

  test("retention: finished tasks beyond maxCount are removed, oldest first", async () => {
    const { sub } = await cluster("retention", { t: () => "x" }, {}, { retention: { maxCount: 2 } });
    const hs: Awaited<ReturnType<Submitter["submit"]>>[] = [];
    for (let i = 0; i < 4; i++) {
      const h = await sub.submit("t", null, { id: `r${i}` });
      await h.result();
      hs.push(h);
    }
    const last = hs[3];
    assert.ok(last !== undefined);
    // Removal follows the master's next step; wait on the task node through the handle.
    for (const h of hs.slice(0, 2)) {
      for (let i = 0; i < 100; i++) {
        try {
          await h.status();
        } catch (err) {
          if (err instanceof TaskNotFoundError) break;
          throw err;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await assert.rejects(h.status(), TaskNotFoundError);
    }
    assert.equal((await last.status()).state, "done");
  });

  test("pause and resume assignment", async () => {
    const { zk, root, sub } = await cluster("pause", { t: () => "ran" });
    await pauseAssignment(zk, root);
    const h = await sub.submit("t");
    // Nothing to wait for while paused: give the master time it would need to assign, then look.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.status()).state, "waiting");
    await resumeAssignment(zk, root);
    assert.equal(await h.result(), "ran");
  });

  test("bad input is refused before anything is written", async () => {
    const { zk, root, sub } = await startTaskCluster(backend(), { label: "input", master: false });
    await assert.rejects(
      sub.submit("t", null, { prio: 1 } as never),
      (e: unknown) => e instanceof InvalidArgumentError && /prio/.test(e.message),
    );
    await assert.rejects(sub.submit("t", null, { delivery: "exactly-once" as never }), InvalidArgumentError);
    await assert.rejects(sub.submit("t", null, { id: "a/b" }), InvalidArgumentError);
    await assert.rejects(sub.submit("t", null, { attempts: 0 }), InvalidArgumentError);
    await assert.rejects(sub.submit("t", "x".repeat(1_100_000)), PayloadTooLargeError);
    await assert.rejects(
      sub.submitMany([{ type: "t" }, { type: "" }]),
      (e: unknown) => e instanceof InvalidArgumentError && /specs\[1\]/.test(e.message),
    );
    assert.equal(await zk.exists(`${root}/tasks`), null, "nothing written");
  });
});
