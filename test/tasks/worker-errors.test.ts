/**
 * An execution that fails for a reason other than a stale token (here: the server refuses the commit
 * with NOAUTH) must not leave its assignment stranded: the worker reports the error and runs the
 * assignment again from a listing a second later — both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { NoAuthError, OPEN_ACL_UNSAFE, Perms } from "../../src/client/index.js";
import { forEachBackend } from "../harness/backends.js";
import { startTaskCluster } from "./helpers.js";

forEachBackend("tasks: worker errors", (backend) => {
  test("a commit refused with NOAUTH is reported, and the assignment runs again once allowed", async () => {
    const { zk, root, sub, addWorker } = await startTaskCluster(backend(), { label: "werr" });
    let runs = 0;
    const worker = await addWorker(
      {
        t: async (ctx) => {
          runs++;
          // The first run's commit (create status under the task) is refused: no CREATE on the task node.
          const noCreate = OPEN_ACL_UNSAFE.map((a) => ({ ...a, perms: Perms.ALL & ~Perms.CREATE }));
          if (runs === 1) await zk.setACL(sub.handle(ctx.id).path, noCreate);
          return `run ${runs}`;
        },
      },
      { id: "w" },
      { shared: true, start: false },
    );
    const errors: Error[] = [];
    const firstError = new Promise<void>((resolve) =>
      worker.on("error", (err) => (errors.push(err), resolve())),
    );
    await worker.start();
    const h = await sub.submit("t");
    await firstError;
    assert.ok(errors[0] instanceof NoAuthError, `got ${String(errors[0])}`);
    await zk.setACL(h.path, OPEN_ACL_UNSAFE);
    assert.equal(await h.result({ signal: AbortSignal.timeout(10_000) }), "run 2");
    assert.equal(runs, 2);
    assert.equal(errors.length, 1);
    assert.deepEqual(await zk.getChildren(`${root}/assign/w`), []);
  });
});
