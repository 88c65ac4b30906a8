/**
 * The seed walkthrough with nothing but the CLI: `overseer master` and `overseer worker --shell` (no
 * handler module) as their own processes, and the seed's client side typed in Apache's zkCli —
 * `create -s /tasks/task- "<cmd>"`, a child watch on the task, "done" at its status. Both servers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { forEachBackend } from "../harness/backends.js";
import { openZkCli } from "../harness/zkcli.js";
import { startCli } from "../cli/cluster.js";

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
