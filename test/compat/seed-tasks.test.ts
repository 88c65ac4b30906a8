/**
 * The seed's client side typed in Apache's zkCli (seeds/004) against a running overseer master and worker:
 * `create -s /tasks/task- "cmd"`, a child watch on the task, and the answer "done" at its status — on the
 * embedded server and on Apache ZooKeeper. The cluster root is "/", as in the seed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { Master, Worker } from "../../src/tasks/index.js";
import { forEachBackend } from "../harness/backends.js";
import { openZkCli } from "../harness/zkcli.js";

forEachBackend("zkCli seed walkthrough with a running master and worker", (backend) => {
  test('zkCli `create -s /tasks/task- "cmd"` is assigned, run and answered "done"', async () => {
    const mzk = new ZooKeeperClient({ connectString: backend().connectString, sessionTimeout: 4000 });
    const wzk = new ZooKeeperClient({ connectString: backend().connectString, sessionTimeout: 4000 });
    await Promise.all([mzk.connect(), wzk.connect()]);
    const master = new Master(mzk, { root: "/" });
    const ran: string[] = [];
    const worker = new Worker(
      wzk,
      {},
      { root: "/", id: "worker1.example.com", raw: (ctx) => void ran.push(ctx.command) },
    );
    const assigned: string[] = [];
    master.on("assigned", (e: { worker: string; key: string }) => assigned.push(`${e.worker}/${e.key}`));
    const cli = await openZkCli(backend().connectString);
    try {
      await master.start();
      await worker.start();
      // start() joins the election; the term creates /tasks a moment later (as a zkCli user would, wait).
      // Through the master's own client on purpose: an exist watch on /tasks beside the term's recursive
      // watch there once made the master deaf on Apache 3.8 (docs/PROTOCOL.md §6.5; the client handles it).
      await untilExists(mzk, "/tasks");
      assert.match(await cli.run("ls /"), /assign.*tasks.*workers/);
      assert.match(await cli.run("ls /workers"), /worker1\.example\.com/);

      const created = await cli.run('create -s /tasks/task- "cmd"');
      const m = /^Created (\/tasks\/task-\d{10})$/.exec(created);
      assert.ok(m?.[1], created);
      const task = m[1];
      // The seed's `ls /tasks/task-<seq> true`: a child watch that fires when the status appears.
      const listed = await cli.run(`ls ${task} true`);
      if (!/status/.test(listed)) {
        await cli.waitFor(new RegExp(`type:NodeChildrenChanged path:${task}`), 15_000);
      }
      assert.equal(await cli.run(`get ${task}/status`), "done");
      assert.equal(await cli.run(`get ${task}`), "cmd");
      assert.deepEqual(ran, ["cmd"]);
      assert.deepEqual(assigned, [`worker1.example.com/${task.slice("/tasks/".length)}`]);
    } finally {
      await cli.close();
      await worker.close();
      await master.close();
      await Promise.all([mzk.close(), wzk.close()]);
    }
  });
});

/** Resolves once `path` exists (an exist watch; no polling). */
async function untilExists(zk: ZooKeeperClient, path: string): Promise<void> {
  for (;;) {
    let fired = (): void => undefined;
    const changed = new Promise<void>((resolve) => (fired = resolve));
    if ((await zk.exists(path, { watch: () => fired() })) !== null) return;
    await changed;
  }
}
