/** Per-task retention on both servers: removeOnComplete / removeOnFail as true, a count and an age,
 * applied by the master (also by a new master for tasks that finished before it led). */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { InvalidArgumentError, Master, Submitter, Worker, type AnyHandler } from "../../src/tasks/index.js";
import { cleanup, client } from "./helpers.js";

/** Resolves once `path` does not exist (an exists watch, re-armed until it is gone). */
async function gone(zk: ZooKeeperClient, path: string): Promise<number> {
  for (;;) {
    let fired!: () => void;
    const changed = new Promise<void>((r) => (fired = r));
    if ((await zk.exists(path, { watch: fired })) === null) return Date.now();
    await changed;
  }
}

forEachBackend("tasks: removeOnComplete / removeOnFail", (backend) => {
  async function cluster(label: string, handlers: Record<string, AnyHandler>) {
    const root = uniqueRoot(label);
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const worker = new Worker(zk, handlers, { root, concurrency: 1 });
    cleanup(() => worker.close());
    await worker.start();
    return { zk, root, master, sub: new Submitter(zk, { root }) };
  }

  test("true removes a task as soon as it is done; a task without the option stays", async () => {
    const { zk, sub } = await cluster("rm-true", { t: () => 1, no: () => Promise.reject(new Error("x")) });
    const kept = await sub.submit("t", null, { removeOnFail: true });
    const removed = await sub.submit("t", null, { removeOnComplete: true });
    assert.equal(await removed.result(), 1);
    await gone(zk, removed.path);
    assert.equal(await kept.result(), 1);
    assert.equal((await kept.status()).state, "done");
    const failed = await sub.submit("no", null, { removeOnFail: true, removeOnComplete: false });
    await gone(zk, failed.path);
    assert.notEqual(await zk.exists(kept.path), null);
  });

  test("a count keeps the N newest tasks that ended the same way", async () => {
    const { zk, sub } = await cluster("rm-count", { no: () => Promise.reject(new Error("x")), t: () => 1 });
    const failed = [];
    for (let i = 0; i < 4; i++) {
      const h = await sub.submit("no", null, { id: `f${i}`, removeOnFail: 2 });
      await h.outcome();
      failed.push(h);
    }
    const ok = await sub.submit("t", null, { removeOnFail: 2 }); // done: its removeOnFail does not apply
    await ok.result();
    await Promise.all([gone(zk, failed[0]?.path ?? ""), gone(zk, failed[1]?.path ?? "")]);
    for (const h of [failed[2], failed[3], ok]) assert.notEqual(await zk.exists(h?.path ?? "/none"), null);
  });

  test("an age keeps a finished task that long, also across a change of master", async () => {
    const { zk, root, master, sub } = await cluster("rm-age", { t: () => 1 });
    const h = await sub.submit("t", null, { removeOnComplete: { age: 600 } });
    await h.result();
    const doneAt = (await h.status()).outcome?.at ?? 0;
    // The master that saw it finish steps down; a new one finds it finished and applies its age.
    await master.close();
    const next = new Master(zk, { root });
    cleanup(() => next.close());
    await next.start();
    const at = await gone(zk, h.path);
    assert.ok(at - doneAt >= 550, `removed ${at - doneAt} ms after it finished`);
  });

  test("bad values are refused before anything is written", async () => {
    const { sub } = await cluster("rm-bad", { t: () => 1 });
    for (const bad of [-1, 1.5, "yes", { age: -1 }, { count: 2 }])
      await assert.rejects(
        sub.submit("t", null, { removeOnComplete: bad as never }),
        (e: unknown) => e instanceof InvalidArgumentError && /removeOnComplete/.test(e.message),
      );
  });
});
