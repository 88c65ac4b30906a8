/**
 * Commits batched into one multi keep their own guarantees: executions that end together commit in one
 * multi; one whose token went stale (cancelled while running) is refused alone and the rest commit —
 * both servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../harness/backends.js";
import { TaskCancelledError, type CommittedEvent } from "../../src/tasks/index.js";
import { startTaskCluster } from "./helpers.js";

forEachBackend("tasks: batched commits", (backend) => {
  test("executions ending together commit once each; a cancelled one is refused alone", async () => {
    const { sub, addWorker } = await startTaskCluster(backend(), { label: "commit-batch" });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const w = await addWorker(
      { t: async (ctx) => (started++, await gate, ctx.id) },
      { id: "w", concurrency: 6, prefetch: 0 },
      { start: false },
    );
    const committed: CommittedEvent[] = [];
    w.on("committed", (e) => committed.push(e));
    await w.start();
    const hs = await sub.submitMany(
      Array.from({ length: 6 }, (_, i) => ({ type: "t", options: { id: `b${i}` } })),
    );
    for (let i = 0; i < 1000 && started < 6; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(started, 6);
    const [cancelled, ...rest] = hs;
    assert.equal(await cancelled?.cancel(), true);
    release();
    assert.deepEqual(await Promise.all(rest.map((h) => h.result())), ["b1", "b2", "b3", "b4", "b5"]);
    await assert.rejects(cancelled?.result() ?? Promise.resolve(), TaskCancelledError);
    for (let i = 0; i < 500 && w.stats.stale + w.stats.completed < 6; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(w.stats.completed, 5);
    assert.equal(w.stats.stale, 1);
    assert.deepEqual(committed.map((e) => e.id).sort(), ["b1", "b2", "b3", "b4", "b5"]);
  });
});
