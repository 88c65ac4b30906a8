/**
 * Seed compatibility (seeds/004): a raw `create -s /tasks/task- "cmd"` made with a plain client is
 * assigned under /assign/<worker>/, run by the raw handler and answered at /tasks/task-<seq>/status.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateMode, NodeExistsError, type ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend } from "../harness/backends.js";
import { client, startTaskCluster } from "./helpers.js";

/** The seed's `create /tasks ""` (the master may have made it already). */
async function mkdir(zk: ZooKeeperClient, path: string): Promise<void> {
  try {
    await zk.create(path, "");
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
  }
}

forEachBackend("tasks: seed compatibility", (backend) => {
  test('a raw task-<seq> "cmd" is assigned under /assign/<worker>/ and answered "done" at its status', async () => {
    const { root, addWorker } = await startTaskCluster(backend(), { label: "seed" });
    const seen: string[] = [];
    await addWorker(
      {},
      { id: "worker1.example.com", raw: (ctx) => void seen.push(`${ctx.key}:${ctx.command}`) },
    );
    // The seed's client: create -s /tasks/task- "cmd", then ls -w /tasks/task-<seq> (child watch).
    const plain = await client(backend());
    await mkdir(plain, `${root}/tasks`);
    const assigned = new Promise<string[]>((resolve) => {
      const look = (): void =>
        void plain
          .getChildren(`${root}/assign/worker1.example.com`, { watch: look })
          .then((c) => c.length > 0 && resolve(c));
      look();
    });
    const path = await plain.create(`${root}/tasks/task-`, "cmd", { mode: CreateMode.PERSISTENT_SEQUENTIAL });
    const name = path.slice(path.lastIndexOf("/") + 1);
    assert.match(name, /^task-\d{10}$/);
    const changed = new Promise<void>((resolve) => void plain.getChildren(path, { watch: () => resolve() }));
    assert.deepEqual(await assigned, [name]);
    await changed;
    assert.equal((await plain.getData(`${path}/status`)).data?.toString(), "done");
    assert.deepEqual(await plain.getChildren(path), ["status"]);
    assert.equal((await plain.getData(path)).data?.toString(), "cmd");
    assert.deepEqual(seen, [`${name}:cmd`]);
  });

  test("a raw task whose handler throws is answered with the failure text", async () => {
    const { root, zk } = await startTaskCluster(backend(), {
      label: "seed-fail",
      handlers: {},
      worker: { raw: () => Promise.reject(new Error("no such command")) },
    });
    await mkdir(zk, `${root}/tasks`);
    const path = await zk.create(`${root}/tasks/task-`, "bogus", { mode: CreateMode.PERSISTENT_SEQUENTIAL });
    await new Promise<void>((resolve) => {
      const look = (): void =>
        void zk.exists(`${path}/status`, { watch: look }).then((s) => s !== null && resolve());
      look();
    });
    assert.equal((await zk.getData(`${path}/status`)).data?.toString(), "failed: no such command");
  });
});
