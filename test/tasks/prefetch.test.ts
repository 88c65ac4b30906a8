/**
 * Prefetch: a worker takes up to concurrency + prefetch assignments and starts a queued one the moment
 * a slot frees; a queued (never started) at-most-once assignment of a lost worker is requeued, not
 * failed — both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { InvalidArgumentError } from "../../src/client/index.js";
import { parseWorkerOptions } from "../../src/tasks/worker-options.js";
import { Master, Submitter, TaskFailedError, Worker, type TaskContext } from "../../src/tasks/index.js";
import { cleanup, client } from "./helpers.js";

test("prefetch defaults to concurrency from 2 up, 0 for one at a time; checked", () => {
  assert.equal(parseWorkerOptions({ concurrency: 16 }).prefetch, 16);
  assert.equal(parseWorkerOptions({}).prefetch, 0);
  assert.equal(parseWorkerOptions({ concurrency: 4, prefetch: 0 }).prefetch, 0);
  assert.throws(() => parseWorkerOptions({ prefetch: -1 }), InvalidArgumentError);
  assert.throws(() => parseWorkerOptions({ prefetch: 1.5 }), InvalidArgumentError);
});

forEachBackend("tasks: prefetch", (backend) => {
  test("a worker holds concurrency + prefetch assignments, runs concurrency, starts queued ones at once", async () => {
    const root = uniqueRoot("prefetch");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const gates: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const w = new Worker(
      await client(backend()),
      {
        block: async () => {
          most = Math.max(most, ++running);
          await new Promise<void>((r) => gates.push(r));
          running--;
        },
      },
      { root, id: "w", concurrency: 2, prefetch: 2 },
    );
    cleanup(() => w.close());
    await w.start();
    const info = JSON.parse((await zk.getData(`${root}/workers/w`)).data?.toString() ?? "{}") as {
      capacity?: number;
    };
    assert.equal(info.capacity, 4);
    const hs = await new Submitter(zk, { root }).submitMany(
      Array.from({ length: 6 }, () => ({ type: "block" })),
    );
    await waitFor(async () => gates.length === 2 && (await zk.getChildren(`${root}/assign/w`)).length === 4);
    for (let done = 0; done < 6; done++) {
      await waitFor(() => Promise.resolve(gates.length > 0));
      gates.shift()?.();
    }
    await Promise.all(hs.map((h) => h.result()));
    assert.equal(most, 2);
  });

  test("at-most-once: a lost worker's queued assignment is requeued and runs; its started one fails", async () => {
    const root = uniqueRoot("prefetch-amo");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
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
    const backup = new Worker(
      await client(backend()),
      { t: (ctx: TaskContext) => `backup:${ctx.id}` },
      { root },
    );
    cleanup(() => backup.close());
    await backup.start();
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
