/**
 * Poison cap: a task whose handler kills its worker (process.exit(1), isolation none) is requeued after
 * each lost worker only `maxRequeues` times (default 2), then ends failed "worker lost 3 times" — while
 * restarted workers keep completing other tasks. The loss count is in the task's run state; the
 * dashboard's task row carries the reason and /metrics counts it. Both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend, uniqueRoot } from "../harness/backends.js";
import { DEFAULT_MAX_REQUEUES, Master, Submitter, TaskFailedError } from "../../src/tasks/index.js";
import { keyOfId } from "../../src/tasks/layout.js";
import { decodeEnvelope } from "../../src/tasks/envelope.js";
import { DashboardMetrics, ZkClusterSource } from "../../src/dashboard/index.js";
import { cleanup, client } from "./helpers.js";
import { startRole, type RoleProcess } from "./processes.js";

/** Keeps `n` worker processes (concurrency 1) running: one that exits is replaced by a new one. */
function fleet(connect: string, root: string, n: number): { exits: () => number; stop: () => void } {
  let exits = 0;
  let stopped = false;
  let seq = 0;
  const spawnOne = async (): Promise<void> => {
    const id = `w${++seq}`;
    let w: RoleProcess;
    try {
      w = await startRole("worker", connect, root, id, 1, "quiet");
    } catch (err) {
      if (stopped) return; // killed by the test's cleanup while it started
      throw err;
    }
    w.proc.once("exit", () => {
      exits++;
      if (!stopped) void spawnOne();
    });
  };
  for (let i = 0; i < n; i++) void spawnOne();
  return { exits: () => exits, stop: () => void (stopped = true) };
}

forEachBackend("tasks: poison cap", (backend) => {
  test('a task that kills its worker ends failed "worker lost 3 times"; other tasks keep completing', async () => {
    assert.equal(DEFAULT_MAX_REQUEUES, 2);
    const root = uniqueRoot("poison");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const source = new ZkClusterSource({ client: zk, root, coalesceMs: 5 });
    await source.start();
    const metrics = new DashboardMetrics({ source, processMetrics: false });
    cleanup(async () => (metrics.close(), await source.close()));

    const workers = fleet(backend().connectString, root, 2);
    cleanup(async () => workers.stop());
    const sub = new Submitter(zk, { root });
    const poison = await sub.submit("exit", null, { id: "poison" });
    // Tasks submitted before, during and after the crashes all complete.
    const early = await sub.submitMany(Array.from({ length: 10 }, () => ({ type: "noop" })));
    await assert.rejects(
      poison.result(),
      (e: unknown) => e instanceof TaskFailedError && e.reason === "worker lost 3 times",
    );
    const late = await sub.submitMany(Array.from({ length: 10 }, () => ({ type: "noop" })));
    for (const h of [...early, ...late]) assert.equal(await h.result(), null);
    assert.equal(workers.exits(), 3, "one worker lost per run of the poison task");

    // The count lives in ZooKeeper, in the task's run state.
    const { data } = await zk.getData(`${root}/tasks/${keyOfId("poison")}`);
    assert.equal(decodeEnvelope(data)?.run.requeues, 3);
    // The dashboard shows the reason; /metrics counts the task.
    const row = await source.task(keyOfId("poison"));
    assert.equal(row?.state, "failed");
    assert.equal((row?.outcome as { reason?: string } | undefined)?.reason, "worker lost 3 times");
    const body = (await metrics.render()).body;
    assert.match(body, /^overseer_tasks_worker_lost_total 1$/m);
    workers.stop();
  });

  test("maxRequeues 0: the first lost worker fails the task", async () => {
    const root = uniqueRoot("poison0");
    const zk = await client(backend());
    await zk.create(root, null);
    const master = new Master(zk, { root });
    cleanup(() => master.close());
    await master.start();
    const workers = fleet(backend().connectString, root, 1);
    cleanup(async () => workers.stop());
    const sub = new Submitter(zk, { root });
    const h = await sub.submit("exit", null, { maxRequeues: 0 });
    await assert.rejects(
      h.result(),
      (e: unknown) => e instanceof TaskFailedError && e.reason === "worker lost 1 time",
    );
    assert.equal(await (await sub.submit("noop", null)).result(), null);
    assert.equal(workers.exits(), 1);
    workers.stop();
  });
});
