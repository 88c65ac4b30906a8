/**
 * Prefetch: a worker takes up to concurrency + prefetch assignments, reads them at once and starts a
 * queued one the moment a slot frees; one cancelled while it waits never runs; close hands the waiting
 * ones back; a queued (never started) at-most-once assignment of a lost worker is requeued, not
 * failed — both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../harness/backends.js";
import { InvalidArgumentError } from "../../src/client/index.js";
import { parseWorkerOptions } from "../../src/tasks/worker/options.js";
import {
  Submitter,
  TaskCancelledError,
  TaskFailedError,
  Worker,
  type TaskContext,
} from "../../src/tasks/index.js";
import { client, startTaskCluster } from "./helpers.js";

test("prefetch defaults to auto, up to max(256, 8 × concurrency); a number fixes it; checked", () => {
  assert.equal(parseWorkerOptions({ concurrency: 64 }).prefetch, 512);
  assert.equal(parseWorkerOptions({ concurrency: 16 }).prefetch, 256);
  assert.equal(parseWorkerOptions({}).prefetch, 256);
  assert.equal(parseWorkerOptions({}).prefetchAuto, true);
  assert.equal(parseWorkerOptions({ prefetch: "auto" }).prefetchAuto, true);
  assert.equal(parseWorkerOptions({ prefetch: 5 }).prefetchAuto, false);
  assert.throws(() => parseWorkerOptions({ prefetch: "fast" as unknown as number }), InvalidArgumentError);
  assert.equal(parseWorkerOptions({ concurrency: 4, prefetch: 0 }).prefetch, 0);
  assert.throws(() => parseWorkerOptions({ prefetch: -1 }), InvalidArgumentError);
  assert.throws(() => parseWorkerOptions({ prefetch: 1.5 }), InvalidArgumentError);
});

forEachBackend("tasks: prefetch", (backend) => {
  test("a worker holds concurrency + prefetch assignments, runs concurrency, starts queued ones at once", async () => {
    const { root, zk, addWorker } = await startTaskCluster(backend(), { label: "prefetch" });
    const gates: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const w = await addWorker(
      {
        block: async () => {
          most = Math.max(most, ++running);
          await new Promise<void>((r) => gates.push(r));
          running--;
        },
      },
      { id: "w", concurrency: 2, prefetch: 2 },
    );
    const info = JSON.parse((await zk.getData(`${root}/workers/w`)).data?.toString() ?? "{}") as {
      capacity?: number;
    };
    assert.equal(info.capacity, 4);
    const hs = await new Submitter(zk, { root }).submitMany(
      Array.from({ length: 6 }, () => ({ type: "block" })),
    );
    await waitFor(async () => gates.length === 2 && (await zk.getChildren(`${root}/assign/w`)).length === 4);
    // The two prefetched ones are read and wait for a slot (stats: 4 under way, 2 of them waiting).
    await waitFor(() => w.stats.waiting === 2);
    assert.equal(w.stats.running, 4);
    for (let done = 0; done < 6; done++) {
      await waitFor(() => Promise.resolve(gates.length > 0));
      gates.shift()?.();
    }
    await Promise.all(hs.map((h) => h.result()));
    assert.equal(most, 2);
  });

  test("one at a time with prefetch keeps strict priority: a later, higher task runs before queued lower ones", async () => {
    const { root, zk, addWorker } = await startTaskCluster(backend(), { label: "prefetch-priority" });
    const started: string[] = [];
    let release: () => void = () => undefined;
    const w = await addWorker(
      {
        t: async (ctx: TaskContext) => {
          started.push(ctx.id);
          if (ctx.id === "first") await new Promise<void>((r) => (release = r));
        },
      },
      { id: "w", concurrency: 1, prefetch: 2 },
    );
    const sub = new Submitter(zk, { root });
    const first = await sub.submit("t", null, { id: "first" });
    await waitFor(() => started.length === 1);
    const low = await sub.submitMany(["low-1", "low-2"].map((id) => ({ type: "t", options: { id } })));
    await waitFor(async () => (await zk.getChildren(`${root}/assign/w`)).length === 3);
    const high = await sub.submitMany([
      { type: "t", options: { id: "mid", priority: 5 } },
      { type: "t", options: { id: "high", priority: 10 } },
    ]);
    // Beyond its capacity of 3: the master gives it both, since they outrank its queued ones.
    await waitFor(async () => (await zk.getChildren(`${root}/assign/w`)).length === 5);
    // All four read and waiting for the one slot (so the order is the gate's, not which read came back first).
    await waitFor(() => w.stats.waiting === 4);
    release();
    await Promise.all([first, ...low, ...high].map((h) => h.result()));
    assert.deepEqual(started, ["first", "high", "mid", "low-1", "low-2"]);
  });

  test("a prefetched assignment cancelled while it waits for a slot never runs; the slot is not lost", async () => {
    const { root, zk, addWorker } = await startTaskCluster(backend(), { label: "prefetch-cancel" });
    const started: string[] = [];
    let running = 0;
    let most = 0;
    let release: () => void = () => undefined;
    await addWorker(
      {
        t: async (ctx: TaskContext) => {
          started.push(ctx.id);
          most = Math.max(most, ++running);
          if (ctx.id === "first") await new Promise<void>((r) => (release = r));
          running--;
          return ctx.id;
        },
      },
      { id: "w", concurrency: 1, prefetch: 1 },
    );
    const sub = new Submitter(zk, { root });
    const first = await sub.submit("t", null, { id: "first" });
    await waitFor(() => started.length === 1);
    const queued = await sub.submit("t", null, { id: "queued" });
    await waitFor(async () => (await zk.getChildren(`${root}/assign/w`)).length === 2);
    assert.equal(await queued.cancel(), true);
    await assert.rejects(queued.result(), TaskCancelledError);
    release();
    assert.equal(await first.result(), "first");
    const later = await sub.submit("t", null, { id: "later" });
    assert.equal(await later.result(), "later");
    assert.deepEqual(started, ["first", "later"]);
    assert.equal(most, 1);
    await waitFor(async () => (await zk.getChildren(`${root}/assign/w`)).length === 0);
  });

  test("close hands back assignments waiting for a slot at once and lets the running handler finish", async () => {
    const { root, zk, addWorker } = await startTaskCluster(backend(), { label: "prefetch-close" });
    const ran: string[] = [];
    let release: () => void = () => undefined;
    const w = new Worker(
      await client(backend()),
      {
        t: async (ctx: TaskContext) => {
          ran.push(`w:${ctx.id}`);
          await new Promise<void>((r) => (release = r));
          return `w:${ctx.id}`;
        },
      },
      { root, id: "w", concurrency: 1, prefetch: 2 },
    );
    await w.start();
    const sub = new Submitter(zk, { root });
    const hs = await sub.submitMany([0, 1, 2].map((i) => ({ type: "t", options: { id: `t${i}` } })));
    await waitFor(async () => ran.length === 1 && (await zk.getChildren(`${root}/assign/w`)).length === 3);
    const closed = w.close();
    // The two waiting for the slot go back before the running handler is let go.
    await waitFor(async () => (await zk.getChildren(`${root}/assign/w`)).length === 1);
    release();
    await closed;
    assert.equal(await zk.exists(`${root}/workers/w`), null, "left /workers");
    await addWorker({ t: (ctx: TaskContext) => `other:${ctx.id}` }, { id: "other", concurrency: 2 });
    const results = await Promise.all(hs.map((h) => h.result()));
    const runningId = (ran[0] ?? "").slice(2);
    assert.deepEqual(
      results,
      hs.map((h) => (h.id === runningId ? `w:${h.id}` : `other:${h.id}`)),
    );
    assert.equal(ran.length, 1, "the handed-back ones never ran on the closing worker");
  });

  test("at-most-once: a lost worker's queued assignment is requeued and runs; its started one fails", async () => {
    const { root, zk, addWorker } = await startTaskCluster(backend(), { label: "prefetch-amo" });
    const wzk = await client(backend());
    const started: string[] = [];
    const victim = new Worker(
      wzk,
      { t: (ctx: TaskContext) => (started.push(ctx.id), new Promise(() => undefined)) },
      { root, id: "victim", concurrency: 1, prefetch: 1 },
    );
    await victim.start();
    const sub = new Submitter(zk, { root });
    const opts = { delivery: "at-most-once" as const };
    const [first, second] = await sub.submitMany([
      { type: "t", options: { ...opts, id: "first" } },
      { type: "t", options: { ...opts, id: "second" } },
    ]);
    await waitFor(
      async () => started.length === 1 && (await zk.getChildren(`${root}/assign/victim`)).length === 2,
    );
    await wzk.close(); // the session ends: the master takes both back
    await addWorker({ t: (ctx: TaskContext) => `backup:${ctx.id}` }, {});
    const queued = started[0] === "first" ? second : first;
    const ran = started[0] === "first" ? first : second;
    assert.equal(await queued?.result(), `backup:${queued?.id ?? ""}`);
    await assert.rejects(
      ran?.result() ?? Promise.resolve(),
      (e: unknown) => e instanceof TaskFailedError && /outcome unknown/.test(e.reason),
    );
  });
});

async function waitFor(predicate: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
