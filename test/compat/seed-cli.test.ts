/**
 * The seed walkthrough with nothing but the CLI: `overseer master` and `overseer worker --shell` (no
 * handler module) as their own processes, and the seed's client side typed in Apache's zkCli —
 * `create -s /tasks/task- "<cmd>"`, a child watch on the task, "done" at its status. Both servers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ZooKeeperClient } from "../../src/client/index.js";
import { forEachBackend } from "../harness/backends.js";
import { openZkCli } from "../harness/zkcli.js";
import { startCli } from "../cli/cluster.js";

/** Resolves once `path` exists (an exists watch, no polling). */
async function untilExists(connectString: string, path: string): Promise<void> {
  const zk = new ZooKeeperClient({ connectString, sessionTimeout: 4000 });
  await zk.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      zk.exists(path, { watch: () => resolve() }).then((s) => s !== null && resolve(), reject);
    });
  } finally {
    await zk.close();
  }
}

forEachBackend("seed walkthrough with `overseer master` and `overseer worker --shell`", (backend) => {
  test("a raw zkCli task is run with sh -c by a --shell worker and answered done (or its failure)", async () => {
    const connect = ["--connect", backend().connectString, "--root", "/", "--session-timeout", "2000"];
    const master = startCli(["master", "--id", "m1", ...connect]);
    const worker = startCli(["worker", "--shell", "--id", "worker1.example.com", ...connect]);
    const cli = await openZkCli(backend().connectString);
    try {
      await master.waitFor((l) => l["event"] === "leader", "leadership");
      const ready = await worker.waitFor((l) => l["event"] === "ready", "ready");
      assert.equal(ready["raw"], true);
      assert.deepEqual(ready["types"], []);
      assert.match(await cli.run("ls /workers"), /worker1\.example\.com/);
      // "leading" is said when the term begins; the term then makes /tasks (a seed user would wait too).
      await untilExists(backend().connectString, "/tasks");

      const created = await cli.run('create -s /tasks/task- "true"');
      const task = /^Created (\/tasks\/task-\d{10})$/.exec(created)?.[1];
      assert.ok(task, created);
      const listed = await cli.run(`ls ${task} true`);
      if (!/status/.test(listed))
        await cli.waitFor(new RegExp(`type:NodeChildrenChanged path:${task}`), 15_000);
      assert.equal(await cli.run(`get ${task}/status`), "done");

      // A command that fails stores the seed's failure text instead.
      const bad = /^Created (\/tasks\/task-\d{10})$/.exec(
        await cli.run('create -s /tasks/task- "false"'),
      )?.[1];
      assert.ok(bad);
      await worker.waitFor(
        (l) => l["event"] === "failed" && `/tasks/${String(l["task"])}` === bad,
        "failure",
      );
      assert.match(await cli.run(`get ${bad}/status`), /exit 1/);
    } finally {
      await cli.close();
      await worker.stop();
      await master.stop();
    }
  });
});
