/** Master failover: SIGKILL of the active master mid-stream loses nothing; a graceful stop hands over at once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { Master, Submitter, Worker, type TaskContext } from "../../src/tasks/index.js";
import { cleanup, client, SESSION_TIMEOUT } from "./helpers.js";
import { startRole } from "./processes.js";

forEachBackend("tasks: master failover", (backend) => {
  async function worker(root: string): Promise<string[]> {
    const runs: string[] = [];
    const wzk = await client(backend());
    const sleep = async (ctx: TaskContext<{ ms: number }>): Promise<string> => {
      runs.push(ctx.id);
      await new Promise((r) => setTimeout(r, ctx.payload.ms));
      return ctx.id;
    };
    const w = new Worker(wzk, { sleep }, { root, id: "w", concurrency: 16 });
    cleanup(() => w.close());
    await w.start();
    return runs;
  }

  test("active master SIGKILLed mid-stream: the backup takes over and no task is lost", async () => {
    const root = uniqueRoot("m-kill");
    const zk = await client(backend());
    await zk.create(root, null);
    const m1 = await startRole("master", backend().connectString, root, "m1");
    await m1.waitFor((l) => "leader" in l, "m1 leading");
    const bzk = await client(backend());
    const backup = new Master(bzk, { root, id: "m2" });
    cleanup(() => backup.close());
    await backup.start();
    const runs = await worker(root);
    const sub = new Submitter(zk, { root });
    const handles = await sub.submitMany(
      Array.from({ length: 400 }, (_, i) => ({
        type: "sleep",
        payload: { ms: 5 },
        options: { id: `k-${i}` },
      })),
    );
    let done = 0;
    const killed = new Promise<number>((resolve) => {
      for (const h of handles)
        void h.result().then(() => {
          if (++done === 100) resolve(performance.now());
        });
    });
    const killedAt = await killed;
    await m1.kill("SIGKILL");
    const epoch = await backup.waitForLeadership();
    const tookOver = performance.now() - killedAt;
    const results = await Promise.all(handles.map((h) => h.result()));
    assert.deepEqual(
      results,
      handles.map((h) => h.id),
    );
    assert.ok(epoch > 1, `a new epoch began (${epoch})`);
    const dup = runs.length - new Set(runs).size;
    console.log(
      `[${backend().name}] master SIGKILL: backup leading after ${Math.round(tookOver)} ms (session ${SESSION_TIMEOUT} ms); ${dup} re-runs`,
    );
    assert.equal(
      (JSON.parse((await zk.getData(`${root}/master`)).data?.toString() ?? "{}") as { id?: string }).id,
      "m2",
    );
  });

  test("a graceful master stop hands over at once (well before a session timeout)", async () => {
    const root = uniqueRoot("m-stop");
    const zk = await client(backend());
    await zk.create(root, null);
    const m1 = new Master(await client(backend()), { root, id: "m1" });
    await m1.start();
    await m1.waitForLeadership();
    const m2 = new Master(await client(backend()), { root, id: "m2" });
    cleanup(() => m2.close());
    await m2.start();
    await worker(root);
    const t0 = performance.now();
    await m1.close();
    await m2.waitForLeadership();
    const ms = performance.now() - t0;
    assert.ok(ms < SESSION_TIMEOUT / 2, `handover took ${ms} ms`);
    const sub = new Submitter(zk, { root });
    assert.equal(await (await sub.submit("sleep", { ms: 0 }, { id: "after" })).result(), "after");
  });
});
