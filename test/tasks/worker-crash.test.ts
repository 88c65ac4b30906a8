/**
 * Worker SIGKILLed while running tasks: at-least-once tasks are reassigned and complete; at-most-once
 * tasks already started end failed "outcome unknown" and are never started again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../harness/backends.js";
import { TaskFailedError, type Submitter, type TaskContext } from "../../src/tasks/index.js";
import { startTaskCluster } from "./helpers.js";
import { startRole } from "./processes.js";

forEachBackend("tasks: worker crash", (backend) => {
  async function setup(
    label: string,
  ): Promise<{ root: string; sub: Submitter; runs: string[]; startBackup: () => Promise<void> }> {
    const { root, sub, addWorker } = await startTaskCluster(backend(), { label });
    const runs: string[] = [];
    const startBackup = async (): Promise<void> => {
      const sleep = (ctx: TaskContext<{ ms: number }>): string => (runs.push(ctx.id), `backup:${ctx.id}`);
      await addWorker({ sleep }, { id: "backup", concurrency: 8 });
    };
    return { root, sub, runs, startBackup };
  }

  test("at-least-once: a killed worker's running tasks are reassigned and complete", async () => {
    const { root, sub, runs, startBackup } = await setup("w-kill-alo");
    const victim = await startRole("worker", backend().connectString, root, "victim", 4);
    const handles = await sub.submitMany(
      [1, 2, 3, 4].map((i) => ({ type: "sleep", payload: { ms: 60_000 }, options: { id: `alo-${i}` } })),
    );
    for (const h of handles) await victim.waitFor((l) => l["started"] === h.id, `start of ${h.id}`);
    await victim.kill("SIGKILL");
    await startBackup();
    const results = await Promise.all(handles.map((h) => h.result()));
    assert.deepEqual(
      results,
      handles.map((h) => `backup:${h.id}`),
    );
    assert.deepEqual(runs.sort(), handles.map((h) => h.id).sort());
  });

  test("at-most-once: a killed worker's started tasks fail with outcome unknown and never run again", async () => {
    const { root, sub, runs, startBackup } = await setup("w-kill-amo");
    const victim = await startRole("worker", backend().connectString, root, "victim", 4);
    const handles = await sub.submitMany(
      [1, 2, 3, 4].map((i) => ({
        type: "sleep",
        payload: { ms: 60_000 },
        options: { id: `amo-${i}`, delivery: "at-most-once" as const },
      })),
    );
    for (const h of handles) await victim.waitFor((l) => l["started"] === h.id, `start of ${h.id}`);
    await victim.kill("SIGKILL");
    await startBackup();
    for (const h of handles)
      await assert.rejects(
        h.result(),
        (e: unknown) => e instanceof TaskFailedError && /outcome unknown/.test(e.reason),
      );
    // A later task still runs on the backup, so the backup was live while the failures were decided.
    assert.equal(await (await sub.submit("sleep", { ms: 0 })).result(), `backup:${runs[0] ?? ""}`);
    assert.equal(runs.length, 1, `no at-most-once task ran again: ${runs.join(",")}`);
  });
});
