/** The admin API on both servers: getTasks, getCounts, update, promote, remove, drain and obliterate —
 * the last two with workers running. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import {
  Master,
  Submitter,
  TaskAdmin,
  TaskNotFoundError,
  TaskStateError,
  Worker,
  WorkersRegisteredError,
  type AnyHandler,
  type TaskContext,
} from "../../src/tasks/index.js";
import { cleanup, client } from "./helpers.js";

/** A gate handlers wait on; `started` resolves once `n` handlers entered it. */
function gate(n = 1): {
  handler: (ctx: TaskContext) => Promise<string>;
  open: () => void;
  started: Promise<void>;
  aborted: string[];
} {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let entered = 0;
  let allIn!: () => void;
  const started = new Promise<void>((r) => (allIn = r));
  const aborted: string[] = [];
  const handler = async (ctx: TaskContext): Promise<string> => {
    ctx.signal.addEventListener("abort", () => aborted.push(ctx.id));
    if (++entered === n) allIn();
    await Promise.race([opened, new Promise((r) => ctx.signal.addEventListener("abort", r))]);
    return ctx.id;
  };
  return { handler, open, started, aborted };
}

forEachBackend("tasks: admin API", (backend) => {
  async function cluster(
    label: string,
    handlers: Record<string, AnyHandler> | null,
    concurrency = 1,
  ): Promise<{ zk: ZooKeeperClient; root: string; sub: Submitter; admin: TaskAdmin; worker: Worker | null }> {
    const root = uniqueRoot(label);
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    let worker: Worker | null = null;
    if (handlers !== null) {
      const w = new Worker(zk, handlers, { root, concurrency, prefetch: 0 });
      cleanup(() => w.close());
      await w.start();
      worker = w;
    }
    return { zk, root, sub: new Submitter(zk, { root }), admin: new TaskAdmin(zk, { root }), worker };
  }

  test("getTasks filters by state and type, pages oldest first; getCounts counts by state", async () => {
    const { sub, admin } = await cluster("admin-list", null);
    await sub.submit("a", 1, { id: "a1" });
    await sub.submit("b", 2, { id: "b1" });
    await sub.submit("a", 3, { id: "a2" });
    await sub.submit("a", 4, { id: "a3", delay: 60_000 });
    const counts = await admin.getCounts();
    assert.deepEqual(
      { waiting: counts.waiting, delayed: counts.delayed, running: counts.running, total: counts.total },
      { waiting: 3, delayed: 1, running: 0, total: 4 },
    );
    const waitingA = await admin.getTasks({ state: "waiting", type: "a" });
    assert.equal(waitingA.total, 2);
    assert.deepEqual(
      waitingA.tasks.map((t) => t.id),
      ["a1", "a2"],
    );
    const page = await admin.getTasks({ offset: 1, limit: 2 });
    assert.equal(page.total, 4);
    assert.deepEqual(
      page.tasks.map((t) => t.id),
      ["b1", "a2"],
    );
    assert.equal((await admin.getTasks({ state: ["delayed", "done"] })).tasks[0]?.id, "a3");
    assert.equal((await admin.getTasks({ group: "none" })).total, 0);
  });

  test("update replaces a waiting task's payload; a finished one is refused", async () => {
    const { sub, admin, zk, root } = await cluster("admin-update", null);
    const h = await sub.submit("echo", { v: 1 }, { id: "u1" });
    await admin.update("u1", { v: 2 });
    assert.deepEqual((await admin.getTask("u1")).envelope?.payload, { v: 2 });
    const worker = new Worker(zk, { echo: (ctx: TaskContext) => ctx.payload }, { root });
    cleanup(() => worker.close());
    await worker.start();
    assert.deepEqual(await h.result(), { v: 2 });
    await assert.rejects(
      admin.update("u1", { v: 3 }),
      (e: unknown) => e instanceof TaskStateError && e.state === "done",
    );
    await assert.rejects(admin.update("nope", 1), TaskNotFoundError);
  });

  test("promote makes a delayed task due now; a waiting one is refused", async () => {
    const { sub, admin } = await cluster("admin-promote", { t: () => "ran" });
    const h = await sub.submit("t", null, { id: "p1", delay: 600_000 });
    assert.equal((await h.status()).state, "delayed");
    await admin.promote("p1");
    assert.equal(await h.result(), "ran");
    await assert.rejects(
      admin.promote("p1"),
      (e: unknown) => e instanceof TaskStateError && e.state === "done",
    );
  });

  test("remove deletes a waiting, a running and a finished task; a running handler is aborted", async () => {
    const g = gate();
    const { sub, admin, zk, root } = await cluster("admin-remove", { hold: g.handler, t: () => 1 });
    const done = await sub.submit("t", null, { id: "r-done" });
    await done.result();
    const running = await sub.submit("hold", null, { id: "r-run" });
    await g.started;
    const waiting = await sub.submit("hold", null, { id: "r-wait" });
    assert.equal((await running.status()).state, "running");
    assert.equal((await waiting.status()).state, "waiting");
    for (const id of ["r-done", "r-wait", "r-run"]) assert.equal(await admin.remove(id), true, id);
    assert.deepEqual(g.aborted, ["r-run"]);
    for (const h of [done, running, waiting]) assert.equal(await zk.exists(h.path), null);
    assert.equal(await admin.remove("r-wait"), false);
    assert.equal((await admin.getCounts()).total, 0);
    // The worker goes on: its slot was freed by the abort.
    assert.equal(await (await sub.submit("t")).result(), 1);
    assert.deepEqual(
      await zk.getChildren(`${root}/assign/${[...(await zk.getChildren(`${root}/workers`))][0]}`),
      [],
    );
  });

  test("drain removes the waiting tasks while a worker runs one; the running one completes", async () => {
    const g = gate();
    const { sub, admin } = await cluster("admin-drain", { hold: g.handler });
    const first = await sub.submit("hold", null, { id: "d0" });
    await g.started;
    const rest = await sub.submitMany(
      Array.from({ length: 20 }, (_, i) => ({ type: "hold", options: { id: `d${i + 1}` } })),
    );
    await sub.submit("hold", null, { id: "d-late", delay: 600_000 });
    assert.equal(await admin.drain(), 20);
    g.open();
    assert.equal(await first.result(), "d0");
    for (const h of rest) await assert.rejects(h.status(), TaskNotFoundError);
    const counts = await admin.getCounts();
    assert.deepEqual([counts.done, counts.delayed, counts.total], [1, 1, 2]);
    assert.equal(await admin.drain({ delayed: true }), 1);
  });

  test("obliterate is refused while workers are registered; forced, it empties the root and the roles go on", async () => {
    const g = gate();
    const { sub, admin, zk, root } = await cluster(
      "admin-obliterate",
      { hold: g.handler, t: () => "after" },
      2,
    );
    await sub.submit("hold", null, { id: "o-run" });
    await g.started;
    await sub.submitMany(
      Array.from({ length: 10 }, (_, i) => ({ type: "t", options: { id: `o${i}`, delay: 600_000 } })),
    );
    await assert.rejects(admin.obliterate(), WorkersRegisteredError);
    assert.equal((await admin.getCounts()).total, 11);
    assert.equal(await admin.obliterate({ force: true }), 11);
    assert.deepEqual(g.aborted, ["o-run"]);
    assert.equal((await admin.getCounts()).total, 0);
    const [w] = await zk.getChildren(`${root}/workers`);
    assert.deepEqual(await zk.getChildren(`${root}/assign/${w ?? ""}`), []);
    // Master, worker and submitter keep working on the emptied root.
    assert.equal(await (await sub.submit("t")).result(), "after");
  });
});
